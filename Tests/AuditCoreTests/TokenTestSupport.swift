import AuditCore
import Crypto
import Foundation
import Synchronization
import Testing
import _CryptoExtras

/// A clock tests can move.
final class TokenTestClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = TokenFixtures.epoch) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var function: @Sendable () -> Date { { self.now } }
}

/// A JWKS source whose document can be swapped and whose fetches are counted.
final class TokenCountingJWKSSource: JWKSSource {
    private let state: Mutex<(document: Data, fetches: Int)>
    let delay: Duration
    let isRemote = true

    init(_ document: Data, delay: Duration = .zero) {
        state = Mutex((document, 0))
        self.delay = delay
    }

    var fetches: Int { state.withLock { $0.fetches } }

    func publish(_ document: Data) {
        state.withLock { $0.document = document }
    }

    func fetchJWKS() async throws -> Data {
        let document = state.withLock { state -> Data in
            state.fetches += 1
            return state.document
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        return document
    }
}

/// A JWKS source that always fails.
struct TokenFailingJWKSSource: JWKSSource {
    let isRemote = true
    func fetchJWKS() async throws -> Data {
        throw JWKSSourceError("GET https://idp.example/jwks answered 503 Service Unavailable")
    }
}

/// Test keys and hand-assembled tokens. Tokens are built byte by byte here, independently
/// of the code under test, so tests can craft any header, payload or signature.
enum TokenFixtures {
    static let issuer = "https://idp.example"
    static let audience = "auditgateway"
    /// 2026-11-27T09:00:00Z
    static let epoch = Date(timeIntervalSince1970: 1_795_770_000)

    /// Generated once per test process: 2048-bit key generation is slow.
    static let rsaKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let otherRSAKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let p256Key = P256.Signing.PrivateKey()
    static let ed25519Key = Curve25519.Signing.PrivateKey()

    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func json(_ object: [String: Any]) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }

    // MARK: JWKs

    static func rsaJWK(_ key: _RSA.Signing.PublicKey, kid: String, alg: String? = "RS256") -> [String: Any] {
        let primitives = try! key.getKeyPrimitives()
        var jwk: [String: Any] = [
            "kty": "RSA", "kid": kid, "use": "sig",
            "n": base64URL(primitives.modulus), "e": base64URL(primitives.publicExponent),
        ]
        if let alg { jwk["alg"] = alg }
        return jwk
    }

    static func ecJWK(_ key: P256.Signing.PublicKey, kid: String) -> [String: Any] {
        let raw = key.rawRepresentation
        return [
            "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256",
            "x": base64URL(raw.prefix(32)), "y": base64URL(raw.suffix(32)),
        ]
    }

    static func okpJWK(_ key: Curve25519.Signing.PublicKey, kid: String) -> [String: Any] {
        ["kty": "OKP", "crv": "Ed25519", "kid": kid, "alg": "EdDSA", "x": base64URL(key.rawRepresentation)]
    }

    static func jwks(_ keys: [[String: Any]]) -> Data {
        json(["keys": keys])
    }

    /// The standard JWKS: "rsa-1", "ec-1", "ed-1".
    static var standardJWKS: Data {
        jwks([
            rsaJWK(rsaKey.publicKey, kid: "rsa-1"),
            ecJWK(p256Key.publicKey, kid: "ec-1"),
            okpJWK(ed25519Key.publicKey, kid: "ed-1"),
        ])
    }

    // MARK: Tokens

    enum Signer {
        case rs256(_RSA.Signing.PrivateKey)
        case es256(P256.Signing.PrivateKey)
        case edDSA(Curve25519.Signing.PrivateKey)
        case hs256(key: Data)
        case none
        case raw(Data)

        func sign(_ input: Data) -> Data {
            switch self {
            case .rs256(let key):
                try! key.signature(for: SHA256.hash(data: input), padding: .insecurePKCS1v1_5).rawRepresentation
            case .es256(let key):
                try! key.signature(for: input).rawRepresentation
            case .edDSA(let key):
                try! key.signature(for: input)
            case .hs256(let key):
                Data(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: key)))
            case .none:
                Data()
            case .raw(let bytes):
                bytes
            }
        }
    }

    static func standardPayload(now: Date = epoch) -> [String: Any] {
        [
            "iss": issuer,
            "sub": "alice",
            "aud": audience,
            "iat": Int(now.timeIntervalSince1970) - 10,
            "exp": Int(now.timeIntervalSince1970) + 3600,
            "groups": ["dba", "oncall"],
            "jti": "jti-1",
        ]
    }

    static func token(header: [String: Any], payload: [String: Any], signer: Signer) -> String {
        let input = base64URL(json(header)) + "." + base64URL(json(payload))
        return input + "." + base64URL(signer.sign(Data(input.utf8)))
    }

    static func rs256(_ payload: [String: Any], kid: String = "rsa-1", key: _RSA.Signing.PrivateKey = rsaKey) -> String {
        token(header: ["alg": "RS256", "typ": "JWT", "kid": kid], payload: payload, signer: .rs256(key))
    }

    static func es256(_ payload: [String: Any], kid: String = "ec-1") -> String {
        token(header: ["alg": "ES256", "kid": kid], payload: payload, signer: .es256(p256Key))
    }

    static func edDSA(_ payload: [String: Any], kid: String = "ed-1", key: Curve25519.Signing.PrivateKey = ed25519Key) -> String {
        token(header: ["alg": "EdDSA", "kid": kid], payload: payload, signer: .edDSA(key))
    }

    /// Payload with `changes` applied; a value of `NSNull()` under `remove` deletes the claim.
    static func payload(removing removed: [String] = [], setting changes: [String: Any] = [:], now: Date = epoch) -> [String: Any] {
        var payload = standardPayload(now: now)
        for name in removed { payload.removeValue(forKey: name) }
        payload.merge(changes) { _, new in new }
        return payload
    }

    static func verifier(
        jwks: any JWKSSource = StaticJWKSSource(json: standardJWKS),
        clock: TokenTestClock = TokenTestClock(),
        groupsClaim: String = "groups",
        minimumRefetchInterval: TimeInterval = 30,
        cacheCapacity: Int = 100_000
    ) -> TokenVerifier {
        TokenVerifier(
            issuers: [IssuerConfiguration(issuer: issuer, audiences: [audience], jwks: jwks, groupsClaim: groupsClaim)],
            leeway: 30,
            minimumRefetchInterval: minimumRefetchInterval,
            cacheCapacity: cacheCapacity,
            now: clock.function
        )
    }
}

/// Verifies `token`, expects it to fail with `code`, checks the message leaks nothing of
/// the token, and returns the error for further checks.
@discardableResult
func expectTokenRejected(
    _ token: String,
    by verifier: TokenVerifier,
    as code: TokenVerificationError.Code,
    sourceLocation: SourceLocation = #_sourceLocation
) async -> TokenVerificationError? {
    do {
        let identity = try await verifier.verify(token)
        Issue.record("expected \(code), but the token verified as \(identity.subject)", sourceLocation: sourceLocation)
        return nil
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        if !token.isEmpty {
            #expect(!error.message.contains(token), "message contains the token", sourceLocation: sourceLocation)
            #expect(!error.description.contains(token), "description contains the token", sourceLocation: sourceLocation)
        }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 3, parts[2].count >= 8 {
            #expect(!error.message.contains(parts[2]), "message contains the signature", sourceLocation: sourceLocation)
        }
        return error
    }
}
