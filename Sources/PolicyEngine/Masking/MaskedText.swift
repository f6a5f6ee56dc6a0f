/// Free text after masking, and what was masked in it.
public struct MaskedText: Sendable, Hashable {
    /// The text with every detector match replaced.
    public var text: String
    public var counts: MaskingCounts

    public init(text: String, counts: MaskingCounts) {
        self.text = text
        self.counts = counts
    }

    /// Whether anything was masked.
    public var isChanged: Bool { !counts.isEmpty }
}
