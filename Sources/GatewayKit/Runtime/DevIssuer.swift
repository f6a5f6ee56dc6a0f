import AuditCore
import Crypto
import Foundation

/// A local identity provider for development: signs tokens with a key in the data
/// directory. Enabled by `dev_issuer: true` (and by `gatewayd --dev`); never in production.
public struct DevIssuer: Sendable {
    /// The `iss` of development tokens.
    public static let issuer = "urn:auditgateway:dev-issuer"

    public let signer: Ed25519TokenSigner
    public let audience: String

    /// Loads the dev issuer key from `dataDirectory`, creating it when `create` is true.
    public init(dataDirectory: DataDirectory, audience: String, create: Bool) throws {
        let path = dataDirectory.devIssuerKey
        if !create, !FileManager.default.fileExists(atPath: path) {
            throw CredentialError(message: "no development issuer key at \(path): token mint works only against a gateway started with --dev or dev_issuer: true, and needs its --data-dir")
        }
        let key = try Ed25519KeyFile.loadOrCreate(at: path)
        self.signer = Ed25519TokenSigner(issuer: Self.issuer, keyID: Ed25519KeyFile.keyID(for: key.publicKey), privateKey: key)
        self.audience = audience
    }

    /// How the verifier trusts this issuer.
    public var issuerConfiguration: IssuerConfiguration {
        IssuerConfiguration(issuer: Self.issuer, audiences: [audience], jwks: StaticJWKSSource(json: signer.jwksJSON()))
    }

    /// Mints a token for `subject`.
    public func mint(subject: String, groups: [String], actors: [String] = [], connections: [String]? = nil, ttl: TimeInterval) throws -> String {
        let now = Date()
        return try signer.mint(TokenClaims(subject: subject, audience: [audience], groups: groups, actors: actors,
                                           connections: connections, issuedAt: now, expiresAt: now.addingTimeInterval(ttl)))
    }
}
