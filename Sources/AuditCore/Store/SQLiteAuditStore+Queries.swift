import Foundation
import GRDB

extension SQLiteAuditStore {
    /// Events matching `query` (at most ``AuditQuery/maxLimit``), oldest first unless
    /// ``AuditQuery/newestFirst``. All values are bound as SQL parameters; `text` and
    /// `actor` are matched with `LIKE … ESCAPE '\'` after escaping `%`, `_` and `\`.
    public func events(_ query: AuditQuery) async throws -> [AuditRecord] {
        try ensureOpen()
        let indexedSeq = try await catchUpIndex()
        return try await pool.read { db in
            guard let range = try Self.seqRange(db, query, indexedSeq: indexedSeq) else { return [] }
            let (sql, arguments) = Self.eventsSQL(query, after: range.after, through: range.through)
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { try Self.record(from: $0, node: self.nodeID) }
        }
    }

    /// The events `(after, through]` that can match `query`, or `nil` if none can: its
    /// `afterSeq`, the last event the lookup covers (`indexedSeq`, so that filtered and
    /// unfiltered answers agree), and the blocks of `lookup_time` that its `since` and
    /// `until` reach (each block records the earliest and latest time of its events, so
    /// times need not follow the chain's order exactly).
    static func seqRange(_ db: Database, _ query: AuditQuery, indexedSeq: Int64) throws -> (after: Int64, through: Int64)? {
        var after = max(query.afterSeq ?? 0, 0)
        var through = indexedSeq
        if let since = query.since {
            let sql = "SELECT min(block) FROM lookup.lookup_time WHERE max_time_us >= ?"
            guard let block = try Int64.fetchOne(db, sql: sql, arguments: [AuditEvent.microseconds(since)]) else { return nil }
            after = max(after, block * EventIndexer.timeBlock)
        }
        if let until = query.until {
            let sql = "SELECT max(block) FROM lookup.lookup_time WHERE min_time_us < ?"
            guard let block = try Int64.fetchOne(db, sql: sql, arguments: [AuditEvent.microseconds(until)]) else { return nil }
            through = min(through, (block + 1) * EventIndexer.timeBlock)
        }
        return after < through ? (after, through) : nil
    }

    /// The query's SQL over the events `(after, through]`.
    ///
    /// Filtered by session, connection or subject, the query walks that name's posting
    /// lists (see ``EventIndexer``) in chain order, the most selective name first, and
    /// fetches only their events; other filters go through `event_lookup` (session, subject
    /// and connection as ids of `names`), and without any the query reads `events` alone.
    static func eventsSQL(_ query: AuditQuery, after: Int64, through: Int64) -> (String, StatementArguments) {
        let direction = query.newestFirst ? " DESC" : ""
        var names: [(kind: EventIndexer.PostingKind, name: String)] = []
        if let sessionID = query.sessionID { names.append((.session, sessionID)) }
        if let connection = query.connection { names.append((.connection, connection)) }
        if let subject = query.subject { names.append((.subject, subject)) }
        let useLookup = !names.isEmpty || query.actor != nil || query.protocol != nil || query.types != nil
            || query.since != nil || query.until != nil
        let seq = useLookup ? "l.seq" : "e.seq"

        var sql = "SELECT e.seq, e.body, e.prev_hash, e.hash FROM "
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        let order: String
        if let driver = names.first {
            // Postings rows of one name are disjoint and ordered by base_seq: ordering by it
            // first lets SQLite sort one row's events at a time and stop at the limit.
            sql += "lookup.lookup_postings p CROSS JOIN json_each(p.offsets) j CROSS JOIN lookup.event_lookup l CROSS JOIN events e"
            clauses += [
                "p.kind = \(driver.kind.rawValue)", "p.name_ref = (SELECT id FROM lookup.names WHERE value = ?)",
                "p.base_seq < ?", "p.base_seq > ?", "p.last_seq > ?", "l.seq = p.base_seq + j.value", "e.seq = l.seq",
            ]
            arguments += [driver.name, through, after - EventIndexer.maxStep, after]
            order = "p.base_seq\(direction), l.seq\(direction)"
        } else if useLookup {
            sql += "lookup.event_lookup l CROSS JOIN events e"
            clauses.append("e.seq = l.seq")
            order = "l.seq\(direction)"
        } else {
            sql += "events e"
            order = "e.seq\(direction)"
        }
        clauses += ["\(seq) > ?", "\(seq) <= ?"]
        arguments += [after, through]
        for (kind, name) in names.dropFirst() {
            clauses.append("l.\(kind.column) = (SELECT id FROM lookup.names WHERE value = ?)")
            arguments.append(name)
        }
        if let actor = query.actor {
            clauses.append("l.actors LIKE ? ESCAPE '\\'")
            arguments.append(actorPattern(actor))
        }
        if let proto = query.protocol {
            clauses.append("l.protocol = ?")
            arguments.append(proto)
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
        sql += " WHERE " + clauses.joined(separator: " AND ") + " ORDER BY " + order + " LIMIT ?"
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
