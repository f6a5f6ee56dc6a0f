/// A decision with what led to it beyond the rule: the grant that let a request through a
/// `require_approval` rule.
public struct PolicyVerdict: Sendable, Hashable {
    /// The decision; it names the rule.
    public var decision: PolicyDecision
    /// For an `allow` made by a `require_approval` rule: the grant that covered the request.
    /// Record its `requestID` beside the rule in the audit event.
    public var grant: AccessGrant?

    public init(decision: PolicyDecision, grant: AccessGrant? = nil) {
        self.decision = decision
        self.grant = grant
    }
}
