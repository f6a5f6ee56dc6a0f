import AuditCore
import Crypto
import Foundation
import Testing

@Suite("Token JWKS loading and refetch")
struct TokenKeyRefreshTests {
    typealias F = TokenFixtures

    static func jwks(_ kids: [String: Curve25519.Signing.PrivateKey]) -> Data {
        F.jwks(kids.sorted { $0.key < $1.key }.map { F.okpJWK($0.value.publicKey, kid: $0.key) })
    }

    @Test func jwksIsFetchedOnceAndReused() async throws {
        let source = TokenCountingJWKSSource(F.standardJWKS)
        let verifier = F.verifier(jwks: source, cacheCapacity: 0)
        for index in 0..<5 {
            _ = try await verifier.verify(F.edDSA(F.payload(setting: ["jti": "\(index)"])))
            _ = try await verifier.verify(F.rs256(F.payload(setting: ["jti": "\(index)"])))
        }
        #expect(source.fetches == 1)
        #expect(verifier.jwksFetchCount(issuer: F.issuer) == 1)
    }

    @Test func rotatedKeyIsPickedUpAfterTheInterval() async throws {
        let k1 = Curve25519.Signing.PrivateKey(), k2 = Curve25519.Signing.PrivateKey()
        let clock = TokenTestClock()
        let source = TokenCountingJWKSSource(Self.jwks(["k1": k1]))
        let verifier = F.verifier(jwks: source, clock: clock)
        _ = try await verifier.verify(F.edDSA(F.standardPayload(), kid: "k1", key: k1))
        #expect(source.fetches == 1)

        source.publish(Self.jwks(["k1": k1, "k2": k2]))
        let rotated = F.edDSA(F.standardPayload(), kid: "k2", key: k2)
        // The initial fetch was just now: the refetch is rate-limited.
        let error = await expectTokenRejected(rotated, by: verifier, as: .unknownKeyID)
        #expect(error?.message.contains("next refetch allowed in 30s") == true)
        #expect(source.fetches == 1)

        clock.advance(by: 31)
        #expect(try await verifier.verify(rotated).subject == "alice")
        #expect(source.fetches == 2)
    }

    @Test func unknownKeyIDsWithinTheIntervalRefetchOnce() async throws {
        let clock = TokenTestClock()
        let source = TokenCountingJWKSSource(F.standardJWKS)
        let verifier = F.verifier(jwks: source, clock: clock)
        _ = try await verifier.verify(F.edDSA(F.standardPayload()))
        clock.advance(by: 60)
        for index in 0..<20 {
            await expectTokenRejected(F.edDSA(F.standardPayload(), kid: "nope-\(index)"), by: verifier, as: .unknownKeyID)
        }
        #expect(source.fetches == 2)
    }

    @Test func concurrentUnknownKeyIDsShareOneFetch() async throws {
        let k2 = Curve25519.Signing.PrivateKey()
        let clock = TokenTestClock()
        let source = TokenCountingJWKSSource(Self.jwks(["k2": k2]), delay: .milliseconds(50))
        let verifier = F.verifier(jwks: source, clock: clock, cacheCapacity: 0)
        let token = F.edDSA(F.standardPayload(), kid: "k2", key: k2)
        try await withThrowingTaskGroup(of: Identity.self) { group in
            for _ in 0..<32 {
                group.addTask { try await verifier.verify(token) }
            }
            for try await identity in group {
                #expect(identity.subject == "alice")
            }
        }
        #expect(source.fetches == 1)
    }

    @Test func oldRemoteKeysAreRefreshedInTheBackground() async throws {
        let clock = TokenTestClock()
        let source = TokenCountingJWKSSource(F.standardJWKS)
        let verifier = F.verifier(jwks: source, clock: clock, cacheCapacity: 0)
        _ = try await verifier.verify(F.edDSA(F.standardPayload()))
        clock.advance(by: 3601)
        // The old keys still serve this request; a refresh starts behind it.
        let later = F.edDSA(F.standardPayload(now: clock.now))
        _ = try await verifier.verify(later)
        // Generous waits: the refresh runs on the cooperative pool, behind whatever else runs.
        let deadline = ContinuousClock.now + .seconds(10)
        while source.fetches < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(source.fetches == 2)
        // Once the issuer drops a key, it stops verifying after the next refresh.
        source.publish(F.jwks([F.rsaJWK(F.rsaKey.publicKey, kid: "rsa-1")]))
        clock.advance(by: 3601)
        _ = try await verifier.verify(F.edDSA(F.standardPayload(now: clock.now)))
        // The refreshed set (without the Ed25519 key) is installed just after its fetch.
        let dropped = F.edDSA(F.standardPayload(now: clock.now))
        while ContinuousClock.now < deadline + .seconds(10), (try? await verifier.verify(dropped)) != nil {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(source.fetches == 3)
        await expectTokenRejected(dropped, by: verifier, as: .unknownKeyID)
    }

    @Test func unusableKeysAreSkippedNotFatal() async throws {
        let ed = Curve25519.Signing.PrivateKey()
        var encryptionKey = F.okpJWK(Curve25519.Signing.PrivateKey().publicKey, kid: "enc")
        encryptionKey["use"] = "enc"
        let document = F.jwks([
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
            ["kty": "RSA", "kid": "oaep", "alg": "RSA-OAEP-256", "n": "AQAB", "e": "AQAB"],
            ["kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB"],
            ["kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"],
            ["kty": "OKP", "crv": "X25519", "kid": "x", "x": "AA"],
            encryptionKey,
            F.okpJWK(ed.publicKey, kid: "good"),
        ])
        let verifier = F.verifier(jwks: StaticJWKSSource(json: document))
        #expect(try await verifier.verify(F.edDSA(F.standardPayload(), kid: "good", key: ed)).subject == "alice")
        let error = await expectTokenRejected(F.edDSA(F.standardPayload(), kid: "hmac"), by: verifier, as: .unknownKeyID)
        #expect(error?.message.contains("'good'") == true)
        await expectTokenRejected(F.edDSA(F.standardPayload(), kid: "enc"), by: verifier, as: .unknownKeyID)
    }

    @Test func invalidJWKSDocumentIsReported() async {
        let verifier = F.verifier(jwks: StaticJWKSSource(json: Data("<html>".utf8)))
        let error = await expectTokenRejected(F.edDSA(F.standardPayload()), by: verifier, as: .unknownKeyID)
        #expect(error?.message.contains("not a JSON object with a 'keys' array") == true)
    }

    @Test func fileSourceIsReReadOnUnknownKeyID() async throws {
        let k1 = Curve25519.Signing.PrivateKey(), k2 = Curve25519.Signing.PrivateKey()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.jwks(["k1": k1]).write(to: URL(fileURLWithPath: path))
        let verifier = F.verifier(jwks: FileJWKSSource(path: path), minimumRefetchInterval: 0)
        _ = try await verifier.verify(F.edDSA(F.standardPayload(), kid: "k1", key: k1))
        try Self.jwks(["k2": k2]).write(to: URL(fileURLWithPath: path))
        #expect(try await verifier.verify(F.edDSA(F.standardPayload(), kid: "k2", key: k2)).subject == "alice")
    }

    @Test func missingFileIsNamedInTheError() async throws {
        let source = FileJWKSSource(path: "/nonexistent/jwks.json")
        await #expect(throws: JWKSSourceError.self) { try await source.fetchJWKS() }
        do {
            _ = try await source.fetchJWKS()
        } catch {
            #expect("\(error)".contains("/nonexistent/jwks.json"))
        }
    }
}
