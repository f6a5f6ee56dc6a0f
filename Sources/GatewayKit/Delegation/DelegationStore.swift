import AuditCore
import Foundation
import NIOConcurrencyHelpers

/// The node's delegated tokens, leases and revocations: a ``TokenLedger`` rebuilt from the
/// trail, changed only by storing a `token.*` event first (write-ahead, fail closed).
///
/// ``status(of:)`` is what connection set-up and the session sweep read: a lock and a few
/// dictionary lookups, no I/O.
public final class DelegationStore: Sendable {
    private let store: any AuditStore
    private let signer: Ed25519TokenSigner
    private let ledger = NIOLockedValueBox(TokenLedger())

    public init(store: any AuditStore, signer: Ed25519TokenSigner) {
        self.store = store
        self.signer = signer
    }

    /// Replays every `token.*` event in the trail (at start-up). Leases get one full period
    /// from now, so a gateway restart does not by itself end leased agents.
    public func load(now: Date = Date()) async throws {
        var rebuilt = TokenLedger()
        try await store.replay(types: TokenLedger.eventTypes) { rebuilt.apply($0) }
        rebuilt.extendLeases(toAtLeast: now)
        rebuilt.forgetTokens(expiredBefore: now.addingTimeInterval(-600))
        let loaded = rebuilt
        ledger.withLockedValue { $0 = loaded }
    }

    /// Whether `identity` may still act.
    public func status(of identity: Identity, at now: Date = Date()) -> TokenStatus {
        ledger.withLockedValue { $0.status(of: identity, at: now) }
    }

    /// Forgets tokens that expired more than `margin` ago (the sweeper calls this now and then).
    public func forgetExpiredTokens(now: Date = Date(), margin: TimeInterval = 600) {
        ledger.withLockedValue { $0.forgetTokens(expiredBefore: now.addingTimeInterval(-margin)) }
    }

    /// Every revocation so far, oldest first.
    public var revocations: [Revocation] {
        ledger.withLockedValue { $0.revocations }
    }

    /// A minted child token.
    public struct Exchanged: Sendable {
        public var token: String
        public var claims: TokenClaims
        public var lease: TimeInterval?
        public var leaseUntil: Date?
    }

    /// Mints a child of `parent` as `exchange` describes, after storing its `token.exchanged`
    /// event. Refusals (widening, a revoked parent) are stored as `policy.decision` events.
    public func exchange(parent: Identity, _ exchange: TokenExchange, now: Date = Date()) async throws -> Exchanged {
        let status = status(of: parent, at: now)
        if status != .active, let message = status.message {
            try await refuse(parent: parent, actor: exchange.request.actor, reason: message, now: now)
            throw DelegationError(.forbidden, code: status.endReason ?? "revoked", "cannot exchange: \(message)")
        }
        let claims: TokenClaims
        switch exchange.plan(parent: parent, now: now) {
        case .success(let planned):
            claims = planned
        case .failure(let refusal):
            try await refuse(parent: parent, actor: exchange.request.actor, reason: refusal.message, now: now)
            throw DelegationError(refusal.kind == .widening ? .forbidden : .badRequest, code: refusal.kind.rawValue, refusal.message)
        }
        let token = try signer.mint(claims)
        let child = Identity(subject: claims.subject, issuer: signer.issuer, groups: claims.groups, actors: claims.actors, tokenID: claims.tokenID,
                             parentTokenID: claims.parentTokenID, issuedAt: claims.issuedAt, expiresAt: claims.expiresAt, connections: claims.connections)
        var fields: [String: AuditValue] = [
            TokenLedger.Field.actor: .string(exchange.request.actor),
            TokenLedger.Field.depth: .int(Int64(claims.actors.count)),
            TokenLedger.Field.issued: .string(TimeArgument.format(Date(timeIntervalSince1970: claims.issuedAt.timeIntervalSince1970.rounded(.down)))),
            TokenLedger.Field.expires: .string(TimeArgument.format(Date(timeIntervalSince1970: claims.expiresAt.timeIntervalSince1970.rounded(.down)))),
        ]
        if let parentID = claims.parentTokenID { fields[TokenLedger.Field.parentTokenID] = .string(parentID) }
        if let connections = claims.connections { fields[TokenLedger.Field.connections] = .array(connections.map(AuditValue.string)) }
        if let lease = exchange.request.lease { fields[TokenLedger.Field.leaseSeconds] = lease == lease.rounded() ? .int(Int64(lease)) : .double(lease) }
        let event = AuditEvent(type: .tokenExchanged, time: now, identity: child, fields: fields)
        try await record(event)
        return Exchanged(token: token, claims: claims, lease: exchange.request.lease, leaseUntil: exchange.request.lease.map { now.addingTimeInterval($0) })
    }

    /// Renews the lease of token `id`, presented by `caller` (the token itself, a token it
    /// descends from, or an admin). A lapsed or revoked lease cannot be renewed.
    public func renew(id: String, caller: Identity, callerIsAdmin: Bool, now: Date = Date()) async throws -> Date {
        let (token, status, callerIsAncestor) = ledger.withLockedValue { ledger -> (TokenLedger.Token?, TokenStatus?, Bool) in
            guard let token = ledger.tokens[id] else { return (nil, nil, false) }
            let identity = Identity(subject: token.subject, issuer: signer.issuer, actors: token.actors, tokenID: token.id,
                                    parentTokenID: token.parentID, issuedAt: token.issuedAt, expiresAt: token.expiresAt)
            let ancestor = caller.tokenID.map { ledger.isAncestor($0, of: id) } ?? false
            return (token, ledger.status(of: identity, at: now), ancestor)
        }
        guard let token, let status else { throw DelegationError(.notFound, code: "not_found", "no token \(id) was minted by exchange on this gateway") }
        guard callerIsAncestor || callerIsAdmin else {
            throw DelegationError(.forbidden, code: "forbidden", "only the token \(id) itself, a token it was exchanged from, or an admin may renew its lease")
        }
        guard let period = token.leasePeriod else {
            throw DelegationError(.conflict, code: "no_lease", "token \(id) has no lease to renew")
        }
        if status != .active, let message = status.message {
            throw DelegationError(.conflict, code: status.endReason ?? "revoked", message)
        }
        guard token.expiresAt > now else {
            throw DelegationError(.conflict, code: "expired", "token \(id) expired at \(TimeArgument.format(token.expiresAt))")
        }
        let until = min(now.addingTimeInterval(period), token.expiresAt)
        let identity = Identity(subject: token.subject, issuer: signer.issuer, actors: token.actors, tokenID: id, expiresAt: token.expiresAt)
        try await record(AuditEvent(type: .tokenRenewed, time: now, identity: identity,
                                    fields: [TokenLedger.Field.leaseUntil: .string(TimeArgument.format(until))]))
        return until
    }

    /// Records a revocation by `by`. Non-admins may revoke only their own token or tokens
    /// exchanged from it.
    public func revoke(kind: Revocation.Kind, target: String, reason: String, by identity: Identity, isAdmin: Bool, now: Date = Date()) async throws -> Revocation {
        guard !target.isEmpty, target.utf8.count <= 512 else { throw DelegationError(.badRequest, code: "bad_parameter", "say what to revoke (1-512 bytes)") }
        guard reason.utf8.count <= 1024 else { throw DelegationError(.badRequest, code: "bad_parameter", "reason must be at most 1024 bytes") }
        if !isAdmin {
            let own = kind == .token && identity.tokenID.map { callerID in
                callerID == target || ledger.withLockedValue { $0.isAncestor(callerID, of: target) }
            } == true
            guard own else {
                throw DelegationError(.forbidden, code: "not_admin", "only admins may revoke subjects, actors or other people's tokens; you may revoke your own token and the tokens exchanged from it")
            }
        }
        let event = AuditEvent(type: .tokenRevoked, time: now, identity: identity,
                               fields: [TokenLedger.Field.revokedKind: .string(kind.rawValue), AuditField.target: .string(target), AuditField.reason: .string(reason)])
        try await record(event)
        return Revocation(kind: kind, target: target, reason: reason, revokedBy: identity.subject, revokedAt: now)
    }

    private func refuse(parent: Identity, actor: String, reason: String, now: Date) async throws {
        let event = AuditEvent(type: .policyDecision, time: now, identity: parent,
                               fields: [AuditField.decision: "deny", AuditField.reason: .string(reason), "stage": "token.exchange",
                                        TokenLedger.Field.actor: .string(String(actor.prefix(TokenExchange.maxActorLength + 16)))])
        do {
            _ = try await store.append(event)
        } catch {
            throw DelegationError(.unavailable, code: "audit_unavailable", "the audit trail cannot record this (\(error)); nothing was done")
        }
    }

    /// Stores the event, then folds it into the ledger (fail closed: nothing changes, and no
    /// token is handed out, if the trail cannot take it).
    func record(_ event: AuditEvent) async throws {
        do {
            _ = try await store.append(event)
        } catch {
            throw DelegationError(.unavailable, code: "audit_unavailable", "the audit trail cannot record this (\(error)); nothing was done")
        }
        ledger.withLockedValue { $0.apply(event) }
    }
}

/// Why a delegation operation was refused; ``kind`` maps to an HTTP status.
public struct DelegationError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case badRequest, forbidden, notFound, conflict, unavailable
    }

    public var kind: Kind
    /// Stable machine-readable code (`widening_refused`, `revoked`, `lease_expired`, …).
    public var code: String
    public var message: String

    public init(_ kind: Kind, code: String, _ message: String) {
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
