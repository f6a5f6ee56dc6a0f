import Testing

@testable import ProtocolParsers

/// Properties over every SQL string in the suites, and a bounded random-input loop.
@Suite("SQL properties")
struct SQLPropertyTests {
    static let corpus: [(String, SQLDialect)] =
        sqlClassifierCases.map { ($0.sql, $0.dialect) } + sqlSplitCases.map { ($0.sql, $0.dialect) }
        + sqlLexerCases.map { ($0.sql, $0.dialect) }

    @Test("Lexer tokens cover every input exactly")
    func coverage() {
        for (sql, dialect) in Self.corpus {
            let tokens = SQLLexer(dialect: dialect).tokens(sql)
            #expect(SQLTestSupport.coverageProblem(tokens, count: sql.utf8.count) == nil, "\(sql)")
        }
    }

    @Test("Splitting loses no code: statements plus semicolons, whitespace and comments are the input")
    func splittingLosesNothing() {
        for (sql, dialect) in Self.corpus {
            #expect(Self.splitProblem(sql, dialect: dialect) == nil, "\(sql)")
        }
    }

    @Test("Random byte strings: no crash, full coverage, consistent splitting", arguments: [SQLDialect.postgres, .mysql])
    func randomInput(_ dialect: SQLDialect) {
        var generator = SQLTestSupport.Generator(state: dialect == .postgres ? 42 : 4242)
        // Bytes that matter to the lexer, plus arbitrary ones.
        let alphabet = Array("'\"`$;-/*#\\()Ee_aZ09.?:@ \n\t".utf8)
        for round in 0..<3_000 {
            let length = Int.random(in: 0...64, using: &generator)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                bytes.append(
                    Bool.random(using: &generator)
                        ? alphabet.randomElement(using: &generator)!
                        : UInt8.random(in: 0...255, using: &generator)
                )
            }
            let sql = String(decoding: bytes, as: UTF8.self)
            let tokens = SQLLexer(dialect: dialect).tokens(sql)
            #expect(SQLTestSupport.coverageProblem(tokens, count: sql.utf8.count) == nil, "round \(round)")
            #expect(Self.splitProblem(sql, dialect: dialect) == nil, "round \(round)")
            _ = SQLClassifier.classify(sql, dialect: dialect)
        }
    }

    @Test("Random SQL-ish token soup: classifier never crashes", arguments: [SQLDialect.postgres, .mysql])
    func tokenSoup(_ dialect: SQLDialect) {
        var generator = SQLTestSupport.Generator(state: 7)
        let pieces = [
            "SELECT", "FROM", "JOIN", "WITH", "AS", "(", ")", ",", ".", ";", "DELETE", "UPDATE", "SET", "WHERE",
            "INSERT", "INTO", "USING", "COPY", "TO", "PROGRAM", "EXPLAIN", "ANALYZE", "PREPARE", "CREATE",
            "FUNCTION", "BEGIN", "ATOMIC", "END", "CASE", "DROP", "TABLE", "ALTER", "GRANT", "ON", "t", "\"q\"",
            "'s'", "$$x$$", "--c\n", "/*c*/", "1", "*", "FOR", "IF", "EXISTS", "ONLY", "LATERAL", "OWNER", "ROW",
            "LEVEL", "SYSTEM", "DEFINER", "=", "`b`", "#h\n", "?", "$1", "INTO", "OUTFILE", "MERGE", "TRUNCATE",
        ]
        for _ in 0..<2_000 {
            let count = Int.random(in: 0...24, using: &generator)
            let sql = (0..<count).map { _ in pieces.randomElement(using: &generator)! }.joined(separator: " ")
            let info = SQLClassifier.classify(sql, dialect: dialect)
            #expect(info.tables.count <= count)
            #expect(Self.splitProblem(sql, dialect: dialect) == nil, "\(sql)")
        }
    }

    /// Checks that the statements, in order, are disjoint, lie within the input, and that
    /// every byte outside them is whitespace, a comment or a separating semicolon.
    static func splitProblem(_ sql: String, dialect: SQLDialect) -> String? {
        let bytes = Array(sql.utf8)
        let statements = SQLStatementSplitter.split(sql, dialect: dialect)
        let tokens = SQLLexer(dialect: dialect).tokens(sql)
        var covered = [Bool](repeating: false, count: bytes.count)
        var previousEnd = 0
        for statement in statements {
            if statement.range.lowerBound < previousEnd { return "statements overlap" }
            if statement.range.upperBound > bytes.count { return "statement out of range" }
            if String(decoding: bytes[statement.range], as: UTF8.self) != statement.text { return "text differs" }
            if statement.text.isEmpty { return "empty statement" }
            for i in statement.range { covered[i] = true }
            previousEnd = statement.range.upperBound
        }
        for token in tokens where !covered[token.range.lowerBound] {
            switch token.kind {
            case .whitespace, .comment, .semicolon:
                continue
            default:
                let text = String(decoding: bytes[token.range], as: UTF8.self)
                return "code outside any statement: \(text.debugDescription)"
            }
        }
        return nil
    }
}
