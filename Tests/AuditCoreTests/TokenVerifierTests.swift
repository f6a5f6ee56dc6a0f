import AuditCore
import Crypto
import Foundation
import Testing
import _CryptoExtras

@Suite("TokenVerifier")
struct TokenVerifierTests {
    typealias F = TokenFixtures

    // MARK: Valid tokens

    @Test func acceptsRS256() async throws {
        let payload = F.payload(setting: [
            "parent_jti": "jti-0",
            "connections": ["pg-prod", "ssh-bastion"],
            "act": ["sub": "nightly-etl"],
        ])
        let identity = try await F.verifier().verify(F.rs256(payload))
        #expect(identity.subject == "alice")
        #expect(identity.issuer == F.issuer)
        #expect(identity.groups == ["dba", "oncall"])
        #expect(identity.actors == ["nightly-etl"])
        #expect(identity.tokenID == "jti-1")
        #expect(identity.parentTokenID == "jti-0")
        #expect(identity.connections == ["pg-prod", "ssh-bastion"])
        #expect(identity.expiresAt == F.epoch.addingTimeInterval(3600))
    }

    @Test func acceptsES256() async throws {
        let identity = try await F.verifier().verify(F.es256(F.payload(setting: ["sub": "svc-ci", "jti": "e-1"])))
        #expect(identity.subject == "svc-ci")
        #expect(identity.groups == ["dba", "oncall"])
        #expect(identity.actors == [])
        #expect(identity.tokenID == "e-1")
        #expect(identity.parentTokenID == nil)
        #expect(identity.connections == nil)
        #expect(identity.expiresAt == F.epoch.addingTimeInterval(3600))
    }

    @Test func acceptsEdDSA() async throws {
        let payload = F.payload(setting: ["parent_jti": "root", "act": ["sub": "agent-7"], "exp": 1_795_771_234])
        let identity = try await F.verifier().verify(F.edDSA(payload))
        #expect(identity.subject == "alice")
        #expect(identity.actors == ["agent-7"])
        #expect(identity.parentTokenID == "root")
        #expect(identity.expiresAt == Date(timeIntervalSince1970: 1_795_771_234))
    }

    @Test func nestedActorsAreOutermostFirst() async throws {
        // RFC 8693 §4.1: the outer `act` is the current actor; nested ones came before.
        let payload = F.payload(setting: ["act": ["sub": "loader-3", "act": ["sub": "nightly-etl"]]])
        let identity = try await F.verifier().verify(F.edDSA(payload))
        #expect(identity.actors == ["loader-3", "nightly-etl"])
        #expect(identity.delegationPath == ["alice", "nightly-etl", "loader-3"])
    }

    @Test func audienceArrayNeedsOneMatch() async throws {
        let identity = try await F.verifier().verify(F.es256(F.payload(setting: ["aud": ["other", F.audience]])))
        #expect(identity.subject == "alice")
    }

    @Test func groupsMayBeOneStringOrAbsent() async throws {
        let verifier = F.verifier()
        let single = try await verifier.verify(F.edDSA(F.payload(setting: ["groups": "dba"])))
        #expect(single.groups == ["dba"])
        let none = try await verifier.verify(F.edDSA(F.payload(removing: ["groups"])))
        #expect(none.groups == [])
    }

    @Test func groupsComeFromTheConfiguredClaim() async throws {
        let verifier = F.verifier(groupsClaim: "realm_access.roles")
        let payload = F.payload(setting: ["realm_access": ["roles": ["admin", "auditor"]]])
        let identity = try await verifier.verify(F.rs256(payload))
        #expect(identity.groups == ["admin", "auditor"])
        let flat = F.verifier(groupsClaim: "roles")
        #expect(try await flat.verify(F.rs256(F.payload(setting: ["roles": ["r1"]]))).groups == ["r1"])
    }

    @Test func expiryWithinLeewayIsAccepted() async throws {
        let payload = F.payload(setting: ["exp": Int(F.epoch.timeIntervalSince1970) - 29])
        #expect(try await F.verifier(cacheCapacity: 0).verify(F.edDSA(payload)).subject == "alice")
    }

    // MARK: Structure

    static let malformedTokens: [(String, String)] = [
        ("empty", ""),
        ("garbage", "this is not a token at all"),
        ("two parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9"),
        ("four parts", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl.c2lnbmF0dXJl"),
        ("bad base64 header", "eyJhbGciOi*SUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        ("padded base64 header", "eyJhbGciOiJSUzI1NiJ9=.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        ("header not JSON", F.base64URL(Data("not json".utf8)) + ".eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        ("header JSON array", F.base64URL(Data("[1,2]".utf8)) + ".eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"),
        ("payload not JSON", "eyJhbGciOiJSUzI1NiJ9." + F.base64URL(Data("alice".utf8)) + ".c2lnbmF0dXJl"),
        ("payload bad base64", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIi+iJhbGljZSJ9.c2lnbmF0dXJl"),
        ("signature bad base64", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0/XJl"),
        ("too long", "eyJhbGciOiJSUzI1NiJ9." + String(repeating: "A", count: 17_000) + ".c2lnbmF0dXJl"),
        ("whitespace", " " + F.edDSA(F.standardPayload())),
    ]

    @Test(arguments: malformedTokens)
    func malformedIsRejected(name: String, token: String) async {
        await expectTokenRejected(token, by: F.verifier(), as: .malformed)
    }

    @Test func deeplyNestedJSONDoesNotCrash() async {
        let deep = "{\"sub\":" + String(repeating: "[", count: 6000) + String(repeating: "]", count: 6000) + "}"
        let token = F.base64URL(Data("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\"}".utf8)) + "." + F.base64URL(Data(deep.utf8)) + ".AAAA"
        await expectTokenRejected(token, by: F.verifier(), as: .malformed)
    }

    @Test func duplicateClaimsAreRejected() async {
        // Parsers disagree on which duplicate wins; refuse the ambiguity outright.
        let payload = #"{"iss":"https://idp.example","sub":"alice","sub":"root","aud":"auditgateway","iat":1795769990,"exp":1795773600}"#
        let header = F.base64URL(F.json(["alg": "EdDSA", "kid": "ed-1"]))
        let input = header + "." + F.base64URL(Data(payload.utf8))
        let token = input + "." + F.base64URL(F.Signer.edDSA(F.ed25519Key).sign(Data(input.utf8)))
        let error = await expectTokenRejected(token, by: F.verifier(), as: .malformed)
        #expect(error?.message.contains("duplicate key") == true)
    }

    @Test func criticalHeaderExtensionsAreRejected() async {
        let token = F.token(header: ["alg": "EdDSA", "kid": "ed-1", "crit": ["b64"], "b64": false],
                            payload: F.standardPayload(), signer: .edDSA(F.ed25519Key))
        await expectTokenRejected(token, by: F.verifier(), as: .malformed)
    }

    // MARK: Algorithm

    @Test func algNoneIsRejected() async {
        let token = F.token(header: ["alg": "none", "kid": "rsa-1"], payload: F.standardPayload(), signer: .none)
        let error = await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
        #expect(error?.message.contains("'none'") == true)
    }

    @Test func algNoneInOtherCaseIsRejected() async {
        let token = F.token(header: ["alg": "NoNe", "kid": "rsa-1"], payload: F.standardPayload(), signer: .none)
        let error = await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
        #expect(error?.message.contains("'none'") == true)
    }

    @Test(arguments: ["HS256", "HS384", "HS512"])
    func hmacIsRejected(alg: String) async throws {
        // The classic confusion attack: HMAC keyed with the issuer's public RSA key.
        let secret = F.rsaKey.publicKey.derRepresentation
        let token = F.token(header: ["alg": alg, "kid": "rsa-1"], payload: F.standardPayload(), signer: .hs256(key: secret))
        let error = await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
        #expect(error?.message.contains("HMAC") == true)
        #expect(error?.message.contains(alg) == true)
    }

    @Test(arguments: ["PS256", "RS512", "ES384", "ES256K", "Ed25519", "rs256"])
    func otherAlgorithmsAreRejected(alg: String) async {
        let token = F.token(header: ["alg": alg, "kid": "rsa-1"], payload: F.standardPayload(), signer: .rs256(F.rsaKey))
        let error = await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
        #expect(error?.message.contains("RS256, ES256 or EdDSA") == true)
    }

    @Test func missingAlgIsRejected() async {
        let token = F.token(header: ["kid": "rsa-1"], payload: F.standardPayload(), signer: .rs256(F.rsaKey))
        await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
    }

    /// A key's type decides the algorithm: an RS256 header naming an EC key (and every
    /// other mismatch) is `.algorithmNotAllowed`, before any signature check.
    @Test(arguments: [("RS256", "ec-1"), ("RS256", "ed-1"), ("ES256", "rsa-1"), ("ES256", "ed-1"), ("EdDSA", "rsa-1"), ("EdDSA", "ec-1")])
    func algorithmMustMatchKeyType(alg: String, kid: String) async {
        let signer: F.Signer = switch alg {
        case "RS256": .rs256(F.rsaKey)
        case "ES256": .es256(F.p256Key)
        default: .edDSA(F.ed25519Key)
        }
        let token = F.token(header: ["alg": alg, "kid": kid], payload: F.standardPayload(), signer: signer)
        let error = await expectTokenRejected(token, by: F.verifier(), as: .algorithmNotAllowed)
        #expect(error?.message.contains("does not match key '\(kid)'") == true)
    }

    @Test func keyDeclaringAnotherAlgorithmIsNotUsed() async {
        let jwks = F.jwks([F.rsaJWK(F.rsaKey.publicKey, kid: "rsa-1", alg: "RS512")])
        let verifier = F.verifier(jwks: StaticJWKSSource(json: jwks))
        await expectTokenRejected(F.rs256(F.standardPayload()), by: verifier, as: .algorithmNotAllowed)
    }

    // MARK: Key id and issuer

    @Test func missingKeyIDIsRejected() async {
        let token = F.token(header: ["alg": "EdDSA"], payload: F.standardPayload(), signer: .edDSA(F.ed25519Key))
        await expectTokenRejected(token, by: F.verifier(), as: .missingKeyID)
    }

    @Test func nonStringKeyIDIsRejected() async {
        let token = F.token(header: ["alg": "EdDSA", "kid": 7], payload: F.standardPayload(), signer: .edDSA(F.ed25519Key))
        await expectTokenRejected(token, by: F.verifier(), as: .missingKeyID)
    }

    @Test func unknownKeyIDIsRejected() async {
        let verifier = F.verifier()
        let error = await expectTokenRejected(F.edDSA(F.standardPayload(), kid: "k9"), by: verifier, as: .unknownKeyID)
        #expect(error?.message.hasPrefix("unknown key id 'k9' for issuer 'https://idp.example'") == true)
    }

    @Test func unknownIssuerIsRejected() async {
        let token = F.edDSA(F.payload(setting: ["iss": "https://evil.example"]))
        let error = await expectTokenRejected(token, by: F.verifier(), as: .unknownIssuer)
        #expect(error?.message.contains("'https://evil.example'") == true)
    }

    @Test func missingIssuerIsRejected() async {
        await expectTokenRejected(F.edDSA(F.payload(removing: ["iss"])), by: F.verifier(), as: .missingClaim)
    }

    @Test func unloadableJWKSIsReportedWithTheKeyID() async {
        let verifier = F.verifier(jwks: TokenFailingJWKSSource())
        let error = await expectTokenRejected(F.edDSA(F.standardPayload()), by: verifier, as: .unknownKeyID)
        #expect(error?.message.contains("503") == true)
    }

    // MARK: Signature

    @Test func signatureByAnotherKeyIsRejected() async {
        await expectTokenRejected(F.rs256(F.standardPayload(), key: F.otherRSAKey), by: F.verifier(), as: .badSignature)
        await expectTokenRejected(F.edDSA(F.standardPayload(), key: Curve25519.Signing.PrivateKey()), by: F.verifier(), as: .badSignature)
        let es = F.token(header: ["alg": "ES256", "kid": "ec-1"], payload: F.standardPayload(), signer: .es256(P256.Signing.PrivateKey()))
        await expectTokenRejected(es, by: F.verifier(), as: .badSignature)
    }

    @Test(arguments: ["RS256", "ES256", "EdDSA"])
    func tamperedPayloadIsRejected(alg: String) async {
        let original = switch alg {
        case "RS256": F.rs256(F.standardPayload())
        case "ES256": F.es256(F.standardPayload())
        default: F.edDSA(F.standardPayload())
        }
        let parts = original.split(separator: ".")
        let forged = F.base64URL(F.json(F.payload(setting: ["sub": "root"])))
        let token = "\(parts[0]).\(forged).\(parts[2])"
        await expectTokenRejected(token, by: F.verifier(), as: .badSignature)
    }

    @Test func emptySignatureIsRejected() async {
        let token = F.token(header: ["alg": "EdDSA", "kid": "ed-1"], payload: F.standardPayload(), signer: .none)
        await expectTokenRejected(token, by: F.verifier(), as: .badSignature)
    }

    @Test func derEncodedES256SignatureIsRejected() async {
        let header = F.base64URL(F.json(["alg": "ES256", "kid": "ec-1"]))
        let payload = F.base64URL(F.json(F.standardPayload()))
        let der = try! F.p256Key.signature(for: Data("\(header).\(payload)".utf8)).derRepresentation
        await expectTokenRejected("\(header).\(payload).\(F.base64URL(der))", by: F.verifier(), as: .badSignature)
    }

    // MARK: Claims

    @Test(arguments: ["sub", "exp", "iat", "aud"])
    func requiredClaimIsMissing(claim: String) async {
        let error = await expectTokenRejected(F.edDSA(F.payload(removing: [claim])), by: F.verifier(), as: .missingClaim)
        #expect(error?.message == "claim '\(claim)' is missing")
    }

    static let wrongTypes: [(String, String)] = [
        ("sub", "number"), ("exp", "string"), ("iat", "string"), ("nbf", "string"), ("aud", "number"),
        ("aud", "mixed array"), ("groups", "number"), ("groups", "mixed array"), ("act", "string"),
        ("act.sub", "number"), ("jti", "number"), ("parent_jti", "array"), ("connections", "string"),
        ("connections", "mixed array"), ("exp", "bool"), ("exp", "null"),
    ]

    @Test(arguments: wrongTypes)
    func claimWithWrongTypeIsRejected(claim: String, type: String) async {
        let value: Any = switch type {
        case "number": 42
        case "string": "1795770000"
        case "mixed array": ["ok", 1]
        case "array": ["x"]
        case "bool": true
        default: NSNull()
        }
        let payload = claim == "act.sub"
            ? F.payload(setting: ["act": ["sub": value]])
            : F.payload(setting: [claim: value])
        let error = await expectTokenRejected(F.edDSA(payload), by: F.verifier(), as: .wrongClaimType)
        #expect(error?.message.hasPrefix("claim '\(claim)' must be") == true)
    }

    @Test func actorWithoutSubjectIsMissingClaim() async {
        let payload = F.payload(setting: ["act": ["sub": "loader-3", "act": ["client_id": "x"]]])
        let error = await expectTokenRejected(F.edDSA(payload), by: F.verifier(), as: .missingClaim)
        #expect(error?.message == "claim 'act.act.sub' is missing")
    }

    @Test func wrongAudienceIsRejected() async {
        let error = await expectTokenRejected(F.edDSA(F.payload(setting: ["aud": "x"])), by: F.verifier(), as: .wrongAudience)
        #expect(error?.message == "audience 'x' is not accepted (expected 'auditgateway')")
        await expectTokenRejected(F.edDSA(F.payload(setting: ["aud": ["a", "b"]])), by: F.verifier(), as: .wrongAudience)
        await expectTokenRejected(F.edDSA(F.payload(setting: ["aud": [String]()])), by: F.verifier(), as: .wrongAudience)
    }

    @Test func expiredIsRejected() async {
        let exp = Int(F.epoch.timeIntervalSince1970) - 31
        let error = await expectTokenRejected(F.edDSA(F.payload(setting: ["exp": exp])), by: F.verifier(), as: .expired)
        #expect(error?.message.hasPrefix("token expired at 2026-11-27T08:59:29Z") == true)
    }

    @Test func notYetValidIsRejected() async throws {
        let nbf = Int(F.epoch.timeIntervalSince1970) + 60
        let error = await expectTokenRejected(F.edDSA(F.payload(setting: ["nbf": nbf])), by: F.verifier(), as: .notYetValid)
        #expect(error?.message.contains("2026-11-27T09:01:00Z") == true)
        // Within leeway it is fine.
        let soon = F.edDSA(F.payload(setting: ["nbf": Int(F.epoch.timeIntervalSince1970) + 20]))
        #expect(try await F.verifier().verify(soon).subject == "alice")
    }

    @Test func issuedInFutureIsRejected() async {
        let iat = Int(F.epoch.timeIntervalSince1970) + 60
        await expectTokenRejected(F.edDSA(F.payload(setting: ["iat": iat])), by: F.verifier(), as: .issuedInFuture)
    }

    @Test func overlongActorChainIsRejected() async {
        var act: [String: Any] = ["sub": "a0"]
        for depth in 1...40 { act = ["sub": "a\(depth)", "act": act] }
        await expectTokenRejected(F.edDSA(F.payload(setting: ["act": act])), by: F.verifier(), as: .wrongClaimType)
    }

    @Test func hostileValuesAreQuotedAndTruncated() async {
        let kid = String(repeating: "k", count: 500) + "\n\u{1b}[31m"
        let error = await expectTokenRejected(F.edDSA(F.standardPayload(), kid: kid), by: F.verifier(), as: .unknownKeyID)
        #expect(error?.message.contains("\n") == false)
        #expect(error?.message.contains("\u{1b}") == false)
        #expect((error?.message.count ?? 0) < 300)
    }

    // MARK: Cache

    @Test func cacheHitReturnsTheSameIdentity() async throws {
        let verifier = F.verifier()
        let token = F.rs256(F.standardPayload())
        let first = try await verifier.verify(token)
        #expect(verifier.cacheCount == 1)
        let second = try await verifier.verify(token)
        #expect(first == second)
        #expect(verifier.cacheCount == 1)
    }

    @Test func expiredCachedTokenIsRejected() async throws {
        let clock = TokenTestClock()
        let verifier = F.verifier(clock: clock)
        let token = F.edDSA(F.standardPayload())
        _ = try await verifier.verify(token)
        #expect(verifier.cacheCount == 1)
        clock.advance(by: 3600 + 29)
        _ = try await verifier.verify(token)  // within leeway
        clock.advance(by: 2)
        let error = await expectTokenRejected(token, by: verifier, as: .expired)
        #expect(error?.message.hasPrefix("token expired at 2026-11-27T10:00:00Z") == true)
        #expect(verifier.cacheCount == 0)
    }

    @Test func cacheIsBounded() async throws {
        let verifier = F.verifier(cacheCapacity: 10)
        for index in 0..<25 {
            _ = try await verifier.verify(F.edDSA(F.payload(setting: ["jti": "t-\(index)"])))
            #expect(verifier.cacheCount <= 10)
        }
        #expect(verifier.cacheCount > 0)
    }

    @Test func cacheCanBeDisabled() async throws {
        let verifier = F.verifier(cacheCapacity: 0)
        _ = try await verifier.verify(F.edDSA(F.standardPayload()))
        #expect(verifier.cacheCount == 0)
    }

    @Test func rejectedTokensAreNotCached() async {
        let verifier = F.verifier()
        await expectTokenRejected(F.edDSA(F.payload(setting: ["aud": "x"])), by: verifier, as: .wrongAudience)
        #expect(verifier.cacheCount == 0)
    }
}
