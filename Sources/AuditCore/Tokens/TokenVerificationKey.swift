import Crypto
import Foundation
import _CryptoExtras

/// One public key from an issuer's JWKS, ready to verify signatures.
///
/// The key type decides the algorithm: an RSA key only verifies RS256, a P-256 key only
/// ES256, an Ed25519 key only EdDSA. If the JWK names an `alg`, that must match too.
struct TokenVerificationKey: Sendable {
    enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        case p256(P256.Signing.PublicKey)
        case ed25519(Curve25519.Signing.PublicKey)
    }

    let material: Material
    /// The JWK's `alg`, if it declared one.
    let declaredAlgorithm: String?

    /// The one algorithm this key verifies.
    var algorithm: TokenAlgorithm {
        switch material {
        case .rsa: .rs256
        case .p256: .es256
        case .ed25519: .edDSA
        }
    }

    /// "an RSA key", for messages.
    var kindDescription: String {
        switch material {
        case .rsa(let key): "an RSA-\(key.keySizeInBits) key"
        case .p256: "an EC P-256 key"
        case .ed25519: "an Ed25519 key"
        }
    }

    /// True if a token with header `alg` = `algorithm` may be verified with this key.
    func accepts(_ algorithm: TokenAlgorithm) -> Bool {
        algorithm == self.algorithm && (declaredAlgorithm == nil || declaredAlgorithm == algorithm.rawValue)
    }

    /// Verifies a JWS signature over `signingInput` (the ASCII `header.payload`).
    ///
    /// ES256 signatures are the 64-byte JOSE form (r ‖ s), not DER.
    func isValidSignature(_ signature: Data, for signingInput: Data) -> Bool {
        switch material {
        case .rsa(let key):
            guard signature.count * 8 == key.keySizeInBits else { return false }
            return key.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature),
                for: SHA256.hash(data: signingInput),
                padding: .insecurePKCS1v1_5
            )
        case .p256(let key):
            guard signature.count == 64,
                let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: signature)
            else { return false }
            return key.isValidSignature(ecdsa, for: SHA256.hash(data: signingInput))
        case .ed25519(let key):
            guard signature.count == 64 else { return false }
            return key.isValidSignature(signature, for: signingInput)
        }
    }
}
