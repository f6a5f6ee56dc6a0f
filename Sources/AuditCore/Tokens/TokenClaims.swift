import Foundation

/// The claims of a token the gateway mints (see ``Ed25519TokenSigner``).
public struct TokenClaims: Sendable, Hashable {
    /// The root subject (`sub`); stays the original principal through every exchange.
    public var subject: String
    /// Audiences (`aud`); one audience is encoded as a plain string to keep tokens short.
    public var audience: [String]
    /// Groups (`groups`); omitted from the token when empty.
    public var groups: [String]
    /// Actor chain, outermost (most recent actor) first; encoded as nested RFC 8693 `act`
    /// objects `{"sub": name, "act": {...}}`.
    public var actors: [String]
    /// `jti`; a lowercase UUID by default.
    public var tokenID: String
    /// `parent_jti`: the token this one was exchanged from.
    public var parentTokenID: String?
    /// `connections`: the connections the token is limited to; `nil` = not limited.
    public var connections: [String]?
    /// `iat`, encoded as whole seconds (rounded down).
    public var issuedAt: Date
    /// `exp`, encoded as whole seconds (rounded down, so never later than asked).
    public var expiresAt: Date

    /// Creates a claim set.
    public init(
        subject: String,
        audience: [String],
        groups: [String] = [],
        actors: [String] = [],
        tokenID: String = UUID().uuidString.lowercased(),
        parentTokenID: String? = nil,
        connections: [String]? = nil,
        issuedAt: Date = Date(),
        expiresAt: Date
    ) {
        self.subject = subject
        self.audience = audience
        self.groups = groups
        self.actors = actors
        self.tokenID = tokenID
        self.parentTokenID = parentTokenID
        self.connections = connections
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}
