/// Splits SQL text into ``SQLToken``s, byte by byte over its UTF-8.
///
/// The tokens cover the input exactly, in order, without gaps or overlaps. The lexer never
/// fails: an unterminated string, quoted identifier, dollar quote or comment runs to the
/// end of the input.
///
/// ```swift
/// let tokens = SQLLexer(dialect: .postgres).tokens("SELECT 'a;b' -- c")
/// ```
public struct SQLLexer: Sendable {
    /// The dialect whose lexical rules apply.
    public var dialect: SQLDialect
    /// Whether a backslash escapes the next byte inside ordinary `'...'` strings.
    public var backslashEscapes: Bool

    /// Creates a lexer.
    /// - Parameters:
    ///   - dialect: The SQL dialect.
    ///   - backslashEscapes: Whether backslashes escape inside ordinary strings; `nil`
    ///     takes the dialect's default. Pass `true` for a PostgreSQL session whose
    ///     server reports `standard_conforming_strings = off`, and `false` for a MySQL
    ///     session with `NO_BACKSLASH_ESCAPES`, or statements may be split differently
    ///     from the server.
    public init(dialect: SQLDialect, backslashEscapes: Bool? = nil) {
        self.dialect = dialect
        self.backslashEscapes = backslashEscapes ?? dialect.defaultBackslashEscapes
    }

    /// The tokens of `sql`, with ranges as byte offsets into `sql.utf8`.
    public func tokens(_ sql: String) -> [SQLToken] {
        SQLScanner.withBytes(of: sql) { bytes in
            var scanner = SQLScanner(bytes: bytes, dialect: dialect, backslashEscapes: backslashEscapes)
            var result: [SQLToken] = []
            result.reserveCapacity(bytes.count / 2 + 8)
            while let token = scanner.next() { result.append(token) }
            return result
        }
    }
}
