import Foundation

/// Who is acting: the root subject plus the RFC 8693 actor chain.
///
/// An `Identity` is what a verified token proves. The ``subject`` is always the
/// *original* principal (the person or service the chain started from); every agent
/// that acted on its behalf since is listed in ``actors``, most recent first, exactly as
/// the nested `act` claims of RFC 8693 §4.1 list them.
public struct Identity: Sendable, Hashable, Codable {
    /// The root subject (`sub`).
    public var subject: String
    /// The token issuer (`iss`).
    public var issuer: String
    /// Groups from the issuer's configured groups claim.
    public var groups: [String]
    /// Actor chain from the token's nested `act` claims, outermost (most recent actor) first.
    public var actors: [String]
    /// The token's `jti`, if it has one.
    public var tokenID: String?
    /// Claim `parent_jti` on gateway-issued child tokens: the token this one was exchanged from.
    public var parentTokenID: String?
    /// When the token was issued (`iat`); nil only for identities built by hand.
    public var issuedAt: Date?
    /// When the token expires (`exp`).
    public var expiresAt: Date
    /// Connections the token is limited to (claim `connections`, gateway tokens); `nil` = not limited.
    public var connections: [String]?

    /// Creates an identity.
    public init(
        subject: String,
        issuer: String,
        groups: [String] = [],
        actors: [String] = [],
        tokenID: String? = nil,
        parentTokenID: String? = nil,
        issuedAt: Date? = nil,
        expiresAt: Date,
        connections: [String]? = nil
    ) {
        self.subject = subject
        self.issuer = issuer
        self.groups = groups
        self.actors = actors
        self.tokenID = tokenID
        self.parentTokenID = parentTokenID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.connections = connections
    }

    /// The delegation path, root first: `["alice", "nightly-etl", "loader-3"]`.
    ///
    /// Join with `" → "` for display: "alice → nightly-etl → loader-3".
    public var delegationPath: [String] {
        [subject] + actors.reversed()
    }
}
