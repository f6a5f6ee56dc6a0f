import Foundation
import GRDB

extension SQLiteAuditStore {
    /// Events matching `query` (at most ``AuditQuery/maxLimit``), oldest first unless
    /// ``AuditQuery/newestFirst``. All values are bound as SQL parameters; `text` and
    /// `actor` are matched with `LIKE … ESCAPE '\'` after escaping `%`, `_` and `\`.
    public func events(_ query: AuditQuery) async throws -> [AuditRecord] {
        try ensureOpen()
        let indexedSeq = try await catchUpIndex()
        let (sql, arguments) = Self.eventsSQL(query, indexedSeq: indexedSeq)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: sql, arguments: arguments).map { try Self.record(from: $0, node: self.nodeID) }
        }
    }

    /// The query's SQL. Filters on session, subject, actor, connection, protocol, type and
    /// time go through `event_lookup` (see ``EventIndexer``; session, subject and connection
    /// as ids of `names`); every query stops at `indexedSeq`, the last event the lookup covers, so
    /// filtered and unfiltered answers agree.
    static func eventsSQL(_ query: AuditQuery, indexedSeq: Int64) -> (String, StatementArguments) {
        let useLookup = query.subject != nil || query.actor != nil || query.connection != nil || query.protocol != nil
            || query.sessionID != nil || query.types != nil || query.since != nil || query.until != nil
        // Range and order on the driving table's seq, so SQLite walks one index in order.
        let seq = useLookup ? "l.seq" : "e.seq"
        var clauses: [String] = ["\(seq) <= ?"]
        var arguments: [(any DatabaseValueConvertible)?] = [indexedSeq]
        if let subject = query.subject {
            clauses.append("l.subject_ref = (SELECT id FROM lookup.names WHERE value = ?)")
            arguments.append(subject)
        }
        if let actor = query.actor {
            clauses.append("l.actors LIKE ? ESCAPE '\\'")
            arguments.append(actorPattern(actor))
        }
        if let connection = query.connection {
            clauses.append("l.connection_ref = (SELECT id FROM lookup.names WHERE value = ?)")
            arguments.append(connection)
        }
        if let proto = query.protocol {
            clauses.append("l.protocol = ?")
            arguments.append(proto)
        }
        if let sessionID = query.sessionID {
            clauses.append("l.session_ref = (SELECT id FROM lookup.names WHERE value = ?)")
            arguments.append(sessionID)
        }
        if let text = query.text, !text.isEmpty {
            clauses.append("e.body LIKE ? ESCAPE '\\'")
            arguments.append("%" + likeEscaped(jsonEscaped(text)) + "%")
        }
        if let types = query.types {
            if types.isEmpty {
                clauses.append("0")
            } else {
                clauses.append("l.type IN (" + Array(repeating: "?", count: types.count).joined(separator: ",") + ")")
                arguments.append(contentsOf: types.map(\.rawValue))
            }
        }
        if let since = query.since {
            clauses.append("l.time_us >= ?")
            arguments.append(AuditEvent.microseconds(since))
        }
        if let until = query.until {
            clauses.append("l.time_us < ?")
            arguments.append(AuditEvent.microseconds(until))
        }
        if let afterSeq = query.afterSeq {
            clauses.append("\(seq) > ?")
            arguments.append(afterSeq)
        }
        var sql = "SELECT e.seq, e.body, e.prev_hash, e.hash FROM events e"
        if useLookup { sql += " JOIN lookup.event_lookup l ON l.seq = e.seq" }
        sql += " WHERE " + clauses.joined(separator: " AND ")
        sql += query.newestFirst ? " ORDER BY \(seq) DESC" : " ORDER BY \(seq)"
        sql += " LIMIT ?"
        arguments.append(query.effectiveLimit)
        return (sql, StatementArguments(arguments))
    }

    static func record(from row: Row, node: String) throws -> AuditRecord {
        let seq: Int64 = row["seq"]
        let body: String = row["body"]
        let event: AuditEvent
        do {
            event = try AuditEvent(canonicalJSON: body.utf8)
        } catch {
            throw AuditStoreError(.readFailed, "event \(seq) cannot be decoded (\(error)); run `auditctl verify` — the store may have been edited")
        }
        return AuditRecord(seq: seq, node: node, event: event, previousHash: row["prev_hash"], hash: row["hash"])
    }

    /// Sessions matching `query`, newest first (at most ``AuditQuery/maxLimit``).
    public func sessions(_ query: SessionQuery) async throws -> [SessionRecord] {
        try ensureOpen()
        _ = try await catchUpIndex()
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let subject = query.subject {
            clauses.append("subject = ?")
            arguments.append(subject)
        }
        if let actor = query.actor {
            clauses.append("actors LIKE ? ESCAPE '\\'")
            arguments.append(Self.actorPattern(actor))
        }
        if let connection = query.connection {
            clauses.append("connection = ?")
            arguments.append(connection)
        }
        if let proto = query.protocol {
            clauses.append("protocol = ?")
            arguments.append(proto)
        }
        if query.activeOnly {
            clauses.append("ended_us IS NULL")
        }
        if let since = query.since {
            clauses.append("started_us >= ?")
            arguments.append(AuditEvent.microseconds(since))
        }
        var sql = "SELECT * FROM lookup.sessions"
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY started_us DESC, start_seq DESC LIMIT ?"
        arguments.append(query.effectiveLimit)
        let statementArguments = StatementArguments(arguments)
        let finalSQL = sql
        return try await pool.read { db in
            try Row.fetchAll(db, sql: finalSQL, arguments: statementArguments).map(Self.session(from:))
        }
    }

    /// The session `id`, or `nil` if no `session.start` event was stored for it.
    public func session(id: String) async throws -> SessionRecord? {
        try ensureOpen()
        _ = try await catchUpIndex()
        return try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM lookup.sessions WHERE id = ?", arguments: [id]).map(Self.session(from:))
        }
    }

    static func session(from row: Row) throws -> SessionRecord {
        let actorsText: String = row["actors"]
        var actors: [String] = []
        if case .array(let values) = try? JSONValueParser.parse(actorsText) {
            actors = values.compactMap(\.stringValue)
        }
        let ended: Int64? = row["ended_us"]
        return SessionRecord(
            id: row["id"],
            startedAt: AuditEvent.date(microseconds: row["started_us"]),
            endedAt: ended.map(AuditEvent.date(microseconds:)),
            endReason: row["end_reason"],
            subject: row["subject"],
            actors: actors,
            tokenID: row["token_id"],
            connection: row["connection"],
            protocol: row["protocol"],
            clientAddress: row["client_address"],
            commandCount: row["command_count"]
        )
    }

    /// `%"<actor as a JSON string>"%`, LIKE-escaped: matches one whole element of the
    /// canonical `actors` array.
    static func actorPattern(_ actor: String) -> String {
        var writer = CanonicalJSONWriter(capacity: actor.utf8.count + 2)
        writer.string(actor)
        return "%" + likeEscaped(String(decoding: writer.bytes, as: UTF8.self)) + "%"
    }

    /// `text` as it appears inside a canonical JSON string (without the quotes).
    static func jsonEscaped(_ text: String) -> String {
        var writer = CanonicalJSONWriter(capacity: text.utf8.count + 2)
        writer.string(text)
        return String(decoding: writer.bytes.dropFirst().dropLast(), as: UTF8.self)
    }

    /// Escapes LIKE wildcards for `ESCAPE '\'`.
    static func likeEscaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "\\", "%", "_": out.append("\\")
            default: break
            }
            out.unicodeScalars.append(character)
        }
        return out
    }
}
