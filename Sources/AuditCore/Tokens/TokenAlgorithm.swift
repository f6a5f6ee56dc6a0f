/// The JWS algorithms the gateway accepts. Everything else — `none`, every HMAC variant,
/// PS*, ES384, … — is rejected before any key is looked up.
enum TokenAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// RSASSA-PKCS1-v1_5 with SHA-256; needs an RSA JWK of at least 2048 bits.
    case rs256 = "RS256"
    /// ECDSA P-256 with SHA-256; needs an EC JWK on P-256.
    case es256 = "ES256"
    /// Ed25519; needs an OKP JWK on Ed25519.
    case edDSA = "EdDSA"

    /// Maps a header `alg` to an accepted algorithm, or to the error that rejects it.
    static func accepting(_ alg: String) -> Result<TokenAlgorithm, TokenVerificationError> {
        if let algorithm = TokenAlgorithm(rawValue: alg) {
            return .success(algorithm)
        }
        let quoted = TokenVerificationError.quoted(alg)
        if alg.lowercased() == "none" {
            return .failure(.init(.algorithmNotAllowed, "algorithm 'none' is not allowed: unsigned tokens are never accepted (got \(quoted))"))
        }
        if alg.uppercased().hasPrefix("HS") {
            return .failure(.init(.algorithmNotAllowed, "HMAC algorithm \(quoted) is not allowed: shared-secret tokens are never accepted; use RS256, ES256 or EdDSA"))
        }
        return .failure(.init(.algorithmNotAllowed, "algorithm \(quoted) is not allowed; use RS256, ES256 or EdDSA"))
    }
}
