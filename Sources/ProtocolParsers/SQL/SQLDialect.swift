/// The SQL dialect a lexer, splitter or classifier reads.
///
/// The dialect decides the lexical rules: PostgreSQL has dollar quoting, nested block
/// comments, `E'...'` escape strings and `"..."` quoted identifiers; MySQL has backtick
/// identifiers, `#` line comments, `"..."` strings, backslash escapes in every string and
/// `/*!...*/` executable comments (whose contents are lexed as SQL).
public enum SQLDialect: Sendable, Hashable {
    /// PostgreSQL (and wire-compatible servers).
    case postgres
    /// MySQL and MariaDB.
    case mysql

    /// Whether backslash escapes apply in ordinary `'...'` strings by default:
    /// off for PostgreSQL (`standard_conforming_strings = on`), on for MySQL
    /// (no `NO_BACKSLASH_ESCAPES` in `sql_mode`).
    public var defaultBackslashEscapes: Bool {
        switch self {
        case .postgres: false
        case .mysql: true
        }
    }
}
