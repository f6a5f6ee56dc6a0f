/// The kind of an audit event. The raw value is what the canonical encoding, the
/// `events.type` column and every export carry.
public enum AuditEventType: String, Sendable, Codable, CaseIterable {
    /// A client session was opened through the gateway (fields: `client_address`, ...).
    case sessionStart = "session.start"
    /// A session ended (fields: `reason`).
    case sessionEnd = "session.end"
    /// A command (statement, shell line, HTTP request) was forwarded or is about to be.
    case command = "command"
    /// The outcome of a command (rows, status, duration).
    case commandOutcome = "command.outcome"
    /// A policy decision (allow / deny / needs approval) with its reason.
    case policyDecision = "policy.decision"
    /// The gateway issued a token.
    case tokenIssued = "token.issued"
    /// A token was exchanged for a delegated one (nested agents).
    case tokenExchanged = "token.exchanged"
    /// A leased token's holder renewed its lease (fields: `lease_until`).
    case tokenRenewed = "token.renewed"
    /// A token was revoked.
    case tokenRevoked = "token.revoked"
    /// Just-in-time access was requested.
    case accessRequested = "access.requested"
    /// A just-in-time access request was approved.
    case accessApproved = "access.approved"
    /// A just-in-time access request was denied.
    case accessDenied = "access.denied"
    /// One compressed chunk of a session recording (fields: `index`, `sha256`, `bytes`, `lines`).
    case recordingChunk = "recording.chunk"
    /// An administrative action through the admin API or CLI.
    case adminAction = "admin.action"
}
