import AuditCore
import Foundation
import NIOConcurrencyHelpers
import PolicyEngine

/// The node's access requests and grants: a ledger rebuilt from the audit trail, changed
/// only by storing an `access.*` event first (write-ahead, like every audited action).
///
/// ``grants(subject:connection:at:)`` is what policy evaluation reads on the hot path: a
/// lock and a dictionary lookup, no I/O.
public final class AccessRequestStore: Sendable {
    private let store: any AuditStore
    private let ledger = NIOLockedValueBox(AccessRequestLedger())

    /// Longest grant a request may ask for.
    public static let maxDuration: TimeInterval = 7 * 24 * 3600
    /// How long a grant lasts when the gateway files the request itself, for a refused
    /// statement or command.
    public static let gatewayFiledDuration: TimeInterval = 3600
    /// Longest reason or statement text kept in a request.
    public static let maxText = 4096

    public init(store: any AuditStore) {
        self.store = store
    }

    /// Replays every `access.*` event in the trail (at start-up).
    public func load() async throws {
        var rebuilt = AccessRequestLedger()
        try await store.replay(types: AccessRequestLedger.eventTypes) { rebuilt.apply($0) }
        let loaded = rebuilt
        ledger.withLockedValue { $0 = loaded }
    }

    /// Active grants for `subject` on `connection` at `time`.
    public func grants(subject: String, connection: String, at time: Date = Date()) -> [AccessGrant] {
        ledger.withLockedValue { $0.grants(subject: subject, connection: connection, at: time) }
    }

    public func request(id: String) -> AccessRequest? {
        ledger.withLockedValue { $0[id] }
    }

    /// Requests `identity` may see (their own and those they may decide; all for admins),
    /// newest first, optionally only in `state`.
    public func list(visibleTo identity: Identity, isAdmin: Bool, state: AccessRequest.State? = nil) -> [AccessRequest] {
        ledger.withLockedValue { ledger in
            ledger.requests.values.filter { request in
                (state == nil || request.state == state)
                    && (isAdmin || request.requester == identity.subject || request.canDecide(subject: identity.subject, groups: identity.groups))
            }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        }
    }

    /// Records a new request, or returns the pending one `identity` already has for the same
    /// connection and statement (a client retrying a refused statement gets one request).
    public func create(identity: Identity, connection: String, statement: String?, duration: TimeInterval, reason: String,
                       rule: String, requirement: ApprovalRequirement, now: Date = Date()) async throws -> AccessRequest {
        guard duration > 0, duration <= Self.maxDuration else {
            throw AccessRequestError(.badRequest, "duration must be between 1 second and \(Int(Self.maxDuration / 3600)) hours")
        }
        guard reason.utf8.count <= Self.maxText, (statement?.utf8.count ?? 0) <= Self.maxText else {
            throw AccessRequestError(.badRequest, "reason and statement must be at most \(Self.maxText) bytes")
        }
        if let existing = ledger.withLockedValue({ ledger in
            ledger.requests.values.first { $0.state == .pending && $0.requester == identity.subject && $0.connection == connection && $0.statement == statement }
        }) {
            return existing
        }
        let id = "ar-" + UUID().uuidString.lowercased().prefix(8)
        let event = AccessRequestLedger.requestedEvent(id: String(id), identity: identity, connection: connection, statement: statement, duration: duration,
                                                       reason: reason, rule: rule, requirement: requirement, time: now)
        try await record(event)
        guard let created = request(id: String(id)) else {
            throw AccessRequestError(.unavailable, "access request \(id) was stored but could not be read back")
        }
        return created
    }

    /// Records `identity`'s approval; the request becomes a grant once it has enough.
    public func approve(id: String, by identity: Identity, now: Date = Date()) async throws -> AccessRequest {
        let request = try decidable(id: id, by: identity, verb: "approve")
        if request.approvals.contains(where: { $0.subject == identity.subject }) {
            throw AccessRequestError(.conflict, "\(identity.subject) already approved \(id); it needs \(request.requirement.approvals - request.approvals.count) more approval(s)")
        }
        let granted = request.approvals.count + 1 >= max(request.requirement.approvals, 1)
        var fields: [String: AuditValue] = [AccessRequestLedger.Field.requestID: .string(id), AccessRequestLedger.Field.granted: .bool(granted)]
        if granted {
            fields[AccessRequestLedger.Field.grantExpires] = .string(ISO8601DateFormatter().string(from: now.addingTimeInterval(request.duration)))
        }
        try await record(AuditEvent(type: .accessApproved, time: now, identity: identity, connection: request.connection, fields: fields))
        return self.request(id: id) ?? request
    }

    /// Records `identity`'s refusal; the request is closed.
    public func deny(id: String, by identity: Identity, reason: String, now: Date = Date()) async throws -> AccessRequest {
        guard reason.utf8.count <= Self.maxText else { throw AccessRequestError(.badRequest, "reason must be at most \(Self.maxText) bytes") }
        let request = try decidable(id: id, by: identity, verb: "deny")
        try await record(AuditEvent(type: .accessDenied, time: now, identity: identity, connection: request.connection,
                                    fields: [AccessRequestLedger.Field.requestID: .string(id), AuditField.reason: .string(reason)]))
        return self.request(id: id) ?? request
    }

    private func decidable(id: String, by identity: Identity, verb: String) throws -> AccessRequest {
        guard let request = request(id: id) else { throw AccessRequestError(.notFound, "no access request \(id)") }
        guard request.state == .pending else {
            throw AccessRequestError(.conflict, "access request \(id) is already \(request.state.rawValue)")
        }
        guard identity.subject != request.requester else {
            throw AccessRequestError(.forbidden, "\(identity.subject) requested \(id) and cannot \(verb) it; another approver must")
        }
        guard request.canDecide(subject: identity.subject, groups: identity.groups) else {
            let who = (request.requirement.approverGroups.map { "group \($0)" } + request.requirement.approverSubjects).joined(separator: ", ")
            throw AccessRequestError(.forbidden, "\(identity.subject) may not \(verb) \(id); the policy rule \(request.rule) names \(who.isEmpty ? "no approvers" : who)")
        }
        return request
    }

    /// Stores the event, then folds it into the ledger (fail closed: nothing changes if
    /// the trail cannot take it).
    private func record(_ event: AuditEvent) async throws {
        do {
            _ = try await store.append(event)
        } catch {
            throw AccessRequestError(.unavailable, "the audit trail cannot record this (\(error)); nothing was changed")
        }
        ledger.withLockedValue { $0.apply(event) }
    }
}
