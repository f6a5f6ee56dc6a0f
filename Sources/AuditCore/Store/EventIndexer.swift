import Foundation
import GRDB
import Logging
import Synchronization
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// Derives the store's lookup data from `events`, in bulk, in a database file of its own
/// (`<store>-lookup`) written from a connection and a thread of its own.
///
/// The writer's transaction inserts only the `events` row, appended at the right edge of its
/// B-tree. Indexing by time, session, subject, connection and type, and the `sessions`
/// table, would dirty more pages in every commit (one per concurrent session for some), so
/// they live in `event_lookup` and `sessions` and are brought up to date in large steps:
/// when enough events are waiting, on the store's timer, before every query, and on open
/// and close. Being another file, the lookup has its own write lock, so a step runs beside
/// the writer's commits instead of between them (measured at a third of the writer's time
/// when it ran on the writer's connection).
///
/// The writer hands each committed batch over (``hand(_:)``), so a step inserts the lookup
/// rows from memory; events it was not given (after a restart, or when it fell far behind)
/// are read back from their bodies.
///
/// `event_lookup` has one row per event and no secondary index: four index entries per event
/// (time, session, subject, connection) were a quarter of the store's CPU at high load. A
/// step instead writes, for each session, subject and connection it saw, one
/// `lookup_postings` row listing that name's events in the step (offsets from `base_seq`,
/// the step's start), and widens the time range of each `lookup_time` block of
/// ``timeBlock`` events it touched (see ``LookupStep``). A query by name walks the name's
/// rows in chain order (they never overlap, and none spans more than ``maxStep`` events);
/// a query by time walks only the events from the first block its times reach to the last.
/// The session, subject and connection are ids into `names`, each distinct text stored once.
///
/// Everything here is derived: the file can be deleted at any time and is rebuilt from
/// `events` on the next open. Each step is one transaction over a contiguous range and also
/// records the hash of its last event, so a lookup file that does not match its store (ahead
/// of it after a power loss, or copied from another store) is noticed and rebuilt.
final class EventIndexer: Sendable {
    /// Events per transaction: large enough to amortise each dirty page over many events,
    /// small enough that a query waiting for the lookup is not held up for long.
    static let maxStep: Int64 = 16_384

    /// The lookup file of the store at `storePath`.
    static func lookupPath(forStoreAt storePath: String) -> String { storePath + "-lookup" }

    /// The schema name under which readers attach the lookup file.
    static let schemaName = "lookup"

    let path: String
    private let connection: DatabaseQueue
    private let logger: Logger
    /// The last event reflected in `event_lookup` and `sessions`.
    private let indexed = Atomic<Int64>(0)
    private let schedule = Mutex(Schedule())
    /// Ids of the texts in `names`, as far as this process has looked them up.
    private let names = Mutex(NameCache())

    /// A committed event's lookup columns, as the writer hands them over: spans of the
    /// event's encoded buffer (no copy of the event itself).
    struct Entry: Sendable {
        var seq: Int64
        var timeMicroseconds: Int64
        var bytes: [UInt8]
        var sessionID: EncodedEvent.Span?
        var subject: EncodedEvent.Span?
        var connection: EncodedEvent.Span?
        var type: EncodedEvent.Span
        var actors: EncodedEvent.Span
        var `protocol`: EncodedEvent.Span?

        init(seq: Int64, _ encoded: EncodedEvent) {
            self.seq = seq
            timeMicroseconds = encoded.timeMicroseconds
            bytes = encoded.bytes
            sessionID = encoded.sessionID
            subject = encoded.subject
            connection = encoded.connection
            type = encoded.type
            actors = encoded.actors
            self.protocol = encoded.protocol
        }
    }

    private struct Schedule {
        /// The highest event a background pass was asked to reach.
        var target: Int64 = 0
        /// Whether a background pass is queued or running.
        var running = false
        /// Committed events not yet indexed, in order (possibly with a gap before them).
        var handed: [Entry] = []
    }

    /// The most handed-over events kept waiting; beyond that they are dropped and read back
    /// from the store when their turn comes.
    static let maxHanded = 65_536

    /// Texts interned in `names`, by their exact UTF-8 bytes (not by `String`, whose equality
    /// is canonical equivalence: "é" as one scalar and as "e" + U+0301 are equal Strings but
    /// different names). Only the indexer's connection reads or fills it, inside its
    /// transactions; a step that fails forgets it (its new names rolled back).
    private struct NameCache {
        var ids: [[UInt8]: Int64] = [:]
        /// Beyond this many texts (session ids accumulate) the cache starts again.
        static let capacity = 100_000
    }

    /// The layout of the lookup tables; a file with another is rebuilt. It names
    /// ``maxStep``: queries rely on no posting row spanning more events than that.
    static let layoutVersion = "5/\(maxStep)"

    /// Opens (or creates) the lookup file beside the store at `storePath`; the store file
    /// must already exist.
    init(storePath: String, logger: Logger) throws {
        path = Self.lookupPath(forStoreAt: storePath)
        self.logger = logger
        var configuration = Configuration()
        configuration.label = "audit.store.lookup"
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "ATTACH DATABASE ? AS store", arguments: [storePath])
        }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        try connection.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS main.lookup_meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
            if try String.fetchOne(db, sql: "SELECT value FROM main.lookup_meta WHERE key = 'layout'") != Self.layoutVersion {
                try db.execute(sql: """
                    DROP TABLE IF EXISTS main.event_lookup;
                    DROP TABLE IF EXISTS main.sessions;
                    DROP TABLE IF EXISTS main.names;
                    DROP TABLE IF EXISTS main.lookup_postings;
                    DROP TABLE IF EXISTS main.lookup_time;
                    DELETE FROM main.lookup_meta;
                    INSERT INTO main.lookup_meta(key, value) VALUES ('layout', '\(Self.layoutVersion)');
                    """)
            }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS main.names(id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
                CREATE TABLE IF NOT EXISTS main.event_lookup(
                    seq INTEGER PRIMARY KEY,
                    time_us INTEGER NOT NULL,
                    session_ref INTEGER,
                    subject_ref INTEGER,
                    connection_ref INTEGER,
                    type TEXT NOT NULL,
                    actors TEXT NOT NULL,
                    protocol TEXT
                );
                CREATE TABLE IF NOT EXISTS main.lookup_postings(
                    kind INTEGER NOT NULL,
                    name_ref INTEGER NOT NULL,
                    base_seq INTEGER NOT NULL,
                    last_seq INTEGER NOT NULL,
                    offsets TEXT NOT NULL
                );
                CREATE UNIQUE INDEX IF NOT EXISTS main.lookup_postings_name ON lookup_postings(kind, name_ref, base_seq);
                CREATE TABLE IF NOT EXISTS main.lookup_time(
                    block INTEGER PRIMARY KEY,
                    min_time_us INTEGER NOT NULL,
                    max_time_us INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS main.sessions(
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
                CREATE INDEX IF NOT EXISTS main.sessions_started ON sessions(started_us);
                CREATE INDEX IF NOT EXISTS main.sessions_subject ON sessions(subject);
                CREATE INDEX IF NOT EXISTS main.sessions_connection ON sessions(connection);
                CREATE INDEX IF NOT EXISTS main.sessions_active ON sessions(ended_us);
                """)
        }
    }

    /// The last event the lookup tables reflect.
    var indexedSeq: Int64 { indexed.load(ordering: .acquiring) }

    /// Checks the lookup against the store (whose last event is `lastSeq`), starts it again
    /// if it does not belong to it, and brings it level. Runs before the store takes appends.
    func open(lastSeq: Int64) throws {
        try connection.writeWithoutTransaction { db in
            let seq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM main.event_lookup") ?? 0
            var matches = seq <= lastSeq
            if matches, seq > 0 {
                let recorded = try String.fetchOne(db, sql: "SELECT value FROM main.lookup_meta WHERE key = 'last_hash'")
                let actual = try String.fetchOne(db, sql: "SELECT hash FROM store.events WHERE seq = ?", arguments: [seq])
                matches = recorded != nil && recorded == actual
            }
            if matches {
                indexed.store(seq, ordering: .releasing)
            } else {
                logger.warning("audit lookup tables do not match the store; rebuilding them", metadata: ["path": "\(path)", "lookupSeq": "\(seq)", "storeSeq": "\(lastSeq)"])
                try db.inTransaction(.deferred) {
                    try db.execute(sql: """
                        DELETE FROM main.event_lookup; DELETE FROM main.lookup_postings; DELETE FROM main.lookup_time;
                        DELETE FROM main.sessions; DELETE FROM main.names; DELETE FROM main.lookup_meta WHERE key <> 'layout'
                        """)
                    return .commit
                }
                indexed.store(0, ordering: .releasing)
                names.withLock { $0.ids = [:] }
            }
            try catchUp(db, to: lastSeq)
        }
    }

    /// Takes a committed batch from the writer (in chain order, after the previous one).
    func hand(_ entries: [Entry]) {
        schedule.withLock { state in
            if state.handed.count + entries.count > Self.maxHanded {
                state.handed.removeAll(keepingCapacity: true)
                return
            }
            state.handed.append(contentsOf: entries)
        }
    }

    /// Asks for the lookup to reach `seq` in the background; returns at once.
    func schedule(upTo seq: Int64) {
        let start = schedule.withLock { state -> Bool in
            state.target = max(state.target, seq)
            if state.running || state.target <= indexedSeq { return false }
            state.running = true
            return true
        }
        if start { connection.asyncWriteWithoutTransaction { db in self.runScheduled(db) } }
    }

    private func runScheduled(_ db: Database) {
        while true {
            let target = schedule.withLock { state -> Int64? in
                if state.target <= self.indexedSeq {
                    state.running = false
                    return nil
                }
                return state.target
            }
            guard let target else { return }
            do {
                try step(db, to: min(target, indexedSeq + Self.maxStep))
            } catch {
                logger.error("audit lookup indexing failed; will retry", metadata: ["error": "\(error)"])
                schedule.withLock { $0.running = false }
                return
            }
        }
    }

    /// Brings the lookup up to `seq` and returns the last indexed event (for queries).
    func catchUp(to seq: Int64) async throws -> Int64 {
        try await connection.writeWithoutTransaction { db in
            try self.catchUp(db, to: seq)
            return self.indexedSeq
        }
    }

    /// Brings the lookup up to `seq`, blocking (for open and close).
    func catchUpNow(to seq: Int64) throws {
        try connection.writeWithoutTransaction { db in try catchUp(db, to: seq) }
    }

    func close() throws {
        try connection.close()
    }

    private func catchUp(_ db: Database, to lastSeq: Int64) throws {
        while indexedSeq < lastSeq {
            try step(db, to: min(lastSeq, indexedSeq + Self.maxStep))
        }
    }

    /// Indexes events `(indexedSeq, upTo]` in one transaction: from the handed-over events
    /// when they cover the range, otherwise from the stored bodies.
    ///
    /// Deferred, not immediate: `BEGIN IMMEDIATE` would take the write lock of every attached
    /// file, the store's included, and stall its writer.
    private func step(_ db: Database, to upTo: Int64) throws {
        let from = indexedSeq
        precondition(upTo > from && upTo - from <= Self.maxStep, "an indexer step spans 1 to maxStep events (queries rely on it)")
        let entries = schedule.withLock { state -> [Entry] in
            let stale = state.handed.prefix { $0.seq <= from }.count
            let usable = state.handed[stale...].prefix { $0.seq <= upTo }.count
            if stale + usable == state.handed.count {
                defer { state.handed = [] }
                return Array(state.handed[stale...])
            }
            let taken = Array(state.handed[stale..<stale + usable])
            state.handed.removeFirst(stale + usable)
            return taken
        }
        let range: StatementArguments = [from, upTo]
        do {
            try db.inTransaction(.deferred) {
                var derived = LookupStep(base: from)
                try insertRows(db, entries: entries, from: from, upTo: upTo, derived: &derived)
                if derived.hasSessionBoundaries { try insertStartedSessions(db, range: range) }
                try derived.write(db)
                if derived.hasSessionBoundaries { try endSessions(db, range: range) }
                try db.execute(sql: """
                    INSERT OR REPLACE INTO main.lookup_meta(key, value) SELECT 'last_hash', hash FROM store.events WHERE seq = ?
                    """, arguments: [upTo])
                return .commit
            }
        } catch {
            names.withLock { $0.ids = [:] }  // names it added are rolled back
            throw error
        }
        indexed.store(upTo, ordering: .releasing)
    }

    /// The `event_lookup` rows of `(from, upTo]`: from the handed-over entries when they cover
    /// the range, else from the stored bodies. Each row also goes into `derived`.
    private func insertRows(_ db: Database, entries: [Entry], from: Int64, upTo: Int64, derived: inout LookupStep) throws {
        if entries.first?.seq == from + 1, entries.count == Int(upTo - from) {
            try insertLookup(db, entries, derived: &derived)
            return
        }
        let range: StatementArguments = [from, upTo]
        try db.execute(sql: """
            INSERT OR IGNORE INTO main.names(value)
            SELECT value FROM (SELECT json_extract(body, '$.session_id') AS value FROM store.events WHERE seq > ?1 AND seq <= ?2
                               UNION SELECT json_extract(body, '$.subject') FROM store.events WHERE seq > ?1 AND seq <= ?2
                               UNION SELECT json_extract(body, '$.connection') FROM store.events WHERE seq > ?1 AND seq <= ?2)
            WHERE value IS NOT NULL
            """, arguments: range)
        try db.execute(sql: """
            INSERT INTO main.event_lookup(seq, time_us, session_ref, subject_ref, connection_ref, type, actors, protocol)
            SELECT seq, time_us, (SELECT id FROM main.names WHERE value = json_extract(body, '$.session_id')),
                   (SELECT id FROM main.names WHERE value = json_extract(body, '$.subject')),
                   (SELECT id FROM main.names WHERE value = json_extract(body, '$.connection')),
                   json_extract(body, '$.type'), json_extract(body, '$.actors'), json_extract(body, '$.protocol')
            FROM store.events WHERE seq > ?1 AND seq <= ?2
            """, arguments: range)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT seq, time_us, session_ref, subject_ref, connection_ref, type FROM main.event_lookup WHERE seq > ? AND seq <= ? ORDER BY seq
            """, arguments: range)
        while let row = try rows.next() {
            let type: String = row[5]
            derived.add(seq: row[0], timeMicroseconds: row[1], session: row[2], subject: row[3], connection: row[4],
                        role: LookupStep.Role(typeUTF8: type.utf8))
        }
    }

    /// The names a `lookup_postings` row can be about: each is a column of `event_lookup`.
    enum PostingKind: Int, CaseIterable {
        case session = 1
        case subject = 2
        case connection = 3

        /// The `event_lookup` column holding this name's id.
        var column: String {
            switch self {
            case .session: "session_ref"
            case .subject: "subject_ref"
            case .connection: "connection_ref"
            }
        }
    }

    /// Events per `lookup_time` block: block `b` holds events `b × timeBlock + 1` to
    /// `(b + 1) × timeBlock` and the earliest and latest time among them.
    static let timeBlock: Int64 = 1024

    /// The `sessions` rows of sessions started in `range` (reads their `session.start`
    /// bodies; run only for steps that hold one).
    private func insertStartedSessions(_ db: Database, range: StatementArguments) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO main.sessions(id, started_us, subject, actors, token_id, connection, protocol, client_address, command_count, start_seq)
            SELECT sn.value, e.time_us, su.value, l.actors, json_extract(e.body, '$.token_id'), cn.value, l.protocol,
                   json_extract(e.body, '$.fields.\(AuditField.clientAddress)'), 0, l.seq
            FROM main.event_lookup l JOIN store.events e ON e.seq = l.seq JOIN main.names sn ON sn.id = l.session_ref
                 LEFT JOIN main.names su ON su.id = l.subject_ref LEFT JOIN main.names cn ON cn.id = l.connection_ref
            WHERE l.seq > ? AND l.seq <= ? AND l.type = '\(AuditEventType.sessionStart.rawValue)'
            """, arguments: range)
    }

    /// Ends the sessions whose `session.end` is in `range`.
    private func endSessions(_ db: Database, range: StatementArguments) throws {
        try db.execute(sql: """
            UPDATE main.sessions SET ended_us = ended.time_us, end_reason = json_extract(ended.body, '$.fields.\(AuditField.reason)'), end_seq = ended.seq
            FROM (SELECT sn.value AS session_id, e.time_us, e.body, e.seq FROM main.event_lookup l JOIN store.events e ON e.seq = l.seq
                  JOIN main.names sn ON sn.id = l.session_ref
                  WHERE l.seq > ? AND l.seq <= ? AND l.type = '\(AuditEventType.sessionEnd.rawValue)') AS ended
            WHERE sessions.id = ended.session_id AND sessions.ended_us IS NULL
            """, arguments: range)
    }

    private static let insertLookupSQL = """
        INSERT INTO main.event_lookup(seq, time_us, session_ref, subject_ref, connection_ref, type, actors, protocol) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """

    /// Inserts the lookup rows of handed-over events, binding their columns in place.
    private func insertLookup(_ db: Database, _ entries: [Entry], derived: inout LookupStep) throws {
        let handle = try db.cachedStatement(sql: Self.insertLookupSQL).sqliteStatement
        var cache = names.withLock { cache in
            defer { cache.ids = [:] }
            return cache
        }
        defer {
            if cache.ids.count > NameCache.capacity { cache.ids = [:] }
            names.withLock { $0 = cache }
        }
        var lastSession: LastName?, lastSubject: LastName?, lastConnection: LastName?
        for entry in entries {
            let session = try nameID(db, entry.bytes, entry.sessionID, last: &lastSession, cache: &cache)
            let subject = try nameID(db, entry.bytes, entry.subject, last: &lastSubject, cache: &cache)
            let connection = try nameID(db, entry.bytes, entry.connection, last: &lastConnection, cache: &cache)
            let role = LookupStep.Role(typeUTF8: entry.bytes[entry.type.start..<entry.type.start + entry.type.count])
            derived.add(seq: entry.seq, timeMicroseconds: entry.timeMicroseconds, session: session, subject: subject,
                        connection: connection, role: role)
            let code = entry.bytes.withUnsafeBufferPointer { bytes -> Int32 in
                defer {
                    sqlite3_reset(handle)
                    sqlite3_clear_bindings(handle)
                }
                sqlite3_bind_int64(handle, 1, entry.seq)
                sqlite3_bind_int64(handle, 2, entry.timeMicroseconds)
                Self.bind(handle, 3, session)
                Self.bind(handle, 4, subject)
                Self.bind(handle, 5, connection)
                SQLiteText.bind(handle, 6, bytes, entry.type)
                SQLiteText.bind(handle, 7, bytes, entry.actors)
                SQLiteText.bind(handle, 8, bytes, entry.protocol)
                return sqlite3_step(handle)
            }
            guard code == SQLITE_DONE else {
                let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: Self.insertLookupSQL)
            }
        }
    }

    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ id: Int64?) {
        if let id { sqlite3_bind_int64(handle, index, id) } else { sqlite3_bind_null(handle, index) }
    }

    /// A column's previous text in ``insertLookup(_:_:)`` and its id: consecutive events
    /// mostly repeat their subject and connection, and often their session.
    private struct LastName {
        /// The text's bytes: a slice of that event's buffer, not a copy.
        var bytes: ArraySlice<UInt8>
        var id: Int64
    }

    /// The id of the text at `span` in `names`, added if new; nil for no text. When the text
    /// is `last`'s, its id without making a `String`; `last` becomes this text.
    private func nameID(_ db: Database, _ bytes: [UInt8], _ span: EncodedEvent.Span?, last: inout LastName?, cache: inout NameCache) throws -> Int64? {
        guard let span else { return nil }
        let textBytes = bytes[span.start..<span.start + span.count]
        if let last, last.bytes == textBytes { return last.id }
        let id = try nameID(db, textBytes, cache: &cache)
        last = LastName(bytes: textBytes, id: id)
        return id
    }

    /// The id of the text `utf8` in `names`, added if new.
    private func nameID(_ db: Database, _ utf8: ArraySlice<UInt8>, cache: inout NameCache) throws -> Int64 {
        let key = Array(utf8)
        if let id = cache.ids[key] { return id }
        let text = String(decoding: utf8, as: UTF8.self)
        let id: Int64
        if let known = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM main.names WHERE value = ?"), arguments: [text]) {
            id = known
        } else {
            try db.cachedStatement(sql: "INSERT INTO main.names(value) VALUES (?)").execute(arguments: [text])
            id = db.lastInsertedRowID
        }
        cache.ids[key] = id
        return id
    }
}
