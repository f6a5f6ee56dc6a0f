import Crypto
import Foundation
import GRDB

/// Walks a store's events in `seq` order, recomputing every hash, and checks checkpoints
/// as their events are reached, so the report names the first problem in chain order.
struct ChainVerification {
    let db: Database
    /// A pinned key; `nil` trusts the keys recorded in the store's `keys` table.
    let trustedKey: Curve25519.Signing.PublicKey?

    private struct StoredCheckpoint {
        var checkpoint: Checkpoint
        var node: String
    }

    func run(from firstSeq: Int64 = 1, previousHash: String = AuditChain.genesisHex) throws -> VerificationReport {
        guard try db.tableExists("meta"), try db.tableExists("events") else {
            throw AuditStoreError(.notAStore, "this file is not an AuditGateway audit store (no meta/events tables)")
        }
        guard let node = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'node_id'") else {
            throw AuditStoreError(.notAStore, "this audit store has no node id in its meta table")
        }
        var report = VerificationReport(ok: true, eventsChecked: 0, checkpointsChecked: 0, lastSeq: firstSeq - 1, node: node)
        func fail(_ seq: Int64?, _ kind: String, _ message: String) -> VerificationReport {
            var failed = report
            failed.ok = false
            failed.problem = VerificationProblem(seq: seq, kind: kind, message: message)
            return failed
        }

        // Keys: by the id computed from the key itself, so a swapped key cannot borrow an id.
        var keys: [String: Curve25519.Signing.PublicKey] = [:]
        if let trustedKey {
            keys[Checkpoint.keyID(of: trustedKey)] = trustedKey
        } else {
            for row in try Row.fetchAll(db, sql: "SELECT key_id, public_key FROM keys") {
                let storedID: String = row["key_id"]
                let encoded: String = row["public_key"]
                guard let raw = Data(base64Encoded: encoded), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                    return fail(nil, VerificationProblem.badKey, "recorded public key \(storedID) is not a valid Ed25519 key")
                }
                guard Checkpoint.keyID(of: key) == storedID else {
                    return fail(nil, VerificationProblem.badKey, "recorded public key \(storedID) does not match its id (replaced?)")
                }
                keys[storedID] = key
            }
        }
        var usedKeys = Set<String>()

        let checkpoints = try Row.fetchAll(
            db, sql: "SELECT seq, node, hash, time_us, key_id, signature FROM checkpoints WHERE seq >= ? ORDER BY seq", arguments: [firstSeq]
        ).map { row in
            StoredCheckpoint(
                checkpoint: Checkpoint(seq: row["seq"], hash: row["hash"], time: AuditEvent.date(microseconds: row["time_us"]), keyID: row["key_id"], signature: row["signature"]),
                node: row["node"]
            )
        }
        var nextCheckpoint = 0

        var expectedSeq = firstSeq
        var previousHex = previousHash
        guard var previous = AuditChain.bytes(hex: previousHash), previous.count == 32 else {
            return fail(firstSeq - 1, VerificationProblem.edited, "event \(firstSeq - 1): stored hash is not 64 hex digits (edited?)")
        }
        let lastCheckpointBefore = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM checkpoints WHERE seq < ?", arguments: [firstSeq]) ?? 0

        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT seq, time_us, body, prev_hash, hash FROM events WHERE seq >= ? ORDER BY seq
                """,
            arguments: [firstSeq]
        )
        var lastGoodCheckpoint = lastCheckpointBefore
        while let row = try rows.next() {
            let seq: Int64 = row[0]
            let body: String = row[2]
            let storedPrevious: String = row[3]
            let storedHash: String = row[4]

            if seq != expectedSeq {
                return fail(expectedSeq, VerificationProblem.missing,
                            "event \(expectedSeq) is missing (deleted?): after event \(expectedSeq - 1) the next stored event is \(seq)")
            }
            let linkOK = storedPrevious == previousHex
            let hashBase: [UInt8]
            if linkOK {
                hashBase = previous
            } else if let bytes = AuditChain.bytes(hex: storedPrevious), bytes.count == 32 {
                hashBase = bytes
            } else {
                return fail(seq, VerificationProblem.edited, "event \(seq): its previous hash is not 64 hex digits (edited?)")
            }
            let recomputed = AuditChain.hash(previous: hashBase, seq: seq, body: body)
            let recomputedHex = AuditChain.hex(recomputed)
            let selfConsistent = recomputedHex == storedHash

            if !linkOK {
                if let other = try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE hash = ? AND seq <> ? LIMIT 1", arguments: [storedPrevious, seq]) {
                    if other < seq - 1 {
                        let first = other + 1
                        let range = first == seq - 1 ? "event \(first) was" : "events \(first)–\(seq - 1) were"
                        return fail(first, VerificationProblem.inserted,
                                    "\(range) inserted: event \(seq) chains to event \(other), not to event \(seq - 1)")
                    }
                    if other > seq {
                        return fail(seq, VerificationProblem.reordered,
                                    "event \(seq) is out of order (reordered?): it chains to event \(other), which comes after it")
                    }
                }
                if selfConsistent {
                    return fail(seq, VerificationProblem.brokenLink,
                                "event \(seq) does not chain to event \(seq - 1): its previous hash was changed (replaced or forged?)")
                }
                return fail(seq, VerificationProblem.edited,
                            "event \(seq): neither its previous hash nor its hash match the chain (edited?)")
            }
            if !selfConsistent {
                return fail(seq, VerificationProblem.edited, "event \(seq): hash does not match its contents (edited?)")
            }

            // The body must be a canonical event, and the time column must say the same.
            let event: AuditEvent
            do {
                event = try AuditEvent(canonicalJSON: body.utf8)
            } catch {
                return fail(seq, VerificationProblem.malformed, "event \(seq): body is not a valid event (\(error))")
            }
            if event.canonicalJSONString != body {
                return fail(seq, VerificationProblem.malformed, "event \(seq): body is not in canonical form")
            }
            let time: Int64? = row[1]
            if time != event.timeMicroseconds {
                return fail(seq, VerificationProblem.columnMismatch,
                            "event \(seq): column time_us does not match the hashed event body (edited?)")
            }

            // Checkpoints at this event.
            while nextCheckpoint < checkpoints.count, checkpoints[nextCheckpoint].checkpoint.seq <= seq {
                let stored = checkpoints[nextCheckpoint]
                let checkpoint = stored.checkpoint
                nextCheckpoint += 1
                guard checkpoint.seq == seq else {
                    return fail(checkpoint.seq, VerificationProblem.missing, "checkpoint at event \(checkpoint.seq) refers to no stored event")
                }
                guard let key = keys[checkpoint.keyID] else {
                    let expected = trustedKey.map { " (expected key \(Checkpoint.keyID(of: $0)))" } ?? ""
                    return fail(seq, VerificationProblem.badCheckpointSignature,
                                "checkpoint at event \(seq) was signed by unknown key \(checkpoint.keyID)\(expected)")
                }
                guard stored.node == node, checkpoint.isValidSignature(node: node, key: key) else {
                    return fail(seq, VerificationProblem.badCheckpointSignature,
                                "checkpoint at event \(seq): signature does not verify with key \(checkpoint.keyID) (forged or edited checkpoint?)")
                }
                guard checkpoint.hash == storedHash else {
                    return fail(seq, VerificationProblem.checkpointMismatch,
                                "checkpoint at event \(seq) does not match the chain: events \(lastGoodCheckpoint + 1)–\(seq) were rewritten after it was signed")
                }
                usedKeys.insert(checkpoint.keyID)
                report.checkpointsChecked += 1
                report.keyIDs = usedKeys.sorted()
                lastGoodCheckpoint = seq
            }

            previous = recomputed
            previousHex = recomputedHex
            report.eventsChecked += 1
            report.lastSeq = seq
            expectedSeq = seq + 1
        }
        if nextCheckpoint < checkpoints.count {
            let checkpoint = checkpoints[nextCheckpoint].checkpoint
            return fail(report.lastSeq + 1, VerificationProblem.missing,
                        "events \(report.lastSeq + 1)–\(checkpoint.seq) are missing: a checkpoint covers event \(checkpoint.seq) but the last stored event is \(report.lastSeq) (deleted from the end?)")
        }
        return report
    }
}
