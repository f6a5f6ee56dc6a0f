import Crypto
import Foundation
import GRDB

/// The single writer's state: the head of the chain and checkpoint bookkeeping.
///
/// Confinement: every method runs on GRDB's writer queue (inside a `DatabasePool` write
/// closure), which serialises them; that is why this class is `@unchecked Sendable`.
/// State advances only after a transaction commits, so a failed batch leaves the chain
/// exactly where it was.
final class ChainWriter: @unchecked Sendable {
    let nodeID: String
    let signingKey: Curve25519.Signing.PrivateKey
    let keyID: String
    let checkpointEvery: Int
    let checkpointInterval: Duration

    private(set) var lastSeq: Int64 = 0
    private(set) var lastHash: [UInt8] = AuditChain.genesis
    private(set) var lastHashHex: String = AuditChain.genesisHex
    private(set) var lastCheckpointSeq: Int64 = 0
    private var lastCheckpointAt = ContinuousClock.now

    init(nodeID: String, signingKey: Curve25519.Signing.PrivateKey, checkpointEvery: Int, checkpointInterval: TimeInterval) {
        self.nodeID = nodeID
        self.signingKey = signingKey
        self.keyID = Checkpoint.keyID(of: signingKey.publicKey)
        self.checkpointEvery = checkpointEvery
        self.checkpointInterval = .milliseconds(Int64((checkpointInterval * 1000).rounded()))
    }

    /// Reads the chain head and the last checkpoint from the database.
    func loadHead(_ db: Database) throws {
        if let row = try Row.fetchOne(db, sql: "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1") {
            let hex: String = row["hash"]
            guard let bytes = AuditChain.bytes(hex: hex), bytes.count == 32 else {
                throw AuditStoreError(.corrupt, "the last stored event's hash is not 64 hex digits; run `auditctl verify --store` on this file")
            }
            lastSeq = row["seq"]
            lastHash = bytes
            lastHashHex = hex
        } else {
            lastSeq = 0
            lastHash = AuditChain.genesis
            lastHashHex = AuditChain.genesisHex
        }
        lastCheckpointSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM checkpoints") ?? 0
        lastCheckpointAt = .now
    }

    private static let insertCheckpointSQL = "INSERT INTO checkpoints(seq, node, hash, time_us, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)"

    /// Writes `batch` in one transaction (plus a checkpoint when one is due) and commits.
    /// Returns the records in order. On error nothing was stored and the head is unchanged.
    /// Only `events` (and `checkpoints`) are written here; ``EventIndexer`` derives the rest.
    func write(_ batch: [SQLiteAuditStore.PendingAppend], db: Database) throws -> (records: [AuditRecord], checkpoint: Checkpoint?) {
        var seq = lastSeq
        var previous = lastHash
        var previousHex = lastHashHex
        var records: [AuditRecord] = []
        records.reserveCapacity(batch.reduce(0) { $0 + $1.events.count })
        var checkpoint: Checkpoint?
        let now = ContinuousClock.now

        try Self.immediateTransaction(db) {
            let insert = try EventInsertStatement(db)
            for append in batch {
                for encoded in append.events {
                    seq += 1
                    let digest = previous.withUnsafeBytes { previousBytes in
                        encoded.withBody { AuditChain.digest(previous: previousBytes, seq: seq, body: $0) }
                    }
                    let hashHex = AuditChain.hex(digest)
                    try insert.insert(seq: seq, encoded: encoded, previousHash: previousHex, hash: hashHex)
                    records.append(AuditRecord(seq: seq, node: nodeID, event: encoded.event, previousHash: previousHex, hash: hashHex))
                    digest.withUnsafeBytes { bytes in
                        previous.withUnsafeMutableBytes { $0.copyMemory(from: bytes) }
                    }
                    previousHex = hashHex
                }
            }
            if seq - lastCheckpointSeq >= Int64(checkpointEvery) || (seq > lastCheckpointSeq && now - lastCheckpointAt >= checkpointInterval) {
                checkpoint = try insertCheckpoint(db, seq: seq, hashHex: previousHex)
            }
        }
        // Committed: advance the head.
        lastSeq = seq
        lastHash = previous
        lastHashHex = previousHex
        if checkpoint != nil {
            lastCheckpointSeq = seq
            lastCheckpointAt = now
        }
        return (records, checkpoint)
    }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction and commits it, or rolls back and
    /// rethrows. Unlike GRDB's `inTransaction`, which prepares `BEGIN` and `COMMIT` anew each
    /// time, the two statements come from the connection's cache: at a few events per commit
    /// (one session's statement and the previous one's outcome) parsing them was a tenth of
    /// the writer's time.
    static func immediateTransaction(_ db: Database, _ body: () throws -> Void) throws {
        try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            try body()
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            if db.isInsideTransaction { try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute() }
            throw error
        }
    }

    /// Writes a checkpoint of the current head if events were added since the last one
    /// and (unless `force`) the checkpoint interval has passed.
    func checkpointIfNeeded(_ db: Database, force: Bool) throws -> Checkpoint? {
        guard lastSeq > lastCheckpointSeq else { return nil }
        let now = ContinuousClock.now
        guard force || now - lastCheckpointAt >= checkpointInterval else { return nil }
        var checkpoint: Checkpoint?
        let seq = lastSeq
        let hashHex = lastHashHex
        try db.inTransaction(.immediate) {
            checkpoint = try insertCheckpoint(db, seq: seq, hashHex: hashHex)
            return .commit
        }
        lastCheckpointSeq = seq
        lastCheckpointAt = now
        return checkpoint
    }

    private func insertCheckpoint(_ db: Database, seq: Int64, hashHex: String) throws -> Checkpoint {
        let time = AuditEvent.date(microseconds: AuditEvent.microseconds(Date()))
        let checkpoint = try Checkpoint.sign(node: nodeID, seq: seq, hash: hashHex, time: time, key: signingKey)
        try db.cachedStatement(sql: Self.insertCheckpointSQL).execute(arguments: [
            checkpoint.seq, nodeID, checkpoint.hash, AuditEvent.microseconds(checkpoint.time), checkpoint.keyID, checkpoint.signature,
        ])
        return checkpoint
    }
}
