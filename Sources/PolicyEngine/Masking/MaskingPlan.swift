/// How one result set is masked, column by column: made once per result (from its column
/// description) by ``MaskingEngine/plan(columns:connection:)``, then used for every row.
public struct MaskingPlan: Sendable {
    /// What happens to a column's values.
    public enum Treatment: Sendable, Hashable {
        /// Passed through untouched.
        case unmasked
        /// Masked whole by the column rule `name` with `action`. A value in a binary format
        /// cannot be rewritten as text: callers should send NULL instead.
        case rule(name: String, action: MaskingAction)
        /// Scanned by the profile's detectors (text values only).
        case scanned
    }

    static let unmasked = -2
    static let scanned = -1

    let engine: MaskingEngine
    /// Per column: a column rule's index, or ``scanned`` / ``unmasked``.
    private let columns: [Int]

    init(engine: MaskingEngine, columns: [Int]) {
        self.engine = engine
        self.columns = columns
    }

    /// How many columns the plan describes.
    public var count: Int { columns.count }

    /// Whether no value of this result will change (rows may be passed on as they are).
    public var masksNothing: Bool { !engine.scansValues && columns.allSatisfy { $0 == Self.unmasked } }

    /// The treatment of column `index`. Columns past the described ones are scanned when the
    /// profile has detectors.
    public func treatment(ofColumn index: Int) -> Treatment {
        switch code(index) {
        case Self.unmasked: .unmasked
        case Self.scanned: .scanned
        case let rule: .rule(name: engine.rules.names[rule], action: engine.actions[rule])
        }
    }

    /// The text value of column `column` after masking, or nil when it is unchanged (then
    /// nothing was allocated). Counts what was masked into `counts`.
    public func mask(_ value: UnsafeRawBufferPointer, column: Int, counts: inout MaskingCounts) -> [UInt8]? {
        let bytes = value.assumingMemoryBound(to: UInt8.self)
        switch code(column) {
        case Self.unmasked:
            return nil
        case Self.scanned:
            return engine.scan(bytes, counts: &counts)
        case let rule:
            if engine.actions[rule] == .redact {
                // The shared marker: no allocation.
                counts.add(rule: rule, of: engine.rules)
                return MaskingAction.redactedBytes
            }
            var out: [UInt8] = []
            out.reserveCapacity(value.count + 8)
            engine.apply(rule: rule, to: bytes, into: &out, counts: &counts)
            return out
        }
    }

    /// ``mask(_:column:counts:)`` for a byte array.
    public func mask(_ value: [UInt8], column: Int, counts: inout MaskingCounts) -> [UInt8]? {
        value.withUnsafeBytes { mask($0, column: column, counts: &counts) }
    }

    @inline(__always)
    private func code(_ index: Int) -> Int {
        if index >= 0, index < columns.count { return columns[index] }
        return engine.scansValues ? Self.scanned : Self.unmasked
    }
}
