import Crypto
import Foundation
import GRDB

extension SQLiteAuditStore {
    /// The schema version this code writes; newer files are refused.
    static let schemaVersion = 2

    /// Creates the tables on first use (idempotent) and checks the file belongs to `nodeID`.
    ///
    /// Tables:
    /// - `events(seq INTEGER PRIMARY KEY, node, time_us, type, session_id, subject, actors,
    ///   token_id, connection, protocol, body, prev_hash, hash)` — `body` is the canonical
    ///   JSON that is hashed; the other columns are copies for querying, checked by
    ///   verification. Indexed by `seq` and `time_us` only, so an insert touches just the
    ///   right edge of two B-trees.
    /// - `event_lookup(seq PRIMARY KEY, session_id, subject, connection, type)` — the
    ///   secondary indexes (session, subject, connection), derived from `events` in bulk by
    ///   ``EventIndexer``. `type` is not indexed (few values, one of them most events) but
    ///   read here, from narrow rows, when filtering by type.
    /// - `checkpoints(seq PRIMARY KEY, node, hash, time_us, key_id, signature)`.
    /// - `keys(key_id PRIMARY KEY, public_key, added_us)` — every key that signed checkpoints.
    /// - `sessions(id PRIMARY KEY, started_us, ended_us, end_reason, subject, actors, token_id,
    ///   connection, protocol, client_address, command_count, start_seq, end_seq)` — also
    ///   derived by ``EventIndexer``.
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
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS events(
                seq INTEGER PRIMARY KEY,
                node TEXT NOT NULL,
                time_us INTEGER NOT NULL,
                type TEXT NOT NULL,
                session_id TEXT,
                subject TEXT,
                actors TEXT NOT NULL,
                token_id TEXT,
                connection TEXT,
                protocol TEXT,
                body TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS events_time ON events(time_us);
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

            CREATE TABLE IF NOT EXISTS event_lookup(
                seq INTEGER PRIMARY KEY,
                session_id TEXT,
                subject TEXT,
                connection TEXT,
                type TEXT NOT NULL
            );
            CREATE INDEX IF NOT EXISTS event_lookup_session ON event_lookup(session_id);
            CREATE INDEX IF NOT EXISTS event_lookup_subject ON event_lookup(subject);
            CREATE INDEX IF NOT EXISTS event_lookup_connection ON event_lookup(connection);

            CREATE TABLE IF NOT EXISTS keys(
                key_id TEXT PRIMARY KEY NOT NULL,
                public_key TEXT NOT NULL,
                added_us INTEGER NOT NULL
            );

            CREATE TABLE IF NOT EXISTS sessions(
                id TEXT PRIMARY KEY NOT NULL,
                started_us INTEGER NOT NULL,
                ended_us INTEGER,
                end_reason TEXT,
                subject TEXT,
                actors TEXT NOT NULL,
                token_id TEXT,
                connection TEXT,
                protocol TEXT,
                client_address TEXT,
                command_count INTEGER NOT NULL DEFAULT 0,
                start_seq INTEGER NOT NULL,
                end_seq INTEGER
            );
            CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started_us);
            CREATE INDEX IF NOT EXISTS sessions_subject ON sessions(subject);
            CREATE INDEX IF NOT EXISTS sessions_connection ON sessions(connection);
            CREATE INDEX IF NOT EXISTS sessions_active ON sessions(ended_us);
            """)
        if let version = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'schema_version'"), version == "1" {
            try migrateFromVersion1(db)
        }
        let keyID = Checkpoint.keyID(of: publicKey)
        let encodedKey = publicKey.rawRepresentation.base64EncodedString()
        let now = AuditEvent.microseconds(Date())
        try db.execute(sql: "INSERT OR IGNORE INTO keys(key_id, public_key, added_us) VALUES (?, ?, ?)", arguments: [keyID, encodedKey, now])
        for (key, value) in [("schema_version", String(schemaVersion)), ("node_id", nodeID), ("public_key", encodedKey), ("key_id", keyID)] {
            try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }

    /// Version 1 kept the secondary indexes on `events` and maintained `sessions` in the
    /// writer's transaction. Version 2 moves both behind the writer (``EventIndexer``): the
    /// old indexes go, and `event_lookup` is filled for the existing events (whose `sessions`
    /// rows are already complete).
    private static func migrateFromVersion1(_ db: Database) throws {
        try db.execute(sql: """
            DROP INDEX IF EXISTS events_session;
            DROP INDEX IF EXISTS events_subject;
            DROP INDEX IF EXISTS events_connection;
            DROP INDEX IF EXISTS events_type;
            INSERT OR IGNORE INTO event_lookup(seq, session_id, subject, connection, type)
                SELECT seq, session_id, subject, connection, type FROM events;
            """)
    }
}
