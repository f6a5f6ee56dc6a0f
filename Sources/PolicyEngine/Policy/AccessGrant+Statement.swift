import ProtocolParsers

extension AccessGrant {
    /// The form in which a grant's statement and a command are compared.
    ///
    /// For SQL protocols (`postgres`, `mysql`) the text is lexed: whitespace and comments
    /// between tokens do not count, tokens are joined by one space, and trailing semicolons
    /// are dropped; string literals, identifiers and keywords stay exactly as written. So
    /// `DELETE FROM t\n  WHERE id = 1;` equals `DELETE FROM t /* ok */ WHERE id = 1`, but
    /// not `delete from t where id = 1`. A comment can never hide part of a granted
    /// statement: `DELETE FROM t -- x\nWHERE id = 1` and `DELETE FROM t -- x WHERE id = 1`
    /// differ. For other protocols, runs of whitespace become one space and the ends are trimmed.
    ///
    /// Grants may store their statement as sent or in this form; both sides are normalised
    /// when compared.
    public static func normalizedStatement(_ text: String, protocol name: String) -> String {
        let dialect: SQLDialect
        switch name {
        case "postgres": dialect = .postgres
        case "mysql": dialect = .mysql
        default:
            return text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        }
        let utf8 = Array(text.utf8)
        var pieces: [Substring] = []
        var trailingSemicolons = 0
        for token in SQLLexer(dialect: dialect).tokens(text) {
            switch token.kind {
            case .whitespace, .comment:
                continue
            case .semicolon:
                trailingSemicolons += 1
            default:
                trailingSemicolons = 0
            }
            pieces.append(Substring(String(decoding: utf8[token.range], as: UTF8.self)))
        }
        return pieces.dropLast(trailingSemicolons).joined(separator: " ")
    }
}
