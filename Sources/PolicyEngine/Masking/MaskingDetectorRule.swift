/// Masks every value a detector finds, in any column and in free text.
public struct MaskingDetectorRule: Sendable, Hashable {
    /// The rule's name in outcome counts; `detector:<detector>` unless given.
    public let name: String
    public let detector: MaskingDetector
    public let action: MaskingAction

    /// A rule masking what `detector` finds with `action`; `name` defaults to `detector:<detector>`.
    public init(detector: MaskingDetector, action: MaskingAction, name: String? = nil) {
        self.name = name ?? "detector:\(detector.rawValue)"
        self.detector = detector
        self.action = action
    }
}
