import ArgumentParser
import AuditCore
import Crypto
import Foundation
import _CryptoExtras

/// `audit-bench tokens`: token verifications per second for RS256, ES256 and EdDSA,
/// cold (verification cache disabled: parse, key lookup, signature, claims every time) and
/// cached (the same token again: one SHA-256 and a dictionary lookup).
struct TokenBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens",
        abstract: "Measure token verifications per second (RS256, ES256, EdDSA; cold and cached)."
    )

    @Option(help: "Verifications per measurement.")
    var iterations: Int = 20_000

    @Option(help: "Run each measurement for this many seconds instead of a fixed number of iterations.")
    var seconds: Double?

    @Option(help: "Concurrent tasks verifying at once.")
    var tasks: Int = 1

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard tasks > 0 else { throw ValidationError("--tasks must be positive") }
        if let seconds, seconds <= 0 { throw ValidationError("--seconds must be positive") }
    }

    func run() async throws {
        let issuer = "https://bench.example"
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let p256 = P256.Signing.PrivateKey()
        let ed25519 = Curve25519.Signing.PrivateKey()
        let jwks = try JSONSerialization.data(withJSONObject: ["keys": [
            Self.rsaJWK(rsa.publicKey, kid: "rsa"),
            Self.ecJWK(p256.publicKey, kid: "ec"),
            ["kty": "OKP", "crv": "Ed25519", "kid": "ed", "x": Self.base64URL(ed25519.publicKey.rawRepresentation)],
        ]])
        let now = Date()
        let payload: [String: Any] = [
            "iss": issuer, "sub": "alice", "aud": "auditgateway", "groups": ["dba"],
            "iat": Int(now.timeIntervalSince1970), "exp": Int(now.timeIntervalSince1970) + 3600,
            "act": ["sub": "loader-3", "act": ["sub": "nightly-etl"]], "jti": UUID().uuidString,
        ]
        let tokens: [(String, String)] = [
            ("RS256", try Self.token(alg: "RS256", kid: "rsa", payload: payload) {
                try rsa.signature(for: SHA256.hash(data: $0), padding: .insecurePKCS1v1_5).rawRepresentation
            }),
            ("ES256", try Self.token(alg: "ES256", kid: "ec", payload: payload) { try p256.signature(for: $0).rawRepresentation }),
            ("EdDSA", try Self.token(alg: "EdDSA", kid: "ed", payload: payload) { try ed25519.signature(for: $0) }),
        ]

        print("token verification: \(seconds.map { "\($0)s" } ?? "\(iterations) iterations") per row, \(tasks) task(s)")
        print(Self.row("algorithm", "mode", "verifications", "seconds", "verif/s", "µs each"))
        for (name, token) in tokens {
            for cached in [false, true] {
                let verifier = TokenVerifier(
                    issuers: [IssuerConfiguration(issuer: issuer, audiences: ["auditgateway"], jwks: StaticJWKSSource(json: jwks))],
                    cacheCapacity: cached ? 100_000 : 0
                )
                _ = try await verifier.verify(token)  // load keys, warm the cache
                let (count, elapsed) = try await measure(verifier, token)
                let rate = Double(count) / elapsed
                print(Self.row(
                    name, cached ? "cached" : "cold", "\(count)", String(format: "%.3f", elapsed),
                    String(format: "%.0f", rate), String(format: "%.2f", 1e6 / rate * Double(tasks))))
            }
        }
    }

    private func measure(_ verifier: TokenVerifier, _ token: String) async throws -> (Int, Double) {
        let perTask = max(1, iterations / tasks)
        let deadline = seconds.map { ContinuousClock.now + .milliseconds(Int($0 * 1000)) }
        let start = ContinuousClock.now
        let count = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    var done = 0
                    if let deadline {
                        while ContinuousClock.now < deadline {
                            for _ in 0..<64 { _ = try await verifier.verify(token) }
                            done += 64
                        }
                    } else {
                        for _ in 0..<perTask { _ = try await verifier.verify(token) }
                        done = perTask
                    }
                    return done
                }
            }
            return try await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        return (count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    private static func row(_ columns: String...) -> String {
        let widths = [10, 7, 14, 9, 10, 9]
        return zip(columns, widths).map { column, width in
            column.count >= width ? column : column + String(repeating: " ", count: width - column.count)
        }.joined(separator: " ")
    }

    private static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func token(alg: String, kid: String, payload: [String: Any], sign: (Data) throws -> Data) throws -> String {
        let header = try JSONSerialization.data(withJSONObject: ["alg": alg, "kid": kid, "typ": "JWT"])
        let input = base64URL(header) + "." + base64URL(try JSONSerialization.data(withJSONObject: payload))
        return input + "." + base64URL(try sign(Data(input.utf8)))
    }

    private static func rsaJWK(_ key: _RSA.Signing.PublicKey, kid: String) throws -> [String: Any] {
        let primitives = try key.getKeyPrimitives()
        return ["kty": "RSA", "kid": kid, "n": base64URL(primitives.modulus), "e": base64URL(primitives.publicExponent)]
    }

    private static func ecJWK(_ key: P256.Signing.PublicKey, kid: String) -> [String: Any] {
        let raw = key.rawRepresentation
        return ["kty": "EC", "crv": "P-256", "kid": kid, "x": base64URL(raw.prefix(32)), "y": base64URL(raw.suffix(32))]
    }
}
