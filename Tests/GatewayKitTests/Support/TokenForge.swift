import AuditCore
import Crypto
import Foundation

/// Tokens the gateway must refuse, made with AuditCore's own signer.
enum TokenForge {
    /// A well-formed, correctly signed token from an issuer the gateway does not trust.
    static func foreignIssuerToken() -> String {
        let key = Curve25519.Signing.PrivateKey()
        let signer = Ed25519TokenSigner(issuer: "https://unknown-idp.example", keyID: "foreign", privateKey: key)
        let now = Date()
        return (try? signer.mint(TokenClaims(subject: "alice", audience: ["auditgateway"], groups: ["developers"], issuedAt: now, expiresAt: now.addingTimeInterval(600)))) ?? "x.y.z"
    }
}
