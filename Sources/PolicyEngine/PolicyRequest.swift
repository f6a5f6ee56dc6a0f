import AuditCore

/// What a protocol handler asks the policy about: who, where, and (for commands) what.
public struct PolicyRequest: Sendable {
    public var identity: Identity
    public var connection: String
    public var `protocol`: String
    /// The command text (one SQL statement, one exec line); nil when opening the connection.
    public var command: String?
    /// The command's class as the protocol parser classified it (`read`, `write`, `ddl`, ...).
    public var commandClass: String?

    public init(identity: Identity, connection: String, protocol: String, command: String? = nil, commandClass: String? = nil) {
        self.identity = identity
        self.connection = connection
        self.protocol = `protocol`
        self.command = command
        self.commandClass = commandClass
    }
}

/// The answer: allow, or deny with a reason the client is shown. Always names the rule.
public enum PolicyDecision: Sendable, Hashable {
    case allow(rule: String)
    case deny(rule: String, reason: String)

    public var rule: String {
        switch self {
        case .allow(let rule), .deny(let rule, _): return rule
        }
    }

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }
}

/// The plug point protocol handlers call before opening a connection and before forwarding
/// each command. Must be cheap and free of I/O: it runs on the hot path.
public protocol PolicyEvaluating: Sendable {
    func evaluate(_ request: PolicyRequest) -> PolicyDecision
}

/// The safe default: nothing is allowed.
public struct DenyAllPolicy: PolicyEvaluating {
    public init() {}
    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        .deny(rule: "default-deny", reason: "no policy allows \(request.identity.subject) to use \(request.connection)")
    }
}
