/// One lexical token of an SQL string: its kind and its byte range in the input's UTF-8.
///
/// The tokens of a string cover it exactly: every byte belongs to exactly one token.
public struct SQLToken: Sendable, Hashable {
    /// What the token is.
    public var kind: Kind
    /// Byte offsets into the input's UTF-8 representation.
    public var range: Range<Int>

    /// Creates a token.
    public init(kind: Kind, range: Range<Int>) {
        self.kind = kind
        self.range = range
    }

    /// The lexical class of a token.
    public enum Kind: Sendable, Hashable {
        /// A keyword or unquoted identifier (`SELECT`, `orders`, `pg_catalog`).
        case keywordOrIdentifier
        /// A quoted identifier: `"Weird Name"` (PostgreSQL) or `` `name` `` (MySQL).
        case quotedIdentifier
        /// A string literal, including prefixed forms such as `E'...'`, `N'...'`, `X'...'`.
        case string
        /// A numeric literal.
        case number
        /// A bind parameter: `$1` (PostgreSQL) or `?` (MySQL).
        case parameter
        /// An operator (`=`, `<>`, `::`) or punctuation (`(`, `)`, `,`, `.`).
        case operatorOrPunctuation
        /// A `;`.
        case semicolon
        /// A run of whitespace.
        case whitespace
        /// A line or block comment (for MySQL, also the `/*!NNNNN` and `*/` delimiters of
        /// an executable comment, whose contents are lexed as ordinary tokens).
        case comment
        /// A PostgreSQL dollar-quoted string: `$$...$$` or `$tag$...$tag$`.
        case dollarQuoted
    }
}
