/// Splits a multi-statement SQL string on its top-level semicolons.
///
/// A semicolon inside a string, quoted identifier, dollar quote or comment never splits.
/// For PostgreSQL, the semicolons of a SQL-standard function body
/// (`CREATE [OR REPLACE] FUNCTION|PROCEDURE ... BEGIN ATOMIC ... END`) do not split either,
/// as in `psql`. Semicolons inside parentheses do split: the server would reject such a
/// string, and splitting errs on the side of seeing more statements.
public enum SQLStatementSplitter {
    /// The statements of `sql`, in order. Empty statements (`;;`) and statements made only
    /// of comments are dropped.
    /// - Parameters:
    ///   - sql: The text a client sent.
    ///   - dialect: The SQL dialect.
    ///   - backslashEscapes: Whether backslashes escape in ordinary strings; `nil` takes
    ///     the dialect's default (see ``SQLLexer/init(dialect:backslashEscapes:)``).
    public static func split(
        _ sql: String,
        dialect: SQLDialect = .postgres,
        backslashEscapes: Bool? = nil
    ) -> [SQLStatement] {
        SQLScanner.withBytes(of: sql) { bytes in
            var scanner = SQLScanner(bytes: bytes, dialect: dialect, backslashEscapes: backslashEscapes)
            var tokens: [SQLToken] = []
            tokens.reserveCapacity(bytes.count / 2 + 8)
            while let token = scanner.next() { tokens.append(token) }
            return statementTokenRanges(tokens, bytes: bytes, dialect: dialect).map { tokenRange in
                let byteRange = tokens[tokenRange.lowerBound].range.lowerBound..<tokens[tokenRange.upperBound - 1].range.upperBound
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[byteRange]), as: UTF8.self)
                return SQLStatement(text: text, range: byteRange)
            }
        }
    }

    /// The token index ranges of the statements in `tokens`: trimmed of whitespace, without
    /// the terminating semicolon, and never empty or comment-only.
    static func statementTokenRanges(
        _ tokens: [SQLToken],
        bytes: UnsafeBufferPointer<UInt8>,
        dialect: SQLDialect
    ) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var first = -1  // first non-whitespace token of the current statement
        var last = -1  // last non-whitespace token
        var hasCode = false
        var routine = SQLRoutineBodyTracker()
        for (index, token) in tokens.enumerated() {
            switch token.kind {
            case .whitespace:
                continue
            case .semicolon where !routine.insideBody:
                if hasCode { result.append(first..<(last + 1)) }
                first = -1
                last = -1
                hasCode = false
                routine = SQLRoutineBodyTracker()
                continue
            case .comment:
                break
            default:
                hasCode = true
                if dialect == .postgres { routine.observe(token, bytes: bytes) }
            }
            if first < 0 { first = index }
            last = index
        }
        if hasCode { result.append(first..<(last + 1)) }
        return result
    }
}
