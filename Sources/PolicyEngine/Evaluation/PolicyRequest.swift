import AuditCore
import Foundation
import ProtocolParsers

/// What a protocol handler asks the policy about: who, where, and (for commands) what.
public struct PolicyRequest: Sendable {
    public var identity: Identity
    public var connection: String
    public var `protocol`: String
    /// The command text (one SQL statement, one exec line); nil when opening the connection.
    public var command: String?
    /// The command's class as the protocol parser classified it (`read`, `write`, `ddl`,
    /// `exec`, `file`, an HTTP or Kubernetes verb, ...).
    public var commandClass: String?
    /// Objects the command touches: schema-qualified tables, paths, resources.
    public var objects: [String]
    /// Risky traits the SQL analyser found (guardrails match on them).
    public var riskFlags: Set<SQLRiskFlag>
    /// When the command runs (time-window rules).
    public var time: Date
    /// Access grants the identity holds now for this connection (JIT rules).
    public var grants: [AccessGrant]

    public init(identity: Identity, connection: String, protocol: String, command: String? = nil, commandClass: String? = nil,
                objects: [String] = [], riskFlags: Set<SQLRiskFlag> = [], time: Date = Date(), grants: [AccessGrant] = []) {
        self.identity = identity
        self.connection = connection
        self.protocol = `protocol`
        self.command = command
        self.commandClass = commandClass
        self.objects = objects
        self.riskFlags = riskFlags
        self.time = time
        self.grants = grants
    }
}

/// A time-bound permission an approver granted (just-in-time access). Policy rules with
/// `grant: required` match only while one covers the request.
public struct AccessGrant: Sendable, Hashable, Codable {
    /// The access request this grant came from.
    public var requestID: String
    public var subject: String
    public var connection: String
    /// When set, the grant covers exactly this statement text (whitespace-normalised).
    public var statement: String?
    public var expiresAt: Date

    public init(requestID: String, subject: String, connection: String, statement: String? = nil, expiresAt: Date) {
        self.requestID = requestID
        self.subject = subject
        self.connection = connection
        self.statement = statement
        self.expiresAt = expiresAt
    }
}

/// Who may approve an access request a rule asks for, and how many approvals it needs.
/// The requester never counts, whatever their groups.
public struct ApprovalRequirement: Sendable, Hashable, Codable {
    public var approverGroups: [String]
    public var approverSubjects: [String]
    public var approvals: Int

    public init(approverGroups: [String] = [], approverSubjects: [String] = [], approvals: Int = 1) {
        self.approverGroups = approverGroups
        self.approverSubjects = approverSubjects
        self.approvals = approvals
    }
}

/// The answer. Always names the rule that made it (it goes into the audit event).
public enum PolicyDecision: Sendable, Hashable {
    case allow(rule: String)
    case deny(rule: String, reason: String)
    /// Not without an approved access request; `reason` is shown to the client.
    case requireApproval(rule: String, reason: String, approval: ApprovalRequirement)

    public var rule: String {
        switch self {
        case .allow(let rule), .deny(let rule, _), .requireApproval(let rule, _, _): return rule
        }
    }

    public var isAllowed: Bool {
        if case .allow = self { return true }
        return false
    }
}

/// Per-session settings a policy attaches when a connection opens.
public struct SessionSettings: Sendable, Hashable {
    /// The masking profile for results and for what the trail stores; nil: none.
    public var maskingProfile: String?
    public var maxDuration: TimeInterval?
    public var idleTimeout: TimeInterval?
    public var recording: Bool

    public init(maskingProfile: String? = nil, maxDuration: TimeInterval? = nil, idleTimeout: TimeInterval? = nil, recording: Bool = true) {
        self.maskingProfile = maskingProfile
        self.maxDuration = maxDuration
        self.idleTimeout = idleTimeout
        self.recording = recording
    }
}

/// The plug point protocol handlers call before opening a connection and before forwarding
/// each command. Must be cheap and free of I/O: it runs on the hot path.
public protocol PolicyEvaluating: Sendable {
    func evaluate(_ request: PolicyRequest) -> PolicyDecision

    /// The decision together with the grant that made it, if one did (see ``PolicyVerdict``).
    func decide(_ request: PolicyRequest) -> PolicyVerdict

    /// Settings for a session the policy allowed (`request.command` is nil).
    func sessionSettings(_ request: PolicyRequest) -> SessionSettings
}

extension PolicyEvaluating {
    /// The decision alone: policies without grants.
    public func decide(_ request: PolicyRequest) -> PolicyVerdict { PolicyVerdict(decision: evaluate(request)) }

    /// No masking profile, no limits beyond the connection's, recording on.
    public func sessionSettings(_ request: PolicyRequest) -> SessionSettings { SessionSettings() }
}

/// The safe default: nothing is allowed.
public struct DenyAllPolicy: PolicyEvaluating {
    public init() {}
    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        .deny(rule: "default-deny", reason: "no policy allows \(request.identity.subject) to use \(request.connection)")
    }
}
