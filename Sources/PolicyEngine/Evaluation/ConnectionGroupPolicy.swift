import AuditCore

/// The interim policy until policy files land: per connection, which groups may connect,
/// and which of those may only read. Default deny.
///
/// - A connection with no entry, or an identity in none of its groups, is denied.
/// - A group in `readOnlyGroups` (and not in `groups`) may run only commands classified
///   `read`, `transaction` or `utility`.
/// - `"*"` in either list means any authenticated identity.
public struct ConnectionGroupPolicy: PolicyEvaluating {
    public struct Rule: Sendable {
        public var groups: Set<String>
        public var readOnlyGroups: Set<String>
        public init(groups: Set<String>, readOnlyGroups: Set<String> = []) {
            self.groups = groups
            self.readOnlyGroups = readOnlyGroups
        }
    }

    /// Command classes a read-only identity may run.
    public static let readOnlyClasses: Set<String> = ["read", "transaction", "utility"]

    private let rules: [String: Rule]

    public init(rules: [String: Rule]) { self.rules = rules }

    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        let ruleName = "connection:\(request.connection)"
        guard let rule = rules[request.connection] else {
            return .deny(rule: "default-deny", reason: "connection \(request.connection) allows no groups (set allow_groups)")
        }
        let groups = Set(request.identity.groups)
        if rule.groups.contains("*") || !rule.groups.isDisjoint(with: groups) {
            return .allow(rule: ruleName)
        }
        if rule.readOnlyGroups.contains("*") || !rule.readOnlyGroups.isDisjoint(with: groups) {
            guard let commandClass = request.commandClass else { return .allow(rule: ruleName + ":read-only") }
            if Self.readOnlyClasses.contains(commandClass) { return .allow(rule: ruleName + ":read-only") }
            return .deny(rule: ruleName + ":read-only",
                         reason: "\(request.identity.subject) has read-only access to \(request.connection); this \(commandClass) statement is not allowed")
        }
        return .deny(rule: ruleName, reason: "\(request.identity.subject) is in none of the groups allowed on \(request.connection)")
    }
}
