/// One statement of a (possibly multi-statement) SQL string.
public struct SQLStatement: Sendable, Hashable {
    /// The statement exactly as sent, without surrounding whitespace or the terminating
    /// semicolon. Comments inside or before it are kept.
    public var text: String
    /// The byte range of ``text`` in the input's UTF-8.
    public var range: Range<Int>

    /// Creates a statement.
    public init(text: String, range: Range<Int>) {
        self.text = text
        self.range = range
    }
}
