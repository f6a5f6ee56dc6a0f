/// What a policy rule does when it matches.
public enum PolicyEffect: String, Sendable, Hashable, CaseIterable {
    /// Lets the request through (unless a `deny` or `require_approval` rule also matches).
    case allow
    /// Refuses the request with the rule's reason. Any matching `deny` wins.
    case deny
    /// Refuses the request unless an approved access request (a grant) covers it.
    case requireApproval = "require_approval"
}
