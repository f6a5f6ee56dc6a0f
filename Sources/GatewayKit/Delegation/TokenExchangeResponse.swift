import Foundation

/// The answer to `POST /v1/token/exchange`: RFC 8693 §2.2.1's fields plus what the
/// gateway knows about the child token.
public struct TokenExchangeResponse: Codable, Sendable {
    public static let jwtTokenType = "urn:ietf:params:oauth:token-type:jwt"

    /// The child token.
    public var accessToken: String
    public var issuedTokenType = TokenExchangeResponse.jwtTokenType
    /// `N_A`: the token is not an OAuth access token for some resource server (RFC 8693 §2.2.1).
    public var tokenType = "N_A"
    /// Seconds until it expires.
    public var expiresIn: Int
    public var expiresAt: Date
    /// The child's `jti`.
    public var tokenID: String
    public var parentTokenID: String?
    /// The root subject.
    public var subject: String
    /// The chain, outermost (most recent actor) first.
    public var actors: [String]
    /// The connections it is limited to; nil = not limited.
    public var connections: [String]?
    /// The protocols its connections speak (which client environment variables to set).
    public var protocols: [String]
    public var leaseSeconds: Double?
    /// When the lease lapses unless renewed.
    public var leaseUntil: Date?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", issuedTokenType = "issued_token_type", tokenType = "token_type", expiresIn = "expires_in"
        case expiresAt = "expires_at", tokenID = "token_id", parentTokenID = "parent_token_id", subject, actors, connections, protocols
        case leaseSeconds = "lease_seconds", leaseUntil = "lease_until"
    }

    public init(accessToken: String, expiresIn: Int, expiresAt: Date, tokenID: String, parentTokenID: String?, subject: String, actors: [String],
                connections: [String]?, protocols: [String], leaseSeconds: Double?, leaseUntil: Date?) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
        self.expiresAt = expiresAt
        self.tokenID = tokenID
        self.parentTokenID = parentTokenID
        self.subject = subject
        self.actors = actors
        self.connections = connections
        self.protocols = protocols
        self.leaseSeconds = leaseSeconds
        self.leaseUntil = leaseUntil
    }
}

/// The answer to `POST /v1/tokens/{jti}/renew`.
public struct TokenRenewal: Codable, Sendable {
    public var tokenID: String
    public var leaseUntil: Date

    enum CodingKeys: String, CodingKey { case tokenID = "token_id", leaseUntil = "lease_until" }

    public init(tokenID: String, leaseUntil: Date) {
        self.tokenID = tokenID
        self.leaseUntil = leaseUntil
    }
}

/// The answer to `POST /v1/revocations`.
public struct RevocationResult: Codable, Sendable {
    public var revocation: Revocation
    /// Live sessions on this node the revocation ended.
    public var sessionsEnded: [String]

    enum CodingKeys: String, CodingKey { case revocation, sessionsEnded = "sessions_ended" }

    public init(revocation: Revocation, sessionsEnded: [String]) {
        self.revocation = revocation
        self.sessionsEnded = sessionsEnded
    }
}
