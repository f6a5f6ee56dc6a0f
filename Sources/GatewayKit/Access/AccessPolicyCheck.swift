import AuditCore
import PolicyEngine
import ProtocolParsers

/// Asks the policy what an access request is for: which rule wants approval for it and
/// who may give it. An approval cannot lift a deny, and a request for something already
/// allowed is pointless, so both are refused with the rule that decided.
enum AccessPolicyCheck {
    /// - Parameter statement: the exact statement, or nil for write access to the
    ///   connection for the grant's duration.
    static func requirement(policy: any PolicyEvaluating, identity: Identity, connection: ConnectionEntry,
                            statement: String?) throws -> (rule: String, requirement: ApprovalRequirement) {
        let request: PolicyRequest
        if let statement {
            let dialect: SQLDialect = connection.protocol == .mysql ? .mysql : .postgres
            let info = SQLClassifier.classify(statement, dialect: dialect)
            request = PolicyRequest(identity: identity, connection: connection.name, protocol: connection.protocol.rawValue, command: statement,
                                    commandClass: info.commandClass.rawValue, objects: info.tables, riskFlags: info.flags)
        } else {
            request = PolicyRequest(identity: identity, connection: connection.name, protocol: connection.protocol.rawValue, command: "",
                                    commandClass: SQLCommandClass.write.rawValue)
        }
        let what = statement == nil ? "write access to \(connection.name)" : "this statement on \(connection.name)"
        switch policy.evaluate(request) {
        case .requireApproval(let rule, _, let requirement):
            return (rule, requirement)
        case .allow(let rule):
            throw AccessRequestError(.conflict, "no approval needed: policy rule \(rule) already allows \(what) for \(identity.subject)")
        case .deny(let rule, let reason):
            throw AccessRequestError(.forbidden, "policy rule \(rule) denies \(what) (\(reason)); an approval cannot lift a deny")
        }
    }
}
