import AuditCore
import Crypto
import Foundation
import Testing

@Suite("Ed25519 token signer and key file")
struct TokenSignerTests {
    typealias F = TokenFixtures

    static func gatewayVerifier(_ signer: Ed25519TokenSigner, now: Date = F.epoch) -> TokenVerifier {
        TokenVerifier(
            issuers: [IssuerConfiguration(issuer: signer.issuer, audiences: ["auditgateway"], jwks: StaticJWKSSource(json: signer.jwksJSON()))],
            now: { now }
        )
    }

    @Test func mintedTokenVerifies() async throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = Ed25519TokenSigner(issuer: "https://gw.example", keyID: Ed25519KeyFile.keyID(for: key.publicKey), privateKey: key)
        let claims = TokenClaims(
            subject: "alice", audience: ["auditgateway"], groups: ["dba"], actors: ["loader-3", "nightly-etl"],
            tokenID: "child-1", parentTokenID: "parent-1", connections: ["pg-prod"],
            issuedAt: F.epoch, expiresAt: F.epoch.addingTimeInterval(900.7))
        let token = try signer.mint(claims)
        let identity = try await Self.gatewayVerifier(signer).verify(token)
        #expect(identity == Identity(
            subject: "alice", issuer: "https://gw.example", groups: ["dba"], actors: ["loader-3", "nightly-etl"],
            tokenID: "child-1", parentTokenID: "parent-1", issuedAt: F.epoch, expiresAt: F.epoch.addingTimeInterval(900), connections: ["pg-prod"]))
        #expect(identity.delegationPath.joined(separator: " → ") == "alice → nightly-etl → loader-3")
    }

    @Test func mintedTokensFitAnSSHPassword() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = Ed25519TokenSigner(issuer: "https://gw.example:8443", keyID: Ed25519KeyFile.keyID(for: key.publicKey), privateKey: key)
        let token = try signer.mint(TokenClaims(
            subject: "alice@example.com", audience: ["auditgateway"], groups: ["dba", "oncall"],
            actors: ["ci-runner", "migrate-job"], parentTokenID: UUID().uuidString.lowercased(),
            connections: ["pg-prod"], expiresAt: Date().addingTimeInterval(600)))
        #expect(token.utf8.count < 1023)
        #expect(!token.contains("="))
    }

    @Test func jwksPublishesOneEd25519Key() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = Ed25519TokenSigner(issuer: "gw", keyID: "kid-1", privateKey: key)
        let object = try JSONSerialization.jsonObject(with: signer.jwksJSON()) as? [String: Any]
        let keys = try #require(object?["keys"] as? [[String: Any]])
        #expect(keys.count == 1)
        #expect(keys[0]["kty"] as? String == "OKP")
        #expect(keys[0]["crv"] as? String == "Ed25519")
        #expect(keys[0]["alg"] as? String == "EdDSA")
        #expect(keys[0]["use"] as? String == "sig")
        #expect(keys[0]["kid"] as? String == "kid-1")
        #expect(keys[0]["x"] as? String == F.base64URL(key.publicKey.rawRepresentation))
        #expect(keys[0]["d"] == nil)
    }

    @Test func keyFileIsCreatedOnceWithMode0600() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("node.key").path
        let created = try Ed25519KeyFile.loadOrCreate(at: path)
        let loaded = try Ed25519KeyFile.loadOrCreate(at: path)
        #expect(created.rawRepresentation == loaded.rawRepresentation)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let contents = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: contents)?.count == 32)
    }

    @Test func keyFileReadableByOthersIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        _ = try Ed25519KeyFile.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let error = #expect(throws: Ed25519KeyFileError.self) { try Ed25519KeyFile.loadOrCreate(at: path) }
        #expect(error?.message.contains("chmod 600") == true)
    }

    @Test func keyFileWithGarbageIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        FileManager.default.createFile(atPath: path, contents: Data("not a key".utf8), attributes: [.posixPermissions: 0o600])
        #expect(throws: Ed25519KeyFileError.self) { try Ed25519KeyFile.loadOrCreate(at: path) }
    }

    @Test func keyIDIsSixteenHexCharactersOfTheKeyHash() {
        let key = Curve25519.Signing.PrivateKey().publicKey
        let id = Ed25519KeyFile.keyID(for: key)
        let expected = SHA256.hash(data: key.rawRepresentation).map { String(format: "%02x", $0) }.joined().prefix(16)
        #expect(id == String(expected))
    }

    @Test func identityCodableRoundTrip() throws {
        let identity = Identity(subject: "alice", issuer: "i", groups: ["g"], actors: ["b", "a"], tokenID: "t",
                                parentTokenID: "p", expiresAt: F.epoch, connections: ["c"])
        let decoded = try JSONDecoder().decode(Identity.self, from: JSONEncoder().encode(identity))
        #expect(decoded == identity)
        #expect(identity.delegationPath == ["alice", "a", "b"])
    }
}
