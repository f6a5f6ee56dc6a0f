import NIOCore
import PolicyEngine
import ProtocolParsers

/// Masks the values of one session's result rows: by the session's masking profile (column
/// rules and value detectors, from the policy) and by the connection's `mask_columns`.
///
/// Per result set, ``begin(names:formats:columns:)`` makes the plan; ``mask(_:)`` then
/// rewrites a row only if a value changes. A masked value in binary format cannot be
/// rewritten as text and becomes NULL; binary values are not scanned by detectors. When
/// the column names are unknown (no description of the result reached the gateway) every
/// column a name rule could cover is masked whole: masking fails closed.
struct PostgresResultMasker {
    let names: ColumnMasker
    let engine: MaskingEngine?
    let connection: String

    private var plan: MaskingPlan?
    private var byName: Set<Int> = []
    private var formats: [PostgresFormat] = []
    private var maskAll = false
    /// Values masked in the current result, by rule.
    private(set) var counts = MaskingCounts()
    /// Values masked in the current result.
    private(set) var maskedValues = 0

    init(names: ColumnMasker, engine: MaskingEngine?, connection: String) {
        self.names = names
        self.engine = engine
        self.connection = connection
    }

    /// Whether any row could change at all.
    var isActive: Bool { !names.isEmpty || engine != nil }

    /// Starts a result set of `columns` columns; `names` nil when unknown.
    mutating func begin(names columnNames: [String]?, formats: [PostgresFormat], columns: Int) {
        self.formats = formats
        counts.removeAll()
        maskedValues = 0
        maskAll = false
        guard let columnNames else {
            byName = names.isEmpty ? [] : Set(0..<columns)
            maskAll = engine?.ruleNames.contains(where: { $0.hasPrefix("column:") }) ?? false
            plan = engine?.plan(columns: [], connection: connection)
            return
        }
        byName = names.maskedColumns(columnNames)
        plan = engine?.plan(columns: columnNames.map { MaskingColumn(name: $0) }, connection: connection)
    }

    /// Ends the current result: its counts are not carried into the next command's outcome.
    mutating func endResult() {
        counts.removeAll()
        maskedValues = 0
    }

    /// The row with its values masked, or nil when nothing changed.
    mutating func mask<Row: Collection>(_ row: Row) -> [ByteBuffer?]? where Row.Element == ByteBuffer? {
        guard isActive else { return nil }
        var out: [ByteBuffer?]?
        for (index, value) in row.enumerated() {
            guard let value else { continue }
            let binary = !(index < formats.count && formats[index] == .text)
            var replacement: ByteBuffer??
            if maskAll || byName.contains(index) {
                replacement = binary ? .some(nil) : .some(ByteBuffer(string: ColumnMasker.redacted))
                counts.merge(MaskingCounts([maskAll ? "profile:unknown-columns" : "connection:mask_columns": 1]))
            } else if let plan {
                switch plan.treatment(ofColumn: index) {
                case .unmasked:
                    break
                case .rule(let name, _) where binary:
                    replacement = .some(nil)
                    counts.merge(MaskingCounts([name: 1]))
                case .scanned where binary:
                    break
                case .rule, .scanned:
                    let masked = value.withUnsafeReadableBytes { plan.mask($0, column: index, counts: &counts) }
                    if let masked { replacement = .some(ByteBuffer(bytes: masked)) }
                }
            }
            if let replacement {
                maskedValues += 1
                if out == nil { out = Array(row) }
                out![index] = replacement
            }
        }
        return out
    }
}
