extension SQLStatementAnalyzer {
    /// Analyses the statement in `words[start..<end]`, skipping leading parentheses.
    mutating func analyze(_ start: Int, _ end: Int) -> Result {
        var lo = start
        while lo < end && isPunct(lo, "(") { lo += 1 }
        guard lo < end else { return Result(commandClass: .unknown, verb: "") }
        let depth = words[lo].depth
        let first = kw(lo)
        if depth == 0 { mainVerb = first }
        let range = lo..<end
        var result: Result
        switch first {
        case .select:
            result = analyzeSelect(range, depth: depth)
        case .values:
            result = Result(commandClass: .read, verb: verbWord(lo))
        case .table:
            if let name = qualifiedName(at: lo + 1) { addTable(name.name, at: lo + 1) }
            result = Result(commandClass: .read, verb: verbWord(lo))
        case .show:
            result = Result(commandClass: .read, verb: verbWord(lo))
        case .describe, .desc:
            if let name = qualifiedName(at: lo + 1) { addTable(name.name, at: lo + 1) }
            result = Result(commandClass: .read, verb: "DESCRIBE")
        case .handler, .fetch:
            result = Result(commandClass: .read, verb: verbWord(lo))
        case .explain:
            result = analyzeExplain(range, depth: depth)
        case .with:
            result = analyzeWith(range, depth: depth)
        case .insert, .replace, .upsert:
            result = analyzeInsert(range)
        case .update:
            result = analyzeUpdate(range, depth: depth)
        case .delete:
            result = Result(commandClass: .write, verb: verbWord(lo))
            if firstTopLevel(.where, in: range, depth: depth) == nil { flags.insert(.deleteWithoutWhere) }
        case .merge:
            var k = lo + 1
            if kw(k) == .into { k += 1 }
            if kw(k) == .only { k += 1 }
            if let name = qualifiedName(at: k) { addTable(name.name, at: k) }
            result = Result(commandClass: .write, verb: verbWord(lo))
        case .copy:
            result = analyzeCopy(range)
        case .create, .alter, .drop:
            result = analyzeDefinition(range, depth: depth)
        case .truncate:
            var k = lo + 1
            if kw(k) == .table { k += 1 }
            readNameList(from: k, to: end, depth: depth, stop: SQLKeywordSet([.restart, .continue, .cascade, .restrict]))
            flags.insert(.truncate)
            result = Result(commandClass: .ddl, verb: verbWord(lo))
        case .comment:
            if kw(lo + 1) == .on && kw(lo + 2) == .table, let name = qualifiedName(at: lo + 3) {
                addTable(name.name, at: lo + 3)
            }
            result = Result(commandClass: .ddl, verb: verbWord(lo))
        case .rename:
            result = analyzeRename(range, depth: depth)
        case .security:
            result = Result(commandClass: .ddl, verb: "SECURITY LABEL")
        case .import:
            result = Result(commandClass: .ddl, verb: "IMPORT FOREIGN SCHEMA")
        case .grant, .revoke:
            result = analyzeGrant(range, depth: depth)
        case .reassign:
            flags.insert(.roleOrGrantChange)
            result = Result(commandClass: .dcl, verb: "REASSIGN OWNED")
        case .begin, .commit, .end, .rollback, .abort, .savepoint, .release, .xa:
            if (first == .commit || first == .rollback) && kw(lo + 1) == .prepared {
                result = Result(commandClass: .transaction, verb: verbWord(lo) + " PREPARED")
            } else {
                result = Result(commandClass: .transaction, verb: verbWord(lo))
            }
        case .start:
            if kw(lo + 1) == .transaction {
                result = Result(commandClass: .transaction, verb: "START TRANSACTION")
            } else {
                result = Result(commandClass: .admin, verb: phrase(lo..<min(lo + 2, end)))
            }
        case .prepare:
            result = analyzePrepare(range, depth: depth)
        case .declare:
            result = Result(commandClass: .utility, verb: verbWord(lo))
            if let cursor = firstTopLevel(.cursor, in: range, depth: depth),
                let forIndex = firstTopLevel(.for, in: (cursor + 1)..<end, depth: depth)
            {
                result.commandClass = analyze(forIndex + 1, end).commandClass
            }
        case .execute, .deallocate, .listen, .unlisten, .notify, .discard, .close, .move, .use, .help,
            .get, .signal, .resignal:
            result = Result(commandClass: .utility, verb: verbWord(lo))
        case .set:
            result = analyzeSet(range, depth: depth)
        case .reset:
            if dialect == .mysql {
                result = Result(commandClass: .admin, verb: verbWord(lo))
            } else if kw(lo + 1) == .role || (kw(lo + 1) == .session && kw(lo + 2) == .authorization) {
                flags.insert(.roleOrGrantChange)
                result = Result(commandClass: .dcl, verb: phrase(lo..<min(lo + (kw(lo + 1) == .role ? 2 : 3), end)))
            } else if verbWord(lo + 1) == "SESSION_AUTHORIZATION" {
                // The parameter form of RESET SESSION AUTHORIZATION.
                flags.insert(.roleOrGrantChange)
                result = Result(commandClass: .dcl, verb: "RESET SESSION AUTHORIZATION")
            } else {
                result = Result(commandClass: .utility, verb: verbWord(lo))
            }
        case .vacuum, .analyze, .analyse, .checkpoint, .reindex, .cluster, .kill, .flush, .optimize,
            .repair, .check, .checksum, .install, .uninstall, .shutdown, .restart, .purge, .change, .stop,
            .unlock, .cache, .binlog:
            result = Result(commandClass: .admin, verb: first == .analyse ? "ANALYZE" : verbWord(lo))
        case .lock:
            var k = lo + 1
            if kw(k) == .table || kw(k) == .tables { k += 1 }
            if kw(k) != .instance {
                readNameList(from: k, to: end, depth: depth, stop: SQLKeywordSet([.in, .nowait]))
            }
            result = Result(commandClass: .admin, verb: verbWord(lo))
        case .refresh:
            var k = lo + 1
            while SQLKeywordSet([.materialized, .view, .concurrently]).contains(kw(k)) { k += 1 }
            if let name = qualifiedName(at: k) { addTable(name.name, at: k) }
            result = Result(commandClass: .admin, verb: "REFRESH MATERIALIZED VIEW")
        case .load:
            result = analyzeLoad(range, depth: depth)
        case .do, .call:
            result = Result(commandClass: .write, verb: verbWord(lo))
        default:
            result = Result(commandClass: .unknown, verb: verbWord(lo))
        }
        if first != .select && first != .with && first != .explain && first != .prepare {
            result.hasWhere = firstTopLevel(.where, in: range, depth: depth) != nil
        }
        return result
    }

    /// The upper-cased keywords of `range` joined by spaces (stopping at a non-keyword).
    func phrase(_ range: Range<Int>) -> String {
        var parts: [String] = []
        for index in range {
            let word = verbWord(index)
            if word.isEmpty { break }
            parts.append(word)
        }
        return parts.joined(separator: " ")
    }

    // MARK: - Queries

    private mutating func analyzeSelect(_ range: Range<Int>, depth: Int) -> Result {
        var result = Result(commandClass: .read, verb: "SELECT")
        if let into = firstTopLevel(.into, in: range, depth: depth) {
            if dialect == .mysql {
                if kw(into + 1) == .outfile || kw(into + 1) == .dumpfile {
                    flags.insert(.serverFileAccess)
                    result.commandClass = .admin
                }
            } else {
                var k = into + 1
                while Self.selectIntoModifiers.contains(kw(k)) { k += 1 }
                if let name = qualifiedName(at: k) {
                    addTable(name.name, at: k)
                    result.commandClass = .write
                }
            }
        }
        for index in range {
            let word = kw(index)
            if word == .for {
                let a = kw(index + 1)
                let b = kw(index + 2)
                if a == .update || a == .share || (a == .no && b == .key) || (a == .key && b == .share) {
                    flags.insert(.selectForUpdate)
                    break
                }
            } else if word == .lock && kw(index + 1) == .in && kw(index + 2) == .share {
                flags.insert(.selectForUpdate)
                break
            }
        }
        result.hasWhere = firstTopLevel(.where, in: range, depth: depth) != nil
        return result
    }

    private mutating func analyzeWith(_ range: Range<Int>, depth: Int) -> Result {
        let parsed = parseWith(at: range.lowerBound, to: range.upperBound)
        var writes = false
        for body in parsed.bodies where analyze(body.lowerBound, body.upperBound).commandClass == .write {
            writes = true
        }
        guard let main = parsed.main else { return Result(commandClass: writes ? .write : .unknown, verb: "WITH") }
        var result = analyze(main, range.upperBound)
        if writes {
            flags.insert(.writeInCTE)
            if result.commandClass.severity < SQLCommandClass.write.severity { result.commandClass = .write }
        }
        return result
    }

    private mutating func analyzeExplain(_ range: Range<Int>, depth: Int) -> Result {
        var k = range.lowerBound + 1
        var analyzes = false
        if isPunct(k, "(") {
            let close = matchingClose(k)
            var i = k + 1
            while i < close {
                if kw(i) == .analyze || kw(i) == .analyse {
                    let value = kw(i + 1)
                    let zero = i + 1 < words.count && words[i + 1].kind == .number
                        && words[i + 1].range.count == 1 && bytes[words[i + 1].range.lowerBound] == UInt8(ascii: "0")
                    analyzes = !(value == .false || value == .off || zero)
                }
                i += 1
            }
            k = close + 1
        }
        while k < range.upperBound {
            let word = kw(k)
            if word == .analyze || word == .analyse {
                analyzes = true
                k += 1
            } else if word == .verbose || word == .extended || word == .partitions {
                k += 1
            } else if word == .format && isPunct(k + 1, "=") {
                k += 3
            } else {
                break
            }
        }
        let savedFlags = flags
        let inner = analyze(k, range.upperBound)
        if inner.commandClass == .unknown, let name = qualifiedName(at: k), name.end == range.upperBound {
            addTable(name.name, at: k)  // MySQL: EXPLAIN table
        }
        guard analyzes else {
            flags = savedFlags
            suppressSideEffects = true
            return Result(commandClass: .read, verb: "EXPLAIN")
        }
        let commandClass = inner.commandClass == .unknown ? .read : inner.commandClass
        return Result(commandClass: commandClass, verb: "EXPLAIN")
    }

    // MARK: - Data modification

    private mutating func analyzeInsert(_ range: Range<Int>) -> Result {
        var k = range.lowerBound + 1
        while Self.insertModifiers.contains(kw(k)) { k += 1 }
        if kw(k) == .into { k += 1 }
        if let name = qualifiedName(at: k) { addTable(name.name, at: k) }
        return Result(commandClass: .write, verb: verbWord(range.lowerBound))
    }

    private mutating func analyzeUpdate(_ range: Range<Int>, depth: Int) -> Result {
        var k = range.lowerBound + 1
        while Self.updateModifiers.contains(kw(k)) { k += 1 }
        readNameList(from: k, to: range.upperBound, depth: depth, stop: Self.updateTargetEnd)
        if firstTopLevel(.where, in: range, depth: depth) == nil { flags.insert(.updateWithoutWhere) }
        return Result(commandClass: .write, verb: "UPDATE")
    }

    private mutating func analyzeCopy(_ range: Range<Int>) -> Result {
        var k = range.lowerBound + 1
        var innerClass = SQLCommandClass.read
        if isPunct(k, "(") {
            let close = matchingClose(k)
            innerClass = analyze(k + 1, close).commandClass
            k = close + 1
        } else if let name = qualifiedName(at: k) {
            addTable(name.name, at: k)
            k = name.end
            if isPunct(k, "(") { k = matchingClose(k) + 1 }
        }
        let direction = kw(k)
        var result = Result(
            commandClass: direction == .from ? .write : (innerClass == .write ? .write : .read),
            verb: "COPY"
        )
        let target = k + 1
        if kw(target) == .program {
            flags.insert(.copyProgram)
            result.commandClass = .admin
        } else if target < range.upperBound && words[target].kind == .string {
            flags.insert(.serverFileAccess)
        }
        return result
    }

    private mutating func analyzeLoad(_ range: Range<Int>, depth: Int) -> Result {
        let lo = range.lowerBound
        guard dialect == .mysql, kw(lo + 1) == .data || kw(lo + 1) == .xml else {
            return Result(commandClass: .admin, verb: "LOAD")
        }
        var local = false
        var k = lo + 2
        while k < range.upperBound && kw(k) != .infile {
            if kw(k) == .local { local = true }
            k += 1
        }
        if !local { flags.insert(.serverFileAccess) }
        if let into = firstTopLevel(.into, in: range, depth: depth) {
            var t = into + 1
            if kw(t) == .table { t += 1 }
            if let name = qualifiedName(at: t) { addTable(name.name, at: t) }
        }
        return Result(commandClass: .write, verb: "LOAD " + verbWord(lo + 1))
    }

    // MARK: - Definitions and privileges

    /// `CREATE`, `ALTER` and `DROP` of any object.
    private mutating func analyzeDefinition(_ range: Range<Int>, depth: Int) -> Result {
        let lo = range.lowerBound
        let end = range.upperBound
        let command = kw(lo)
        var k = lo + 1
        modifiers: while k < end {
            switch kw(k) {
            case .or where kw(k + 1) == .replace:
                k += 2
            case .temp, .temporary, .local, .global, .unlogged, .unique, .recursive, .trusted, .procedural,
                .constraint, .online, .offline, .fulltext, .ignore:
                k += 1
            case .spatial where kw(k + 1) == .index:
                k += 1
            case .aggregate where kw(k + 1) == .function:
                k += 1
            case .default where kw(k + 1) == .conversion:
                k += 1
            case .algorithm:
                k += isPunct(k + 1, "=") ? 3 : 2
            case .sql where kw(k + 1) == .security:
                k += 3
            case .definer:
                k += 1
                var limit = 0
                while k < end && limit < 8 && !Self.definerTerminators.contains(kw(k)) {
                    k += 1
                    limit += 1
                }
            default:
                break modifiers
            }
        }
        let (object, afterObject) = objectType(at: k)
        let verb = object.isEmpty ? verbWord(lo) : verbWord(lo) + " " + object
        var result = Result(commandClass: .ddl, verb: verb)
        if command == .drop { flags.insert(.drop) }
        switch object {
        case "ROLE", "USER", "GROUP", "POLICY", "DEFAULT PRIVILEGES", "OWNED":
            result.commandClass = .dcl
            flags.insert(.roleOrGrantChange)
        case "SYSTEM":
            result.commandClass = .admin
            flags.insert(.alterSystem)
        case "INSTANCE":
            result.commandClass = .admin
        default:
            break
        }
        var n = afterObject
        if kw(n) == .if {
            n += 1
            if kw(n) == .not { n += 1 }
            if kw(n) == .exists { n += 1 }
        }
        switch object {
        case "TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE":
            if command == .drop {
                readNameList(from: n, to: end, depth: depth, stop: SQLKeywordSet([.cascade, .restrict]))
            } else {
                while kw(n) == .only { n += 1 }
                if !(command == .alter && kw(n) == .all), let name = qualifiedName(at: n) {
                    addTable(name.name, at: n)
                    n = name.end
                }
                if command == .alter { inspectAlterTable((n..<end), depth: depth) }
            }
        case "INDEX" where command == .create, "TRIGGER", "POLICY", "RULE" where command != .create:
            if let on = firstTopLevel(.on, in: n..<end, depth: depth) {
                var t = on + 1
                if kw(t) == .only { t += 1 }
                if let name = qualifiedName(at: t) { addTable(name.name, at: t) }
            }
        case "RULE" where command == .create:
            if let to = firstTopLevel(.to, in: n..<end, depth: depth), let name = qualifiedName(at: to + 1) {
                addTable(name.name, at: to + 1)
            }
        default:
            break
        }
        if command == .alter, let owner = firstTopLevel(.owner, in: n..<end, depth: depth), kw(owner + 1) == .to {
            flags.insert(.roleOrGrantChange)
        }
        return result
    }

    /// Data-losing `DROP`s and row-level-security switches in `ALTER TABLE`.
    private mutating func inspectAlterTable(_ range: Range<Int>, depth: Int) {
        for index in range where words[index].depth == depth {
            switch kw(index) {
            case .drop:
                let next = index + 1
                guard next < range.upperBound else { continue }
                let word = kw(next)
                if words[next].kind == .quotedIdentifier || word == .column || word == .partition
                    || (words[next].kind == .keywordOrIdentifier && !Self.nonDataDrops.contains(word))
                {
                    flags.insert(.drop)
                }
            case .row where kw(index + 1) == .level:
                flags.insert(.roleOrGrantChange)
            default:
                break
            }
        }
    }

    /// The object type after `CREATE`/`ALTER`/`DROP` and its modifiers, and the index after it.
    private func objectType(at k: Int) -> (String, Int) {
        switch (kw(k), kw(k + 1)) {
        case (.materialized, .view), (.foreign, .table), (.event, .trigger), (.user, .mapping), (.access, .method),
            (.operator, .class), (.operator, .family), (.default, .privileges), (.large, .object), (.resource, .group),
            (.logfile, .group):
            return (verbWord(k) + " " + verbWord(k + 1), k + 2)
        case (.foreign, .data):
            return ("FOREIGN DATA WRAPPER", k + 3)
        case (.text, .search):
            return ("TEXT SEARCH " + verbWord(k + 2), k + 3)
        case (.spatial, .reference):
            return ("SPATIAL REFERENCE SYSTEM", k + 3)
        default:
            let word = verbWord(k)
            return word.isEmpty ? ("", k) : (word, k + 1)
        }
    }

    private mutating func analyzeGrant(_ range: Range<Int>, depth: Int) -> Result {
        flags.insert(.roleOrGrantChange)
        let result = Result(commandClass: .dcl, verb: verbWord(range.lowerBound))
        var on: Int?
        for index in range.dropFirst() where words[index].depth == depth {
            let word = kw(index)
            if word == .to || word == .from { break }
            if word == .on {
                on = index
                break
            }
        }
        guard var k = on.map({ $0 + 1 }) else { return result }
        if kw(k) == .table {
            k += 1
        } else if Self.nonTableGrantObjects.contains(kw(k)) {
            return result
        }
        readNameList(from: k, to: range.upperBound, depth: depth, stop: SQLKeywordSet([.to, .from]))
        return result
    }

    private mutating func analyzeRename(_ range: Range<Int>, depth: Int) -> Result {
        let lo = range.lowerBound
        if kw(lo + 1) == .user {
            flags.insert(.roleOrGrantChange)
            return Result(commandClass: .dcl, verb: "RENAME USER")
        }
        var k = lo + 1
        if kw(k) == .table || kw(k) == .tables { k += 1 }
        var expectName = true
        while k < range.upperBound {
            if expectName, let name = qualifiedName(at: k) {
                addTable(name.name, at: k)
                k = name.end
                expectName = false
                continue
            }
            if words[k].depth == depth && (kw(k) == .to || isPunct(k, ",")) { expectName = true }
            k += 1
        }
        return Result(commandClass: .ddl, verb: "RENAME TABLE")
    }

    // MARK: - Session

    private mutating func analyzeSet(_ range: Range<Int>, depth: Int) -> Result {
        let lo = range.lowerBound
        var k = lo + 1
        if dialect == .mysql {
            for index in range where words[index].depth == depth {
                let word = kw(index)
                if word == .global || word == .persist || word == .persist_only {
                    return Result(commandClass: .admin, verb: "SET GLOBAL")
                }
            }
            switch kw(k) {
            case .password:
                flags.insert(.roleOrGrantChange)
                return Result(commandClass: .dcl, verb: "SET PASSWORD")
            case .role:
                flags.insert(.roleOrGrantChange)
                return Result(commandClass: .dcl, verb: "SET ROLE")
            case .default where kw(k + 1) == .role:
                flags.insert(.roleOrGrantChange)
                return Result(commandClass: .dcl, verb: "SET DEFAULT ROLE")
            case .transaction:
                return Result(commandClass: .transaction, verb: "SET TRANSACTION")
            case .session where kw(k + 1) == .transaction:
                return Result(commandClass: .transaction, verb: "SET TRANSACTION")
            default:
                return Result(commandClass: .utility, verb: "SET")
            }
        }
        if kw(k) == .session {
            if kw(k + 1) == .authorization {
                flags.insert(.roleOrGrantChange)
                return Result(commandClass: .dcl, verb: "SET SESSION AUTHORIZATION")
            }
            if kw(k + 1) == .characteristics {
                return Result(commandClass: .transaction, verb: "SET TRANSACTION")
            }
            k += 1
        } else if kw(k) == .local {
            k += 1
        }
        switch kw(k) {
        case .role:
            flags.insert(.roleOrGrantChange)
            return Result(commandClass: .dcl, verb: "SET ROLE")
        case .transaction:
            return Result(commandClass: .transaction, verb: "SET TRANSACTION")
        case .constraints:
            return Result(commandClass: .transaction, verb: "SET CONSTRAINTS")
        default:
            // `SET session_authorization TO ...` is SET SESSION AUTHORIZATION in parameter form.
            if verbWord(k) == "SESSION_AUTHORIZATION" {
                flags.insert(.roleOrGrantChange)
                return Result(commandClass: .dcl, verb: "SET SESSION AUTHORIZATION")
            }
            return Result(commandClass: .utility, verb: "SET")
        }
    }

    /// `PREPARE name AS statement` takes the class, tables and flags of the statement:
    /// defining it is the only time its text is seen (a later `EXECUTE` shows only a name).
    private mutating func analyzePrepare(_ range: Range<Int>, depth: Int) -> Result {
        let lo = range.lowerBound
        if kw(lo + 1) == .transaction { return Result(commandClass: .transaction, verb: "PREPARE TRANSACTION") }
        if dialect == .mysql {
            let from = lo + 2
            guard kw(from) == .from, from + 1 < range.upperBound, words[from + 1].kind == .string else {
                return Result(commandClass: .utility, verb: "PREPARE")
            }
            let inner = SQLClassifier.classify(stringContent(from + 1), dialect: dialect, backslashEscapes: backslashEscapes)
            flags.formUnion(inner.flags)
            for table in inner.tables { addTable(table, at: from + 1) }
            let commandClass = inner.commandClass == .unknown ? .utility : inner.commandClass
            return Result(commandClass: commandClass, verb: "PREPARE", hasWhere: inner.hasWhereClause)
        }
        guard let asIndex = firstTopLevel(.as, in: range, depth: depth) else {
            return Result(commandClass: .utility, verb: "PREPARE")
        }
        let inner = analyze(asIndex + 1, range.upperBound)
        let commandClass = inner.commandClass == .unknown ? .utility : inner.commandClass
        return Result(commandClass: commandClass, verb: "PREPARE", hasWhere: inner.hasWhere)
    }

    /// The content of the string literal at `index`, unquoted and unescaped.
    private func stringContent(_ index: Int) -> String {
        let range = words[index].range
        var i = range.lowerBound
        while i < range.upperBound && bytes[i] != UInt8(ascii: "'") && bytes[i] != UInt8(ascii: "\"") { i += 1 }
        guard i < range.upperBound else { return "" }
        let quote = bytes[i]
        i += 1
        var result: [UInt8] = []
        while i < range.upperBound {
            let b = bytes[i]
            if backslashEscapes && b == UInt8(ascii: "\\") && i + 1 < range.upperBound {
                result.append(bytes[i + 1])
                i += 2
            } else if b == quote {
                if i + 1 < range.upperBound && bytes[i + 1] == quote {
                    result.append(quote)
                    i += 2
                } else {
                    break
                }
            } else {
                result.append(b)
                i += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static let definerTerminators = SQLKeywordSet([
        .procedure, .function, .trigger, .event, .view, .sql, .algorithm,
    ])

    /// What `ALTER TABLE ... DROP <word>` drops without losing column data.
    private static let nonDataDrops = SQLKeywordSet([
        .constraint, .default, .not, .identity, .expression, .index, .key, .primary, .foreign, .check,
    ])

    /// `GRANT ... ON <word>` objects that are not tables.
    private static let nonTableGrantObjects = SQLKeywordSet([
        .all, .schema, .database, .function, .procedure, .routine, .sequence, .language, .large, .foreign,
        .domain, .type, .tablespace, .parameter, .proxy,
    ])

    private static let selectIntoModifiers = SQLKeywordSet([.temp, .temporary, .unlogged, .table])
    private static let insertModifiers = SQLKeywordSet([.low_priority, .delayed, .high_priority, .ignore])
    private static let updateModifiers = SQLKeywordSet([.only, .low_priority, .ignore])
    private static let updateTargetEnd = SQLKeywordSet([.set, .where])
}
