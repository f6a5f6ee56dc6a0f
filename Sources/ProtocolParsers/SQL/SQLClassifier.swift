/// Classifies SQL statements for policy: command class, verb, target tables, `WHERE`
/// presence and risk flags.
///
/// Classification works on tokens, so comments, case, whitespace, quoting and semicolons
/// inside strings cannot hide or fake a command:
///
/// ```swift
/// let info = SQLClassifier.classify("/* hi */ delete from Orders")
/// // info.commandClass == .write, info.verb == "DELETE", info.tables == ["orders"],
/// // info.flags == [.deleteWithoutWhere]
/// ```
public enum SQLClassifier {
    /// Describes `statement`.
    ///
    /// When `statement` holds several statements, the result summarises them all: the
    /// heaviest class (dcl > admin > ddl > write > unknown > utility > transaction > read)
    /// and the verb of the first statement of that class, every table, every flag plus
    /// ``SQLRiskFlag/multipleStatements``, and `hasWhereClause` only if every statement has
    /// one. Split first with ``SQLStatementSplitter`` to judge statements one by one.
    /// - Parameters:
    ///   - statement: SQL text.
    ///   - dialect: The SQL dialect.
    ///   - backslashEscapes: Whether backslashes escape in ordinary strings; `nil` takes
    ///     the dialect's default (see ``SQLLexer/init(dialect:backslashEscapes:)``).
    public static func classify(
        _ statement: String,
        dialect: SQLDialect = .postgres,
        backslashEscapes: Bool? = nil
    ) -> SQLStatementInfo {
        SQLScanner.withBytes(of: statement) { bytes in
            var scanner = SQLScanner(bytes: bytes, dialect: dialect, backslashEscapes: backslashEscapes)
            var tokens: [SQLToken] = []
            tokens.reserveCapacity(bytes.count / 2 + 8)
            while let token = scanner.next() { tokens.append(token) }
            let ranges = SQLStatementSplitter.statementTokenRanges(tokens, bytes: bytes, dialect: dialect)
            guard ranges.count > 1 else {
                let words = SQLWord.words(tokens, in: ranges.first ?? 0..<0, bytes: bytes)
                var analyzer = SQLStatementAnalyzer(
                    words: words, bytes: bytes, dialect: dialect,
                    backslashEscapes: backslashEscapes ?? dialect.defaultBackslashEscapes
                )
                return analyzer.run()
            }
            let infos = ranges.map { range in
                var analyzer = SQLStatementAnalyzer(
                    words: SQLWord.words(tokens, in: range, bytes: bytes), bytes: bytes, dialect: dialect,
                    backslashEscapes: backslashEscapes ?? dialect.defaultBackslashEscapes
                )
                return analyzer.run()
            }
            return summarise(infos)
        }
    }

    /// One description for several statements.
    static func summarise(_ infos: [SQLStatementInfo]) -> SQLStatementInfo {
        var heaviest = infos[0]
        var tables: [String] = []
        var seen: Set<String> = []
        var flags: Set<SQLRiskFlag> = [.multipleStatements]
        var allHaveWhere = true
        for info in infos {
            if info.commandClass.severity > heaviest.commandClass.severity { heaviest = info }
            for table in info.tables where seen.insert(table).inserted { tables.append(table) }
            flags.formUnion(info.flags)
            allHaveWhere = allHaveWhere && info.hasWhereClause
        }
        return SQLStatementInfo(
            commandClass: heaviest.commandClass,
            verb: heaviest.verb,
            tables: tables,
            hasWhereClause: allHaveWhere,
            flags: flags
        )
    }
}
