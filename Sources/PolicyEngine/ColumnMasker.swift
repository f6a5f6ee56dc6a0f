/// Masks result columns by name, until masking profiles land with policy files.
///
/// Patterns are case-insensitive globs (`email`, `*card*`, `ssn_?`). A masked text value
/// becomes `****`; a masked binary value becomes NULL (its type's encoding is unknown).
public struct ColumnMasker: Sendable {
    public static let redacted = "****"
    private let patterns: [[UInt8]]

    public init(patterns: [String]) {
        self.patterns = patterns.map { Array($0.lowercased().utf8) }
    }

    public var isEmpty: Bool { patterns.isEmpty }

    /// Which of `columns` (by index) must be masked; empty when none.
    public func maskedColumns(_ columns: [String]) -> Set<Int> {
        guard !patterns.isEmpty else { return [] }
        var result: Set<Int> = []
        for (index, name) in columns.enumerated() {
            let lower = Array(name.lowercased().utf8)
            if patterns.contains(where: { Self.glob($0[...], lower[...]) }) { result.insert(index) }
        }
        return result
    }

    static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case UInt8(ascii: "*"):
            let rest = pattern.dropFirst()
            var candidate = text
            while true {
                if glob(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        case UInt8(ascii: "?"):
            return !text.isEmpty && glob(pattern.dropFirst(), text.dropFirst())
        default:
            return text.first == first && glob(pattern.dropFirst(), text.dropFirst())
        }
    }
}
