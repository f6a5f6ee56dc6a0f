/// Works out class, verb, tables and flags of one statement from its significant tokens.
///
/// A recursive-descent reading of just enough grammar: the leading command picks a
/// handler (see `SQLStatementAnalyzer+Commands.swift`), nested statements (CTE bodies,
/// `COPY (query)`, `EXPLAIN`, `PREPARE`, `DECLARE`) are analysed recursively, and one pass
/// over the whole statement finds table references after `FROM`, `JOIN` and `USING`
/// (`SQLStatementAnalyzer+TableReferences.swift`).
struct SQLStatementAnalyzer {
    let words: [SQLWord]
    let bytes: UnsafeBufferPointer<UInt8>
    let dialect: SQLDialect
    let backslashEscapes: Bool

    /// Tables found, with the index of the word they were found at (for ordering).
    var tables: [(position: Int, name: String)] = []
    var flags: Set<SQLRiskFlag> = []
    /// Names defined by `WITH` clauses anywhere in the statement.
    var cteNames: Set<String> = []
    /// Set for `EXPLAIN` without `ANALYZE`: nothing runs, so no function has effects.
    var suppressSideEffects = false
    /// The leading word of the innermost statement analysed at depth 0 (`DELETE` in
    /// `WITH x AS (...) DELETE ...`), which decides what `USING` means there.
    var mainVerb = SQLKeyword.none

    /// What one (possibly nested) statement is.
    struct Result {
        var commandClass: SQLCommandClass
        var verb: String
        var hasWhere = false
    }

    init(words: [SQLWord], bytes: UnsafeBufferPointer<UInt8>, dialect: SQLDialect, backslashEscapes: Bool) {
        self.words = words
        self.bytes = bytes
        self.dialect = dialect
        self.backslashEscapes = backslashEscapes
    }

    mutating func run() -> SQLStatementInfo {
        guard !words.isEmpty else { return SQLStatementInfo(commandClass: .unknown, verb: "") }
        collectCTENames()
        let result = analyze(0, words.count)
        scanTableReferences()
        if !suppressSideEffects { scanSideEffectFunctions() }
        var names: [String] = []
        if !tables.isEmpty {
            tables.sort { $0.position < $1.position }
            names.reserveCapacity(tables.count)
            for table in tables where !names.contains(table.name) { names.append(table.name) }
        }
        return SQLStatementInfo(
            commandClass: result.commandClass,
            verb: result.verb,
            tables: names,
            hasWhereClause: result.hasWhere,
            flags: flags
        )
    }

    // MARK: - Word helpers

    /// The keyword at `index`, or ``SQLKeyword/none`` for anything else or out of range.
    @inline(__always)
    func kw(_ index: Int) -> SQLKeyword {
        guard index >= 0, index < words.count else { return .none }
        return words[index].keyword
    }

    /// The upper-cased text of the keyword or identifier at `index` ("" for other tokens).
    func verbWord(_ index: Int) -> String {
        guard index >= 0, index < words.count, words[index].kind == .keywordOrIdentifier else { return "" }
        return SQLWord.caseMapped(bytes, words[index].range, upper: true)
    }

    /// Whether the word at `index` is the one-byte punctuation `c`.
    @inline(__always)
    func isPunct(_ index: Int, _ c: Unicode.Scalar) -> Bool {
        index >= 0 && index < words.count && words[index].punct == UInt8(ascii: c)
    }

    @inline(__always)
    func isName(_ index: Int) -> Bool {
        index >= 0 && index < words.count
            && (words[index].kind == .keywordOrIdentifier || words[index].kind == .quotedIdentifier)
    }

    /// The index of the `)` matching the `(` at `open`, or `words.count`.
    func matchingClose(_ open: Int) -> Int {
        let depth = words[open].depth
        var index = open + 1
        while index < words.count {
            if words[index].depth == depth && isPunct(index, ")") { return index }
            index += 1
        }
        return words.count
    }

    /// The first `keyword` at `depth` in `range`.
    func firstTopLevel(_ keyword: SQLKeyword, in range: Range<Int>, depth: Int) -> Int? {
        for index in range where words[index].keyword == keyword && words[index].depth == depth {
            return index
        }
        return nil
    }

    /// One name part, normalised: unquoted names lower-cased, quoted names unquoted.
    func namePart(_ index: Int) -> String {
        let word = words[index]
        guard word.kind == .quotedIdentifier else {
            return SQLWord.caseMapped(bytes, word.range, upper: false)
        }
        var start = word.range.lowerBound
        if bytes[start] | 0x20 == UInt8(ascii: "u") { start += 2 }  // U&"..."
        let quote = bytes[start]
        var result: [UInt8] = []
        result.reserveCapacity(word.range.count)
        var i = start + 1
        let end = word.range.upperBound
        while i < end {
            let b = bytes[i]
            if b == quote {
                if i + 1 < end && bytes[i + 1] == quote {
                    result.append(quote)
                    i += 2
                    continue
                }
                break
            }
            result.append(b)
            i += 1
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The dotted name starting at `index`: its normalised text, how many parts it has, and
    /// the index just past it. `nil` if there is no name there or it ends in `.*`.
    func qualifiedName(at index: Int) -> (name: String, parts: Int, end: Int)? {
        guard isName(index) else { return nil }
        var name = namePart(index)
        var parts = 1
        var next = index + 1
        while isPunct(next, ".") {
            guard isName(next + 1) else { return nil }
            name += "." + namePart(next + 1)
            parts += 1
            next += 2
        }
        return (name, parts, next)
    }

    mutating func addTable(_ name: String, at position: Int) {
        tables.append((position, name))
    }

    /// Reads `name [, name ...]` at `depth` starting at `start`, skipping `ONLY` before a
    /// name and anything after one up to the next comma; stops at a word in `stop`.
    mutating func readNameList(from start: Int, to end: Int, depth: Int, stop: SQLKeywordSet) {
        var index = start
        while index < end {
            while kw(index) == .only { index += 1 }
            guard let name = qualifiedName(at: index) else { return }
            addTable(name.name, at: index)
            index = name.end
            while index < end && !(words[index].depth == depth && isPunct(index, ",")) {
                if words[index].depth < depth { return }
                if words[index].depth == depth && stop.contains(kw(index)) { return }
                index += 1
            }
            index += 1
        }
    }

    // MARK: - WITH clauses

    /// The CTEs of the `WITH` at `start`: their names, body ranges (inside the parentheses)
    /// and where the main statement starts. Names and bodies are only those that parsed.
    func parseWith(at start: Int, to end: Int) -> (names: [String], bodies: [Range<Int>], main: Int?) {
        let depth = words[start].depth
        var names: [String] = []
        var bodies: [Range<Int>] = []
        var index = start + 1
        if kw(index) == .recursive { index += 1 }
        while index < end, isName(index) {
            let name = namePart(index)
            var k = index + 1
            if isPunct(k, "(") { k = matchingClose(k) + 1 }
            guard kw(k) == .as else { break }
            k += 1
            if kw(k) == .not { k += 1 }
            if kw(k) == .materialized { k += 1 }
            guard isPunct(k, "(") else { break }
            let close = matchingClose(k)
            names.append(name)
            bodies.append((k + 1)..<min(close, end))
            // Skip SEARCH/CYCLE clauses up to the next CTE or the main statement.
            var m = close + 1
            var main: Int?
            var more = false
            while m < end {
                if words[m].depth == depth {
                    if isPunct(m, ",") {
                        more = true
                        break
                    }
                    if isPunct(m, "(") || Self.queryStarters.contains(kw(m)) {
                        main = m
                        break
                    }
                }
                if words[m].depth < depth { break }
                m += 1
            }
            if more {
                index = m + 1
                continue
            }
            return (names, bodies, main)
        }
        return (names, bodies, nil)
    }

    mutating func collectCTENames() {
        for index in words.indices where kw(index) == .with {
            cteNames.formUnion(parseWith(at: index, to: words.count).names)
        }
    }

    /// Words that start a query or data-modifying statement (in a CTE, subquery or as the
    /// main statement of a `WITH`).
    static let queryStarters = SQLKeywordSet([
        .select, .insert, .update, .delete, .merge, .values, .table, .with, .upsert, .replace,
    ])
}
