/// One trusted token issuer: its exact `iss`, the audiences it may address, and its keys.
public struct IssuerConfiguration: Sendable {
    /// Exact match of the token's `iss`.
    public var issuer: String
    /// The token's `aud` (string or array) must contain at least one of these.
    /// An empty list accepts no token.
    public var audiences: [String]
    /// Where the issuer's signing keys come from.
    public var jwks: any JWKSSource
    /// The claim holding the subject's groups (default `"groups"`).
    ///
    /// If the payload has no top-level claim with this exact name and the name contains
    /// dots, it is read as a path into nested objects (`"realm_access.roles"`).
    public var groupsClaim: String

    /// Creates an issuer configuration.
    public init(issuer: String, audiences: [String], jwks: any JWKSSource, groupsClaim: String = "groups") {
        self.issuer = issuer
        self.audiences = audiences
        self.jwks = jwks
        self.groupsClaim = groupsClaim
    }
}
