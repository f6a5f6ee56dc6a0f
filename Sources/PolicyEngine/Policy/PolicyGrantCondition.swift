/// A rule's condition on just-in-time grants (`match.grant`).
public enum PolicyGrantCondition: String, Sendable, Hashable, CaseIterable {
    /// Only while an unexpired grant in the request covers it.
    case required
    /// Only while none does.
    case absent
}
