import AuditCore
import Crypto
import Foundation
import Testing

/// Tampering done directly on the SQLite file must be detected, naming the first bad event.
@Suite("Store verification")
struct StoreVerificationTests {
    /// 30 events (session start, 28 commands, session end), checkpoints at 10, 20, 30.
    static func makeStore(_ directory: StoreTestDirectory) async throws -> String {
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path, checkpointEvery: 10)
        let identity = StoreFixtures.identity()
        _ = try await store.append(AuditEvent(type: .sessionStart, time: StoreFixtures.epoch, sessionID: "s-1", identity: identity,
                                              connection: "orders-db", protocol: "postgres", fields: [AuditField.clientAddress: "10.0.0.5:51000"]))
        for index in 2...29 {
            _ = try await store.append(StoreFixtures.command(index))
        }
        _ = try await store.append(AuditEvent(type: .sessionEnd, time: StoreFixtures.epoch.addingTimeInterval(30), sessionID: "s-1",
                                              identity: identity, fields: [AuditField.reason: "client closed"]))
        let report = try await store.verify()
        #expect(report.ok, "fresh store should verify: \(String(describing: report.problem))")
        try await store.close()
        return path
    }

    static func expectProblem(_ path: String, seq: Int64?, kind: String, messageContains: String? = nil,
                              publicKey: Curve25519.Signing.PublicKey? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let report = try ChainVerifier.verify(storeAt: path, publicKey: publicKey)
        #expect(!report.ok, "tampering was not detected", sourceLocation: sourceLocation)
        #expect(report.problem?.kind == kind, "kind: \(String(describing: report.problem))", sourceLocation: sourceLocation)
        #expect(report.problem?.seq == seq, "seq: \(String(describing: report.problem))", sourceLocation: sourceLocation)
        if let messageContains {
            #expect(report.problem?.message.contains(messageContains) == true, "message: \(report.problem?.message ?? "")", sourceLocation: sourceLocation)
        }
    }

    @Test func validStoreVerifiesOnlineAndOffline() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        let report = try ChainVerifier.verify(storeAt: path)
        #expect(report.ok)
        #expect(report.problem == nil)
        #expect(report.eventsChecked == 30)
        #expect(report.lastSeq == 30)
        #expect(report.checkpointsChecked == 3)
        #expect(report.node == "node-a")
        #expect(report.keyIDs == [Checkpoint.keyID(of: StoreFixtures.key.publicKey)])

        let pinned = try ChainVerifier.verify(storeAt: path, publicKey: StoreFixtures.key.publicKey)
        #expect(pinned.ok)

        let reopened = try StoreFixtures.openStore(path)
        let online = try await reopened.verify()
        #expect(online.ok)
        #expect(online.eventsChecked == 30)
        try await reopened.close()
    }

    @Test func editedBodyIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try StoreFixtures.sqlite(path, "UPDATE events SET body = replace(body, 'SELECT 7', 'SELECT 8') WHERE seq = 7;")
        try Self.expectProblem(path, seq: 7, kind: VerificationProblem.edited, messageContains: "event 7: hash does not match its contents")
    }

    @Test func editedTimeColumnIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        // A time range query reads the column, not the body: moving an event out of range is an edit.
        try StoreFixtures.sqlite(path, "UPDATE events SET time_us = time_us - 86400000000 WHERE seq = 12; UPDATE events SET time_us = 0 WHERE seq = 14;")
        try Self.expectProblem(path, seq: 12, kind: VerificationProblem.columnMismatch, messageContains: "column time_us")
    }

    @Test func deletedRowIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try StoreFixtures.sqlite(path, "DELETE FROM events WHERE seq = 15;")
        try Self.expectProblem(path, seq: 15, kind: VerificationProblem.missing, messageContains: "event 15 is missing")
    }

    @Test func rowsDeletedFromTheEndAreNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try StoreFixtures.sqlite(path, "DELETE FROM events WHERE seq > 27;")
        try Self.expectProblem(path, seq: 28, kind: VerificationProblem.missing)
    }

    @Test func swappedRowsAreReported() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try StoreFixtures.sqlite(path, """
            UPDATE events SET seq = -1 WHERE seq = 5;
            UPDATE events SET seq = 5 WHERE seq = 6;
            UPDATE events SET seq = 6 WHERE seq = -1;
            """)
        try Self.expectProblem(path, seq: 5, kind: VerificationProblem.reordered, messageContains: "event 5 is out of order")
    }

    /// Shifts events after `after` up by one and inserts a forged event with a correctly
    /// recomputed hash at `after + 1`. With `rechain`, every later event's hashes are
    /// recomputed too, so only the signed checkpoints can reveal it.
    static func insertForgedEvent(path: String, after: Int64, rechain: Bool) throws {
        let previous = try StoreFixtures.rows(path, "SELECT hash FROM events WHERE seq = \(after)")
        let previousHex = try #require(previous.first?["hash"] as? String)
        var forged = StoreFixtures.command(99)
        forged.fields[AuditField.statement] = "DROP TABLE audit_evidence"
        forged.time = StoreFixtures.epoch.addingTimeInterval(Double(after) + 0.5)
        let body = forged.canonicalJSONString
        let seq = after + 1
        var chainHash = AuditChain.hash(previous: try #require(AuditChain.bytes(hex: previousHex)), seq: seq, body: Array(body.utf8))
        var sql = """
            UPDATE events SET seq = seq + 1000000 WHERE seq > \(after);
            UPDATE events SET seq = seq - 999999 WHERE seq > 1000000;
            INSERT INTO events(seq, time_us, body, prev_hash, hash)
            VALUES (\(seq), \(forged.timeMicroseconds), \(StoreFixtures.quoted(body)), '\(previousHex)', '\(AuditChain.hex(chainHash))');

            """
        if rechain {
            let later = try StoreFixtures.rows(path, "SELECT seq, body FROM events WHERE seq > \(after) ORDER BY seq")
            var previousHash = chainHash
            for row in later {
                let oldSeq = try #require(row["seq"] as? Int)
                let laterBody = try #require(row["body"] as? String)
                let newSeq = Int64(oldSeq) + 1
                chainHash = AuditChain.hash(previous: previousHash, seq: newSeq, body: Array(laterBody.utf8))
                sql += "UPDATE events SET prev_hash = '\(AuditChain.hex(previousHash))', hash = '\(AuditChain.hex(chainHash))' WHERE seq = \(newSeq);\n"
                previousHash = chainHash
            }
        }
        try StoreFixtures.sqlite(path, sql)
    }

    @Test func insertedRowIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try Self.insertForgedEvent(path: path, after: 13, rechain: false)
        try Self.expectProblem(path, seq: 14, kind: VerificationProblem.inserted, messageContains: "event 14 was inserted")
    }

    @Test func insertedRowWithRecomputedChainIsCaughtByCheckpoint() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try Self.insertForgedEvent(path: path, after: 13, rechain: true)
        // Every hash is consistent again; the checkpoint signed at event 20 is not.
        try Self.expectProblem(path, seq: 20, kind: VerificationProblem.checkpointMismatch, messageContains: "events 11–20 were rewritten")
    }

    @Test func checkpointWithWrongSignatureIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        let row = try #require(try StoreFixtures.rows(path, "SELECT hash FROM checkpoints WHERE seq = 20").first)
        let hash = try #require(row["hash"] as? String)
        let forged = try StoreFixtures.otherKey.signature(for: Checkpoint.signedMessage(node: "node-a", seq: 20, hash: hash))
        try StoreFixtures.sqlite(path, "UPDATE checkpoints SET signature = '\(Data(forged).base64EncodedString())' WHERE seq = 20;")
        try Self.expectProblem(path, seq: 20, kind: VerificationProblem.badCheckpointSignature, messageContains: "checkpoint at event 20")
    }

    @Test func checkpointsSignedByAnotherKeyFailWhenTheKeyIsPinned() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try Self.expectProblem(path, seq: 10, kind: VerificationProblem.badCheckpointSignature,
                               messageContains: "unknown key", publicKey: StoreFixtures.otherKey.publicKey)
    }

    @Test func replacedRecordedKeyIsReported() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        let otherPublic = StoreFixtures.otherKey.publicKey.rawRepresentation.base64EncodedString()
        try StoreFixtures.sqlite(path, "UPDATE keys SET public_key = '\(otherPublic)';")
        let report = try ChainVerifier.verify(storeAt: path)
        #expect(!report.ok)
        #expect(report.problem?.kind == VerificationProblem.badKey)
    }

    @Test func onlineVerifyReportsTheSameProblem() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        try StoreFixtures.sqlite(path, "UPDATE events SET body = replace(body, 'SELECT 25', 'SELECT 26') WHERE seq = 25;")
        // Event 25 is before the last checkpoint (30), so the store still opens; verify names it.
        let store = try StoreFixtures.openStore(path)
        let report = try await store.verify()
        #expect(report.problem?.seq == 25)
        #expect(report.problem?.kind == VerificationProblem.edited)
        #expect(report.eventsChecked == 24)
        try await store.close()
    }

    @Test func storeRefusesToExtendATamperedUnsignedTail() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        // Remove the last checkpoint so events 21–30 are unsigned, then edit one of them.
        try StoreFixtures.sqlite(path, """
            DELETE FROM checkpoints WHERE seq = 30;
            UPDATE events SET body = replace(body, 'SELECT 22', 'SELECT 23') WHERE seq = 22;
            """)
        let error = try #require(throws: AuditStoreError.self) { try StoreFixtures.openStore(path) }
        #expect(error.code == .corrupt)
        #expect(error.message.contains("event 22"))
    }

    @Test func missingFileAndForeignFileAreErrors() async throws {
        let directory = try StoreTestDirectory()
        #expect(throws: AuditStoreError.self) { try ChainVerifier.verify(storeAt: directory.file("nope.sqlite")) }
        let other = directory.file("other.sqlite")
        try StoreFixtures.sqlite(other, "CREATE TABLE t(x);", dropTriggers: false)
        let error = try #require(throws: AuditStoreError.self) { try ChainVerifier.verify(storeAt: other) }
        #expect(error.code == .notAStore)
    }

    @Test func storeOfAnotherNodeIsRefused() async throws {
        let directory = try StoreTestDirectory()
        let path = try await Self.makeStore(directory)
        let error = try #require(throws: AuditStoreError.self) {
            try SQLiteAuditStore(path: path, nodeID: "node-b", signingKey: StoreFixtures.key)
        }
        #expect(error.code == .wrongNode)
        #expect(error.message.contains("node-a"))
    }
}
