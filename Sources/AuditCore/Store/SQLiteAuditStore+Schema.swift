import Crypto
import Foundation
import GRDB

extension SQLiteAuditStore {
    /// The schema version this code writes; newer files are refused.
    static let schemaVersion = 3

    /// Creates the tables on first use (idempotent) and checks the file belongs to `nodeID`.
    ///
    /// Tables:
    /// - `events(seq INTEGER PRIMARY KEY, time_us, body, prev_hash, hash)` — `body` is the
    ///   canonical JSON that is hashed; `time_us` is its time, checked by verification.
    ///   Nothing else: the store file holds what the chain covers. Indexed by `seq` alone, so
    ///   an insert touches just the right edge of one B-tree and every commit writes as few
    ///   pages as possible (time ranges use the lookup's copy; earlier builds' `events_time`
    ///   index is dropped).
    /// - `checkpoints(seq PRIMARY KEY, node, hash, time_us, key_id, signature)`.
    /// - `keys(key_id PRIMARY KEY, public_key, added_us)` — every key that signed checkpoints.
    /// - The lookup tables — `event_lookup` (session, subject, connection, type, time),
    ///   `lookup_postings` (each name's events per indexer step), `lookup_time` (time range
    ///   per block of events), `names` and `sessions` — are derived from `events` by
    ///   ``EventIndexer`` into a file of their own.
    /// - `meta(key PRIMARY KEY, value)` — `schema_version`, `node_id`, `public_key`, `key_id`.
    ///
    /// Triggers refuse UPDATE and DELETE on `events` and `checkpoints` (defence in depth: the
    /// chain, not the triggers, is what proves integrity).
    static func migrate(_ db: Database, nodeID: String, publicKey: Curve25519.Signing.PublicKey) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
            """)
        if let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'"), let number = Int(version),
           number > schemaVersion {
            throw AuditStoreError(.unsupportedSchema, "the audit store was written by a newer AuditGateway (schema \(number), this build reads \(schemaVersion)); upgrade the gateway")
        }
        if let existing = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'node_id'"), existing != nodeID {
            throw AuditStoreError(.wrongNode, "the audit store belongs to node \"\(existing)\", not \"\(nodeID)\"; set the node id to \"\(existing)\" or use another data directory")
        }
        if try db.tableExists("events"), try db.columns(in: "events").contains(where: { $0.name == "node" }) {
            try dropColumnCopies(db)
        }
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS events(
                seq INTEGER PRIMARY KEY,
                time_us INTEGER NOT NULL,
                body TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            DROP INDEX IF EXISTS events_time;
            CREATE TRIGGER IF NOT EXISTS events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
            CREATE TRIGGER IF NOT EXISTS events_append_only_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

            CREATE TABLE IF NOT EXISTS checkpoints(
                seq INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                hash TEXT NOT NULL,
                time_us INTEGER NOT NULL,
                key_id TEXT NOT NULL,
                signature TEXT NOT NULL
            );
            CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_update BEFORE UPDATE ON checkpoints
                BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;
            CREATE TRIGGER IF NOT EXISTS checkpoints_append_only_delete BEFORE DELETE ON checkpoints
                BEGIN SELECT RAISE(ABORT, 'checkpoints are append-only'); END;

            CREATE TABLE IF NOT EXISTS keys(
                key_id TEXT PRIMARY KEY NOT NULL,
                public_key TEXT NOT NULL,
                added_us INTEGER NOT NULL
            );
            """)
        if let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'"), version != String(schemaVersion) {
            try dropDerivedTables(db)
        }
        let keyID = Checkpoint.keyID(of: publicKey)
        let encodedKey = publicKey.rawRepresentation.base64EncodedString()
        let now = AuditEvent.microseconds(Date())
        try db.execute(sql: "INSERT OR IGNORE INTO keys(key_id, public_key, added_us) VALUES (?, ?, ?)", arguments: [keyID, encodedKey, now])
        for (key, value) in [("schema_version", String(schemaVersion)), ("node_id", nodeID), ("public_key", encodedKey), ("key_id", keyID)] {
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Versions 1 and 2 kept derived data in the store file: version 1 secondary indexes on
    /// `events` and a `sessions` table, version 2 `event_lookup` and `sessions`. Version 3
    /// derives both into the lookup file (``EventIndexer``), which rebuilds them from `events`.
    /// (``dropColumnCopies(_:)`` has already dropped the version-1 indexes with their table.)
    /// Versions 1 and 2 also copied the body's type, session, identity, connection and
    /// protocol, and the node, into columns of `events`. Version 3 keeps only what the chain
    /// covers (and `time_us`), so `events` is rebuilt without them — once, in the opening
    /// transaction; the bodies and hashes are copied unchanged.
    private static func dropColumnCopies(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE events_v3(
                seq INTEGER PRIMARY KEY,
                time_us INTEGER NOT NULL,
                body TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            INSERT INTO events_v3(seq, time_us, body, prev_hash, hash) SELECT seq, time_us, body, prev_hash, hash FROM events ORDER BY seq;
            DROP TABLE events;
            ALTER TABLE events_v3 RENAME TO events;
            """)
    }

    private static func dropDerivedTables(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS events_session;
            DROP INDEX IF EXISTS events_subject;
            DROP INDEX IF EXISTS events_connection;
            DROP INDEX IF EXISTS events_type;
            DROP TABLE IF EXISTS event_lookup;
            DROP TABLE IF EXISTS sessions;
            """)
    }
}
