import AuditCore
import Foundation
import PolicyEngine

/// The state of every access request, rebuilt from the audit trail alone.
///
/// A pure value: ``apply(_:)`` folds one `access.*` event into it, the same way at start-up
/// (replaying the trail) and live (after the event is stored), so the trail is the only
/// source of truth and a restart loses nothing. Events that would be invalid transitions
/// (a second approval by the same approver, a decision on a closed request) change nothing.
struct AccessRequestLedger: Sendable {
    private(set) var requests: [String: AccessRequest] = [:]

    struct GrantKey: Hashable, Sendable {
        var subject: String
        var connection: String
    }

    /// Approved requests by requester and connection: what policy evaluation looks up on
    /// every statement, without scanning every request ever made.
    private(set) var approved: [GrantKey: [String]] = [:]

    /// The grants active at `time` for `subject` on `connection`.
    func grants(subject: String, connection: String, at time: Date) -> [AccessGrant] {
        guard let ids = approved[GrantKey(subject: subject, connection: connection)] else { return [] }
        return ids.compactMap { id in requests[id].flatMap { $0.isActiveGrant(at: time) ? $0.grant : nil } }
    }

    enum Field {
        static let requestID = "request_id"
        static let durationSeconds = "duration_s"
        static let approvalsRequired = "approvals_required"
        static let approverGroups = "approver_groups"
        static let approverSubjects = "approver_subjects"
        static let granted = "granted"
        static let grantExpires = "grant_expires"
    }

    subscript(id: String) -> AccessRequest? { requests[id] }

    /// Folds one stored event into the ledger; other event types are ignored.
    mutating func apply(_ event: AuditEvent) {
        guard let id = event.fields[Field.requestID]?.stringValue else { return }
        switch event.type {
        case .accessRequested:
            guard requests[id] == nil, let requester = event.subject, let connection = event.connection else { return }
            let requirement = ApprovalRequirement(
                approverGroups: event.fields[Field.approverGroups]?.stringArray ?? [],
                approverSubjects: event.fields[Field.approverSubjects]?.stringArray ?? [],
                approvals: Int(event.fields[Field.approvalsRequired]?.intValue ?? 1))
            requests[id] = AccessRequest(
                id: id, requester: requester, requesterActors: event.actors, connection: connection,
                statement: event.fields[AuditField.statement]?.stringValue,
                duration: TimeInterval(event.fields[Field.durationSeconds]?.intValue ?? 0),
                reason: event.fields[AuditField.reason]?.stringValue ?? "", rule: event.fields[AuditField.rule]?.stringValue ?? "",
                requirement: requirement, createdAt: event.time, state: .pending, approvals: [])
        case .accessApproved:
            guard var request = requests[id], request.state == .pending, let approver = event.subject,
                  approver != request.requester, !request.approvals.contains(where: { $0.subject == approver }) else { return }
            request.approvals.append(.init(subject: approver, at: event.time))
            if request.approvals.count >= max(request.requirement.approvals, 1) {
                request.state = .approved
                request.grantExpiresAt = event.time.addingTimeInterval(request.duration)
                approved[GrantKey(subject: request.requester, connection: request.connection), default: []].append(id)
            }
            requests[id] = request
        case .accessDenied:
            guard var request = requests[id], request.state == .pending, let denier = event.subject, denier != request.requester else { return }
            request.state = .denied
            request.deniedBy = denier
            request.denialReason = event.fields[AuditField.reason]?.stringValue
            requests[id] = request
        default:
            return
        }
    }

    /// The events that create, approve and deny requests.
    static let eventTypes: [AuditEventType] = [.accessRequested, .accessApproved, .accessDenied]

    static func requestedEvent(id: String, identity: Identity, connection: String, statement: String?, duration: TimeInterval,
                               reason: String, rule: String, requirement: ApprovalRequirement, time: Date) -> AuditEvent {
        var fields: [String: AuditValue] = [
            Field.requestID: .string(id),
            Field.durationSeconds: .int(Int64(duration.rounded())),
            AuditField.reason: .string(reason),
            AuditField.rule: .string(rule),
            Field.approvalsRequired: .int(Int64(requirement.approvals)),
            Field.approverGroups: .array(requirement.approverGroups.map { .string($0) }),
            Field.approverSubjects: .array(requirement.approverSubjects.map { .string($0) }),
        ]
        if let statement { fields[AuditField.statement] = .string(statement) }
        return AuditEvent(type: .accessRequested, time: time, identity: identity, connection: connection, fields: fields)
    }
}

extension AuditValue {
    /// The strings of an array value (non-strings skipped); nil for other values.
    var stringArray: [String]? {
        guard case .array(let values) = self else { return nil }
        return values.compactMap(\.stringValue)
    }
}
