import GRDB

/// Derives the store's lookup data from `events`, in bulk, behind the writer.
///
/// The writer's transaction inserts only the `events` row (primary key and time index, both
/// appended at the right edge of their B-trees). Indexing by session, subject, connection
/// and type, and the `sessions` table, would dirty one page per concurrent session in every
/// commit — measured at three quarters of the writer's time — so they are kept here instead,
/// in `event_lookup`, and brought up to date in large steps: when enough events are
/// waiting, on the store's timer, before every query, and on open and close. Every step is
/// one transaction that covers a contiguous range of events, so after a crash the derived
/// tables are exactly as of the last step and the next step resumes from there.
///
/// Confinement: runs on GRDB's writer queue, like ``ChainWriter``.
final class EventIndexer: @unchecked Sendable {
    /// The last event reflected in `event_lookup` and `sessions`.
    private(set) var indexedSeq: Int64 = 0

    /// Events per transaction: large enough to amortise each dirty page over many events,
    /// small enough to keep the writer's pause short.
    static let maxStep: Int64 = 16_384

    /// Reads the position from the database (the highest `event_lookup` row).
    func load(_ db: Database) throws {
        indexedSeq = try Int64.fetchOne(db, sql: "SELECT max(seq) FROM event_lookup") ?? 0
    }

    /// Indexes every event up to `lastSeq` in steps of ``maxStep`` events.
    func catchUp(_ db: Database, to lastSeq: Int64) throws {
        while indexedSeq < lastSeq {
            try step(db, to: min(lastSeq, indexedSeq + Self.maxStep))
        }
    }

    /// Indexes events `(indexedSeq, upTo]` in one transaction.
    private func step(_ db: Database, to upTo: Int64) throws {
        let range: StatementArguments = [indexedSeq, upTo]
        try db.inTransaction(.immediate) {
            // One pass over the wide `events` rows; the session upkeep then reads the narrow
            // `event_lookup` rows just written, and `events` only for the rare start/end.
            try db.execute(sql: """
                INSERT INTO event_lookup(seq, session_id, subject, connection, type)
                SELECT seq, session_id, subject, connection, type FROM events WHERE seq > ? AND seq <= ?
                """, arguments: range)
            try db.execute(sql: """
                INSERT OR IGNORE INTO sessions(id, started_us, subject, actors, token_id, connection, protocol, client_address, command_count, start_seq)
                SELECT e.session_id, e.time_us, e.subject, e.actors, e.token_id, e.connection, e.protocol,
                       json_extract(e.body, '$.fields.\(AuditField.clientAddress)'), 0, e.seq
                FROM event_lookup l JOIN events e ON e.seq = l.seq
                WHERE l.seq > ? AND l.seq <= ? AND l.type = '\(AuditEventType.sessionStart.rawValue)' AND l.session_id IS NOT NULL
                """, arguments: range)
            try db.execute(sql: """
                UPDATE sessions SET command_count = command_count + counted.n
                FROM (SELECT session_id, count(*) AS n FROM event_lookup
                      WHERE seq > ? AND seq <= ? AND type = '\(AuditEventType.command.rawValue)' AND session_id IS NOT NULL
                      GROUP BY session_id) AS counted
                WHERE sessions.id = counted.session_id
                """, arguments: range)
            try db.execute(sql: """
                UPDATE sessions SET ended_us = ended.time_us, end_reason = json_extract(ended.body, '$.fields.\(AuditField.reason)'), end_seq = ended.seq
                FROM (SELECT e.session_id, e.time_us, e.body, e.seq FROM event_lookup l JOIN events e ON e.seq = l.seq
                      WHERE l.seq > ? AND l.seq <= ? AND l.type = '\(AuditEventType.sessionEnd.rawValue)' AND l.session_id IS NOT NULL) AS ended
                WHERE sessions.id = ended.session_id AND sessions.ended_us IS NULL
                """, arguments: range)
            return .commit
        }
        indexedSeq = upTo
    }
}
