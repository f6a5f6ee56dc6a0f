import Foundation
import PolicyEngine

/// A just-in-time access request: who wants what, for how long and why; who approved it.
///
/// Requests are created by `auditctl access request` (or by the gateway itself when a
/// statement needs approval), decided by approvers the policy names, and, once approved by
/// enough of them, become a time-bound ``AccessGrant`` that policy rules can require.
public struct AccessRequest: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Codable, CaseIterable {
        case pending
        case approved
        case denied
    }

    public struct Approval: Sendable, Hashable, Codable {
        public var subject: String
        public var at: Date
    }

    public var id: String
    /// The requester's root subject; never allowed to approve their own request.
    public var requester: String
    public var requesterActors: [String]
    public var connection: String
    /// When set, the grant covers exactly this statement.
    public var statement: String?
    /// How long the grant lasts once approved, in seconds.
    public var duration: TimeInterval
    public var reason: String
    /// The policy rule that asked for approval.
    public var rule: String
    public var requirement: ApprovalRequirement
    public var createdAt: Date
    public var state: State
    public var approvals: [Approval]
    /// Who denied it and why, for a denied request.
    public var deniedBy: String?
    public var denialReason: String?
    /// When the grant ends (approved requests).
    public var grantExpiresAt: Date?

    /// Whether `now` is inside the approved grant's lifetime.
    public func isActiveGrant(at now: Date) -> Bool {
        state == .approved && (grantExpiresAt.map { now < $0 } ?? false)
    }

    /// The grant policy evaluation sees, while active.
    public var grant: AccessGrant? {
        guard state == .approved, let grantExpiresAt else { return nil }
        return AccessGrant(requestID: id, subject: requester, connection: connection, statement: statement, expiresAt: grantExpiresAt)
    }

    /// Whether `subject` with `groups` may approve or deny this request.
    public func canDecide(subject: String, groups: [String]) -> Bool {
        guard subject != requester else { return false }
        if requirement.approverSubjects.contains(subject) { return true }
        return !Set(requirement.approverGroups).isDisjoint(with: groups)
    }

    /// The command an approver runs, for messages to the requester.
    public var approveCommand: String { "auditctl access approve \(id)" }
}
