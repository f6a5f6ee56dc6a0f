/// One rule of a policy document, validated.
public struct PolicyRule: Sendable, Hashable {
    /// Unique across all files; every decision the rule makes carries it into the audit trail.
    public var name: String
    public var effect: PolicyEffect
    /// For `deny` and `require_approval`: what the client is told.
    public var reason: String?
    /// Free text for people reading the file.
    public var description: String?
    public var match: PolicyMatch
    /// For `require_approval`: who may approve and how many approvals it takes.
    public var approval: ApprovalRequirement?
    /// For `allow`: the masking profile sessions it opens use.
    public var maskingProfile: String?
    /// For `allow`: limits for sessions it opens.
    public var session: PolicySessionLimits?
    /// Where the rule is defined (its first line).
    public var location: PolicyLocation
    /// Lines of individual fields (`masking_profile`, `name`), for messages about them.
    var fieldLines: [String: Int] = [:]
    /// The rule's field path in its file (`rules[3]`), for messages.
    var fieldPath: String?

    public init(
        name: String, effect: PolicyEffect, reason: String? = nil, description: String? = nil, match: PolicyMatch = PolicyMatch(),
        approval: ApprovalRequirement? = nil, maskingProfile: String? = nil, session: PolicySessionLimits? = nil,
        location: PolicyLocation = PolicyLocation(file: "(code)", line: nil)
    ) {
        self.name = name
        self.effect = effect
        self.reason = reason
        self.description = description
        self.match = match
        self.approval = approval
        self.maskingProfile = maskingProfile
        self.session = session
        self.location = location
    }

    /// The path of `field` in the rule, such as `rules[3].masking_profile`.
    func field(_ field: String) -> String {
        "\(fieldPath ?? "rules[\(name)]").\(field)"
    }

    /// The location of `field` (falling back to the rule's own).
    func location(of field: String) -> PolicyLocation {
        PolicyLocation(file: location.file, line: fieldLines[field] ?? location.line)
    }
}
