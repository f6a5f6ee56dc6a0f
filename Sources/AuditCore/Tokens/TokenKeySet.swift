import Crypto
import Foundation
import JWTKit
import _CryptoExtras

/// An issuer's JWKS, parsed once into verification keys indexed by `kid`.
///
/// Parsing is lenient per key and strict per set: a key this gateway cannot use (no `kid`,
/// `use` other than `sig`, RSA under 2048 bits, a curve other than P-256/Ed25519, `kty`
/// `oct`, …) is skipped with a note in ``skipped``; a document that is not a JWKS at all
/// throws.
struct TokenKeySet: Sendable {
    /// Usable keys by `kid`. One `kid` may name keys of different types.
    let keys: [String: [TokenVerificationKey]]
    /// Why keys were skipped, for error messages.
    let skipped: [String]

    static let empty = TokenKeySet(keys: [:], skipped: [])

    /// Parses a JWKS document.
    ///
    /// - Throws: ``JWKSSourceError`` if `data` is not a JSON object with a `keys` array.
    static func parse(_ data: Data) throws -> TokenKeySet {
        let document: Document
        do {
            document = try JSONDecoder().decode(Document.self, from: data)
        } catch {
            throw JWKSSourceError("JWKS is not a JSON object with a 'keys' array")
        }
        var keys: [String: [TokenVerificationKey]] = [:]
        var skipped: [String] = []
        for (index, entry) in document.keys.enumerated() {
            switch entry.verificationKey() {
            case .success(let (kid, key)):
                keys[kid, default: []].append(key)
            case .failure(let reason):
                skipped.append("key #\(index)\(entry.kid.map { " (kid \(TokenVerificationError.quoted($0)))" } ?? ""): \(reason.message)")
            }
        }
        return TokenKeySet(keys: keys, skipped: skipped)
    }

    private struct Document: Decodable {
        var keys: [Entry]
    }

    /// One element of `keys`, decoded with jwt-kit's `JWK` where possible.
    private struct Entry: Decodable {
        var jwk: JWK?
        var decodeProblem: String?
        var kid: String?
        var use: String?

        private enum Extra: String, CodingKey {
            case kid, use, kty, alg, crv
        }

        init(from decoder: any Decoder) throws {
            let extra = try? decoder.container(keyedBy: Extra.self)
            kid = try? extra?.decodeIfPresent(String.self, forKey: .kid)
            use = try? extra?.decodeIfPresent(String.self, forKey: .use)
            do {
                jwk = try JWK(from: decoder)
            } catch {
                jwk = nil
                let kty = (try? extra?.decodeIfPresent(String.self, forKey: .kty)) ?? nil
                let alg = (try? extra?.decodeIfPresent(String.self, forKey: .alg)) ?? nil
                let crv = (try? extra?.decodeIfPresent(String.self, forKey: .crv)) ?? nil
                let described = [kty.map { "kty \($0)" }, alg.map { "alg \($0)" }, crv.map { "crv \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                decodeProblem = described.isEmpty ? "not a JWK" : "unsupported JWK (\(described))"
            }
        }

        func verificationKey() -> Result<(String, TokenVerificationKey), JWKSSourceError> {
            guard let jwk else { return .failure(JWKSSourceError(decodeProblem ?? "not a JWK")) }
            guard let kid, !kid.isEmpty else { return .failure(JWKSSourceError("no 'kid'")) }
            if let use, use != "sig" { return .failure(JWKSSourceError("'use' is '\(use)', not 'sig'")) }
            // A declared `alg` other than the key type's algorithm is kept: tokens naming the
            // key then fail with a clear algorithm mismatch instead of an unknown kid.
            let declared = jwk.algorithm?.rawValue
            switch jwk.keyType {
            case .rsa:
                guard let n = jwk.modulus.flatMap(TokenBase64URL.decode),
                    let e = jwk.exponent.flatMap(TokenBase64URL.decode)
                else { return .failure(JWKSSourceError("RSA key without valid 'n' and 'e'")) }
                guard let key = try? _RSA.Signing.PublicKey(n: n, e: e) else {
                    return .failure(JWKSSourceError("RSA key is invalid or shorter than 2048 bits"))
                }
                return .success((kid, TokenVerificationKey(material: .rsa(key), declaredAlgorithm: declared)))
            case .ecdsa:
                guard jwk.curve?.rawValue == "P-256" else {
                    return .failure(JWKSSourceError("EC curve \(jwk.curve?.rawValue ?? "(none)") is not P-256"))
                }
                guard let x = jwk.x.flatMap(TokenBase64URL.decode), let y = jwk.y.flatMap(TokenBase64URL.decode),
                    x.count == 32, y.count == 32,
                    let key = try? P256.Signing.PublicKey(rawRepresentation: x + y)
                else { return .failure(JWKSSourceError("EC key has invalid 'x'/'y'")) }
                return .success((kid, TokenVerificationKey(material: .p256(key), declaredAlgorithm: declared)))
            case .octetKeyPair:
                guard jwk.curve?.rawValue == "Ed25519" else {
                    return .failure(JWKSSourceError("OKP curve \(jwk.curve?.rawValue ?? "(none)") is not Ed25519"))
                }
                guard let x = jwk.x.flatMap(TokenBase64URL.decode), x.count == 32,
                    let key = try? Curve25519.Signing.PublicKey(rawRepresentation: x)
                else { return .failure(JWKSSourceError("Ed25519 key has invalid 'x'")) }
                return .success((kid, TokenVerificationKey(material: .ed25519(key), declaredAlgorithm: declared)))
            default:
                return .failure(JWKSSourceError("kty \(jwk.keyType.rawValue) is not supported"))
            }
        }
    }
}
