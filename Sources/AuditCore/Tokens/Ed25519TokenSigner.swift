import Crypto
import Foundation

/// Mints EdDSA JWTs signed with an Ed25519 key (the gateway node key, or the dev issuer key).
///
/// Tokens are compact on purpose — short header, integer times, one audience as a string,
/// empty groups omitted — because SSH clients read at most 1023 bytes of a password.
/// ``TokenVerifier`` verifies them like any other issuer's tokens, given an
/// ``IssuerConfiguration`` whose JWKS is ``jwksJSON()``.
public struct Ed25519TokenSigner: Sendable {
    /// The `iss` of every minted token.
    public let issuer: String
    /// The `kid` in every minted token's header.
    public let keyID: String
    private let privateKey: Curve25519.Signing.PrivateKey
    private let encodedHeader: String

    /// Creates a signer; `keyID` is usually ``Ed25519KeyFile/keyID(for:)`` of the public key.
    public init(issuer: String, keyID: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.issuer = issuer
        self.keyID = keyID
        self.privateKey = privateKey
        let header = Self.json(["alg": "EdDSA", "kid": keyID, "typ": "JWT"])
        self.encodedHeader = TokenBase64URL.encode(header)
    }

    /// The public key tokens verify with.
    public var publicKey: Curve25519.Signing.PublicKey { privateKey.publicKey }

    /// The JWKS JSON (one OKP/Ed25519 key with `kid`, `alg` "EdDSA", `use` "sig") to publish
    /// at `/.well-known/jwks.json`.
    public func jwksJSON() -> Data {
        let key: [String: Any] = [
            "kty": "OKP",
            "crv": "Ed25519",
            "x": TokenBase64URL.encode(privateKey.publicKey.rawRepresentation),
            "kid": keyID,
            "alg": "EdDSA",
            "use": "sig",
        ]
        return Self.json(["keys": [key]])
    }

    /// Signs `claims` into a compact JWT.
    ///
    /// - Throws: If signing fails (only on a broken crypto backend).
    public func mint(_ claims: TokenClaims) throws -> String {
        var payload: [String: Any] = [
            "iss": issuer,
            "sub": claims.subject,
            "aud": claims.audience.count == 1 ? claims.audience[0] as Any : claims.audience as Any,
            "jti": claims.tokenID,
            "iat": Int64(claims.issuedAt.timeIntervalSince1970.rounded(.down)),
            "exp": Int64(claims.expiresAt.timeIntervalSince1970.rounded(.down)),
        ]
        if !claims.groups.isEmpty { payload["groups"] = claims.groups }
        if let parent = claims.parentTokenID { payload["parent_jti"] = parent }
        if let connections = claims.connections { payload["connections"] = connections }
        var act: [String: Any]?
        for actor in claims.actors.reversed() {
            var object: [String: Any] = ["sub": actor]
            if let inner = act { object["act"] = inner }
            act = object
        }
        if let act { payload["act"] = act }

        let signingInput = encodedHeader + "." + TokenBase64URL.encode(Self.json(payload))
        let signature = try privateKey.signature(for: Data(signingInput.utf8))
        return signingInput + "." + TokenBase64URL.encode(signature)
    }

    private static func json(_ object: [String: Any]) -> Data {
        // Only strings, integers, arrays and dictionaries go in, so this cannot fail.
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
    }
}
