/// Masks whole values by the name of their column (or field), optionally only in some
/// tables and on some connections.
///
/// `match` is a case-insensitive glob on the column name (`email`, `*card*`, `ssn_?`),
/// optionally qualified by a table glob before the last dot (`orders.email`, `*.card_*`,
/// `public.orders.email`). Schemas are optional on either side: `orders.email` covers a
/// column of `public.orders`, and `public.orders.email` one of `orders`. When the result does not say
/// which table a column came from, a table-qualified rule matches on the column name alone:
/// masking fails closed.
public struct MaskingColumnRule: Sendable, Hashable {
    /// The rule's name in outcome counts; `column:<match>` unless given.
    public let name: String
    /// The pattern as written.
    public let match: String
    /// Connection globs the rule is limited to; empty for every connection.
    public let connections: [String]
    public let action: MaskingAction

    private let tableGlob: MaskingGlob?
    /// The table glob's last dotted part, when it names a schema too.
    private let unqualifiedTableGlob: MaskingGlob?
    private let columnGlob: MaskingGlob
    private let connectionGlobs: [MaskingGlob]

    /// A rule masking columns matching `match` with `action`; `name` defaults to `column:<match>`.
    public init(match: String, action: MaskingAction, connections: [String] = [], name: String? = nil) {
        self.name = name ?? "column:\(match)"
        self.match = match
        self.connections = connections
        self.action = action
        if let dot = match.lastIndex(of: ".") {
            let table = match[..<dot]
            tableGlob = MaskingGlob(String(table))
            unqualifiedTableGlob = table.lastIndex(of: ".").map { MaskingGlob(String(table[table.index(after: $0)...])) }
            columnGlob = MaskingGlob(String(match[match.index(after: dot)...]))
        } else {
            tableGlob = nil
            unqualifiedTableGlob = nil
            columnGlob = MaskingGlob(match)
        }
        connectionGlobs = connections.map(MaskingGlob.init)
    }

    /// Whether the rule applies on `connection` at all.
    public func applies(to connection: String) -> Bool {
        connectionGlobs.isEmpty || connectionGlobs.contains { $0.matches(connection) }
    }

    /// Whether the rule masks `column` (the connection aside).
    public func matches(_ column: MaskingColumn) -> Bool {
        guard columnGlob.matches(column.name) else { return false }
        guard let tableGlob, !tableGlob.matchesAnything, let table = column.table else { return true }
        if tableGlob.matches(table) { return true }
        switch (unqualifiedTableGlob, table.lastIndex(of: ".")) {
        case (nil, let dot?): return tableGlob.matches(table[table.index(after: dot)...])
        case (let unqualified?, nil): return unqualified.matches(table)
        default: return false
        }
    }
}
