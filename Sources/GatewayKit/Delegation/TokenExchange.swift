import AuditCore
import Foundation

/// The narrowing rules of token exchange (RFC 8693 semantics): a child token keeps the
/// root subject and groups, adds one actor to the chain, names its parent, and may only
/// narrow — connections within the parent's, lifetime within the parent's remaining
/// lifetime and the configured maximum, chain depth within the configured maximum.
///
/// Pure: ``plan(parent:now:)`` either returns the child's claims or says which limit the
/// request tried to exceed.
public struct TokenExchange: Sendable {
    /// What the caller asks for.
    public struct Request: Sendable {
        /// The new actor's name (an agent, a job, a tool).
        public var actor: String
        /// Connections to limit the child to; nil keeps the parent's.
        public var connections: [String]?
        /// Lifetime; nil = the parent's remaining lifetime, capped at the maximum.
        public var ttl: TimeInterval?
        /// Lease period; nil = no lease.
        public var lease: TimeInterval?

        public init(actor: String, connections: [String]? = nil, ttl: TimeInterval? = nil, lease: TimeInterval? = nil) {
            self.actor = actor
            self.connections = connections
            self.ttl = ttl
            self.lease = lease
        }
    }

    /// The limits set by configuration (`tokens.max_delegation_depth`, `max_exchange_ttl`,
    /// `max_lease`) and the connections that exist.
    public struct Limits: Sendable {
        public var maxDepth: Int
        public var maxTTL: TimeInterval
        public var maxLease: TimeInterval
        public var knownConnections: Set<String>

        public init(maxDepth: Int, maxTTL: TimeInterval, maxLease: TimeInterval, knownConnections: Set<String>) {
            self.maxDepth = maxDepth
            self.maxTTL = maxTTL
            self.maxLease = maxLease
            self.knownConnections = knownConnections
        }
    }

    /// Why an exchange was refused.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public enum Kind: String, Sendable {
            /// The request is malformed (bad actor name, unknown connection, zero lifetime).
            case invalidRequest = "invalid_request"
            /// The request asks for more than the parent holds or the limits allow.
            case widening = "widening_refused"
        }

        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    /// Longest actor name.
    public static let maxActorLength = 64
    /// Shortest lease: renewals every third of it must still be practical.
    public static let minLease: TimeInterval = 1

    public var request: Request
    public var limits: Limits
    public var audience: String

    public init(request: Request, limits: Limits, audience: String) {
        self.request = request
        self.limits = limits
        self.audience = audience
    }

    /// The child token's claims, or the refusal.
    public func plan(parent: Identity, now: Date = Date()) -> Result<TokenClaims, Refusal> {
        let actor = request.actor
        guard !actor.isEmpty, actor.count <= Self.maxActorLength,
              actor.unicodeScalars.allSatisfy({ Self.actorCharacters.contains($0) }) else {
            return .failure(Refusal(kind: .invalidRequest, message: "actor '\(actor.prefix(80))' must be 1-\(Self.maxActorLength) characters of letters, digits and . _ - @ :"))
        }
        let depth = parent.actors.count + 1
        guard depth <= limits.maxDepth else {
            return .failure(Refusal(kind: .widening, message: "the chain \((parent.delegationPath + [actor]).joined(separator: " → ")) would be \(depth) actors deep; the limit is \(limits.maxDepth) (tokens.max_delegation_depth)"))
        }

        var connections = parent.connections
        if let requested = request.connections {
            guard !requested.isEmpty else {
                return .failure(Refusal(kind: .invalidRequest, message: "connections must name at least one connection (leave it out to keep the parent's)"))
            }
            let unknown = requested.filter { !limits.knownConnections.contains($0) }
            guard unknown.isEmpty else {
                return .failure(Refusal(kind: .invalidRequest, message: "there is no connection named \(unknown.map { "'\($0)'" }.joined(separator: ", "))"))
            }
            if let held = parent.connections {
                let extra = requested.filter { !held.contains($0) }
                guard extra.isEmpty else {
                    return .failure(Refusal(kind: .widening, message: "the parent token is limited to \(held.joined(separator: ", ")); a child cannot add \(extra.joined(separator: ", "))"))
                }
            }
            var seen = Set<String>()
            connections = requested.filter { seen.insert($0).inserted }
        }

        let remaining = parent.expiresAt.timeIntervalSince(now)
        guard remaining >= 1 else {
            return .failure(Refusal(kind: .widening, message: "the parent token expires at \(TimeArgument.format(parent.expiresAt)); it has no lifetime left to delegate"))
        }
        let ttl: TimeInterval
        if let asked = request.ttl {
            guard asked >= 1 else { return .failure(Refusal(kind: .invalidRequest, message: "ttl must be at least 1s")) }
            guard asked <= remaining.rounded(.down) + 1 else {
                return .failure(Refusal(kind: .widening, message: "ttl \(Self.describe(asked)) is longer than the parent token's remaining \(Self.describe(remaining)); a child cannot outlive its parent"))
            }
            guard asked <= limits.maxTTL else {
                return .failure(Refusal(kind: .widening, message: "ttl \(Self.describe(asked)) is longer than the maximum \(Self.describe(limits.maxTTL)) (tokens.max_exchange_ttl)"))
            }
            ttl = min(asked, remaining)
        } else {
            ttl = min(remaining, limits.maxTTL)
        }
        if let lease = request.lease {
            guard lease >= Self.minLease else {
                return .failure(Refusal(kind: .invalidRequest, message: "lease must be at least \(Self.describe(Self.minLease))"))
            }
            guard lease <= limits.maxLease else {
                return .failure(Refusal(kind: .widening, message: "lease \(Self.describe(lease)) is longer than the maximum \(Self.describe(limits.maxLease)) (tokens.max_lease)"))
            }
        }

        return .success(TokenClaims(subject: parent.subject, audience: [audience], groups: parent.groups, actors: [actor] + parent.actors,
                                    parentTokenID: parent.tokenID, connections: connections, issuedAt: now, expiresAt: now.addingTimeInterval(ttl)))
    }

    static let actorCharacters: CharacterSet = {
        var set = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        set.insert(charactersIn: "._-@:")
        return set
    }()

    /// `90s`, `15m`, `2h`: how a duration reads in a message.
    static func describe(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded(.down))
        if whole % 3600 == 0, whole >= 3600 { return "\(whole / 3600)h" }
        if whole % 60 == 0, whole >= 60 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
