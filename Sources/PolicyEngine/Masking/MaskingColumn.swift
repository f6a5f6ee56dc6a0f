/// A column of a result set (or a field of a record), as a masking plan sees it.
public struct MaskingColumn: Sendable, Hashable {
    /// The column's name as the result describes it.
    public var name: String
    /// The table it comes from (`orders` or `public.orders`), when known.
    public var table: String?

    public init(name: String, table: String? = nil) {
        self.name = name
        self.table = table
    }
}
