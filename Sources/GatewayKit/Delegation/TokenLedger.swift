import AuditCore
import Foundation

/// What the trail says about delegated tokens: every token minted by exchange (with its
/// parent and lease), every SSH certificate issued from a token, every lease renewal and
/// every revocation. A pure fold of `token.exchanged`, `token.issued` (kind
/// `ssh_certificate`), `token.renewed` and `token.revoked` events, so it is rebuilt
/// exactly by replaying the trail after a restart.
///
/// ``status(of:at:)`` answers whether an identity may still act: it walks the token's
/// ancestry (child → parent → … → root token), so revoking or losing the lease of any
/// ancestor stops every descendant.
struct TokenLedger: Sendable {
    /// Event field names of the token events.
    enum Field {
        static let parentTokenID = "parent_token_id"
        static let actor = "actor"
        static let expires = "expires"
        static let issued = "issued"
        static let connections = "connections"
        static let leaseSeconds = "lease_seconds"
        static let leaseUntil = "lease_until"
        static let depth = "depth"
        static let revokedKind = "revoked_kind"
    }

    static let eventTypes: [AuditEventType] = [.tokenExchanged, .tokenIssued, .tokenRenewed, .tokenRevoked]

    /// A token the gateway minted by exchange.
    struct Token: Sendable {
        var id: String
        var parentID: String?
        var subject: String
        var actors: [String]
        var issuedAt: Date
        var expiresAt: Date
        var connections: [String]?
        var leasePeriod: TimeInterval?
        /// When the lease lapses unless renewed (nil: no lease).
        var leaseUntil: Date?
    }

    private(set) var tokens: [String: Token] = [:]
    private(set) var revocations: [Revocation] = []
    private var revokedTokens: [String: Revocation] = [:]
    /// The latest revocation of each subject / actor name: it covers tokens issued until then.
    private var revokedSubjects: [String: Revocation] = [:]
    private var revokedActors: [String: Revocation] = [:]

    /// Deepest ancestry walked; a cycle (impossible from honest events) stops here.
    static let maxAncestry = 64

    /// Folds one event in; other event types are ignored.
    mutating func apply(_ event: AuditEvent) {
        switch event.type {
        case .tokenExchanged:
            guard let id = event.tokenID, let subject = event.subject,
                  let expires = event.fields[Field.expires]?.stringValue.flatMap(TimeArgument.parseAbsolute) else { return }
            let lease = event.fields[Field.leaseSeconds]?.doubleValue
            let connections: [String]? = event.fields[Field.connections]?.arrayValue?.compactMap(\.stringValue)
            tokens[id] = Token(id: id, parentID: event.fields[Field.parentTokenID]?.stringValue, subject: subject, actors: event.actors,
                               issuedAt: event.fields[Field.issued]?.stringValue.flatMap(TimeArgument.parseAbsolute) ?? event.time,
                               expiresAt: expires, connections: connections,
                               leasePeriod: lease, leaseUntil: lease.map { event.time.addingTimeInterval($0) })
        case .tokenIssued:
            // An SSH certificate: a token of its own, whose parent is the token it was issued from.
            guard event.fields[SSHCertificateIssuer.Field.kind]?.stringValue == SSHCertificateIssuer.Field.sshCertificate,
                  let id = event.fields[SSHCertificateIssuer.Field.certificateID]?.stringValue, let subject = event.subject,
                  let expires = event.fields[Field.expires]?.stringValue.flatMap(TimeArgument.parseAbsolute) else { return }
            tokens[id] = Token(id: id, parentID: event.fields[Field.parentTokenID]?.stringValue, subject: subject, actors: event.actors,
                               issuedAt: event.fields[Field.issued]?.stringValue.flatMap(TimeArgument.parseAbsolute) ?? event.time,
                               expiresAt: expires, connections: event.fields[Field.connections]?.arrayValue?.compactMap(\.stringValue))
        case .tokenRenewed:
            guard let id = event.tokenID, let until = event.fields[Field.leaseUntil]?.stringValue.flatMap(TimeArgument.parseAbsolute) else { return }
            tokens[id]?.leaseUntil = until
        case .tokenRevoked:
            guard let kindName = event.fields[Field.revokedKind]?.stringValue, let kind = Revocation.Kind(rawValue: kindName),
                  let target = event.fields[AuditField.target]?.stringValue else { return }
            let revocation = Revocation(kind: kind, target: target, reason: event.fields[AuditField.reason]?.stringValue ?? "",
                                        revokedBy: event.subject ?? "?", revokedAt: event.time)
            revocations.append(revocation)
            switch kind {
            case .token: revokedTokens[target] = revokedTokens[target] ?? revocation
            case .subject: revokedSubjects[target] = revocation
            case .actor: revokedActors[target] = revocation
            }
        default:
            break
        }
    }

    /// Gives every lease at least `grace` from `now`: after a restart, holders get one full
    /// lease period to reach the gateway again before their tokens count as abandoned.
    mutating func extendLeases(toAtLeast now: Date) {
        for (id, token) in tokens {
            guard let period = token.leasePeriod, let until = token.leaseUntil else { continue }
            tokens[id]?.leaseUntil = max(until, now.addingTimeInterval(period))
        }
    }

    /// Renews `id`'s lease to `until`.
    mutating func renew(_ id: String, until: Date) {
        tokens[id]?.leaseUntil = until
    }

    /// Whether `identity` may still act at `now`.
    func status(of identity: Identity, at now: Date) -> TokenStatus {
        let issued = identity.issuedAt ?? .distantPast
        if let revocation = revokedSubjects[identity.subject], issued <= revocation.revokedAt {
            return .revoked(revocation)
        }
        for actor in identity.actors {
            if let revocation = revokedActors[actor], issued <= revocation.revokedAt {
                return .revoked(revocation)
            }
        }
        var next = identity.tokenID
        var parentHint = identity.parentTokenID
        var steps = 0
        while let id = next, steps < Self.maxAncestry {
            if let revocation = revokedTokens[id] { return .revoked(revocation) }
            let token = tokens[id]
            if let until = token?.leaseUntil, until < now {
                return .leaseExpired(tokenID: id, at: until)
            }
            next = token?.parentID ?? parentHint
            parentHint = nil
            steps += 1
        }
        return .active
    }

    /// Whether `ancestor` is `id` or a token `id` was exchanged from, directly or further up.
    func isAncestor(_ ancestor: String, of id: String) -> Bool {
        var next: String? = id
        var steps = 0
        while let current = next, steps < Self.maxAncestry {
            if current == ancestor { return true }
            next = tokens[current]?.parentID
            steps += 1
        }
        return false
    }

    /// Forgets tokens that expired before `cutoff`. Nothing is lost: an expired token is
    /// refused anyway, and no descendant outlives its parent.
    mutating func forgetTokens(expiredBefore cutoff: Date) {
        let expired = tokens.values.filter { $0.expiresAt < cutoff }.map(\.id)
        for id in expired {
            tokens[id] = nil
            revokedTokens[id] = nil
        }
    }
}

/// Whether a token may still be used.
public enum TokenStatus: Sendable, Equatable {
    case active
    /// The token, an ancestor, its subject or an actor in its chain was revoked.
    case revoked(Revocation)
    /// The lease of the token or of an ancestor (`tokenID`) lapsed at `at`.
    case leaseExpired(tokenID: String, at: Date)

    /// The session-end reason the trail records: `revoked` or `lease_expired`.
    public var endReason: String? {
        switch self {
        case .active: nil
        case .revoked: "revoked"
        case .leaseExpired: "lease_expired"
        }
    }

    /// What the client is told.
    public var message: String? {
        switch self {
        case .active:
            return nil
        case .revoked(let revocation):
            let reason = revocation.reason.isEmpty ? "" : ": \(revocation.reason)"
            return "your token was revoked (\(revocation.kind.rawValue) \(revocation.target), by \(revocation.revokedBy) at \(TimeArgument.format(revocation.revokedAt)))\(reason)"
        case .leaseExpired(let id, let at):
            return "the lease of token \(id) lapsed at \(TimeArgument.format(at)) (its holder stopped renewing it), so the token and every token derived from it count as revoked"
        }
    }
}

/// One revocation: a token (and its descendants), a subject, or an actor name.
public struct Revocation: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// The token with this `jti` and every token exchanged from it.
        case token
        /// Every token of this root subject issued until the revocation.
        case subject
        /// Every token whose actor chain names this actor, issued until the revocation.
        case actor
    }

    public var kind: Kind
    public var target: String
    public var reason: String
    public var revokedBy: String
    public var revokedAt: Date
}
