import Foundation
import GRDB

extension SQLiteAuditStore {
    /// Events matching `query` (at most ``AuditQuery/maxLimit``), oldest first unless
    /// ``AuditQuery/newestFirst``. All values are bound as SQL parameters; `text` and
    /// `actor` are matched with `LIKE … ESCAPE '\'` after escaping `%`, `_` and `\`.
    ///
    /// Filtered by session, connection or subject (the first of them that is given, in that
    /// order), the query walks that name's posting lists (see ``EventIndexer``) in the
    /// query's direction, one step's list at a time, and stops as soon as the page is full;
    /// other filters are checked on each listed event. Otherwise it walks the events in
    /// order, through `event_lookup` when a filter needs its columns.
    public func events(_ query: AuditQuery) async throws -> [AuditRecord] {
        try ensureOpen()
        if query.types?.isEmpty == true { return [] }
        let indexedSeq = try await catchUpIndex()
        return try await pool.read { db in
            guard let range = try Self.seqRange(db, query, indexedSeq: indexedSeq) else { return [] }
            let rows: [Row]
            if let driver = Self.drivingName(query) {
                rows = try Self.eventsByName(db, query, driver: driver, after: range.after, through: range.through)
            } else {
                let (sql, arguments) = Self.eventsSQL(query, after: range.after, through: range.through)
                rows = try Row.fetchAll(db, sql: sql, arguments: arguments)
            }
            return try rows.map { try Self.record(from: $0, node: self.nodeID) }
        }
    }

    /// The events `(after, through]` that can match `query`, or `nil` if none can: its
    /// `afterSeq`, the last event the lookup covers (`indexedSeq`, so that filtered and
    /// unfiltered answers agree), and the `lookup_time` blocks its `since` and `until`
    /// reach: from the first block holding a time at or after `since` to the last holding
    /// one before `until` (blocks record their earliest and latest time, so times need not
    /// follow the chain's order exactly).
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

    /// The name whose posting lists drive `query`: its session, else its connection, else its subject.
    static func drivingName(_ query: AuditQuery) -> (kind: EventIndexer.PostingKind, name: String)? {
        if let sessionID = query.sessionID { return (.session, sessionID) }
        if let connection = query.connection { return (.connection, connection) }
        if let subject = query.subject { return (.subject, subject) }
        return nil
    }

    /// `query`'s filters other than its range of events and its names (session, connection,
    /// subject), as SQL over `l` (`event_lookup`) and `e` (`events`), and which of the two
    /// they need.
    static func filters(_ query: AuditQuery) -> (clauses: [String], arguments: [(any DatabaseValueConvertible)?], needsLookup: Bool, needsBody: Bool) {
        var clauses: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        if let actor = query.actor {
            clauses.append("l.actors LIKE ? ESCAPE '\\'")
            arguments.append(actorPattern(actor))
        }
        if let proto = query.protocol {
            clauses.append("l.protocol = ?")
            arguments.append(proto)
        }
        if let types = query.types {
            clauses.append("l.type IN (" + Array(repeating: "?", count: types.count).joined(separator: ",") + ")")
            arguments.append(contentsOf: types.map(\.rawValue))
        }
        if let since = query.since {
            clauses.append("l.time_us >= ?")
            arguments.append(AuditEvent.microseconds(since))
        }
        if let until = query.until {
            clauses.append("l.time_us < ?")
            arguments.append(AuditEvent.microseconds(until))
        }
        let needsLookup = !clauses.isEmpty
        var needsBody = false
        if let text = query.text, !text.isEmpty {
            clauses.append("e.body LIKE ? ESCAPE '\\'")
            arguments.append("%" + likeEscaped(jsonEscaped(text)) + "%")
            needsBody = true
        }
        return (clauses, arguments, needsLookup, needsBody)
    }

    /// The SQL of a query without a name to drive it, over the events `(after, through]`:
    /// a walk of `events` in order, joined row by row to `event_lookup` when a filter needs it.
    static func eventsSQL(_ query: AuditQuery, after: Int64, through: Int64) -> (String, StatementArguments) {
        let filters = Self.filters(query)
        let seq = filters.needsLookup ? "l.seq" : "e.seq"
        var sql = "SELECT e.seq, e.body, e.prev_hash, e.hash FROM "
        var clauses = ["\(seq) > ?", "\(seq) <= ?"]
        if filters.needsLookup {
            sql += "lookup.event_lookup l CROSS JOIN events e"
            clauses.append("e.seq = l.seq")
        } else {
            sql += "events e"
        }
        sql += " WHERE " + (clauses + filters.clauses).joined(separator: " AND ")
        sql += " ORDER BY \(seq)\(query.newestFirst ? " DESC" : "") LIMIT ?"
        return (sql, StatementArguments([after, through] + filters.arguments + [query.effectiveLimit]))
    }

    /// The rows of a query driven by `driver`'s posting lists, over the events `(after, through]`.
    ///
    /// Each `lookup_postings` row lists the name's events in one indexer step; they are
    /// visited in the query's direction (a name's rows never overlap, and none spans more
    /// than ``EventIndexer/maxStep`` events, which bounds where the first useful one can
    /// start), each row's events checked against the other filters (or, when there are none,
    /// taken as listed), until the page is full. Only then are the bodies read.
    static func eventsByName(_ db: Database, _ query: AuditQuery, driver: (kind: EventIndexer.PostingKind, name: String),
                             after: Int64, through: Int64) throws -> [Row] {
        func nameID(_ name: String) throws -> Int64? {
            try Int64.fetchOne(db, sql: "SELECT id FROM lookup.names WHERE value = ?", arguments: [name])
        }
        guard let driverID = try nameID(driver.name) else { return [] }
        var filters = Self.filters(query)
        // The other names as ids, looked up once; a name never seen matches nothing.
        let others: [(EventIndexer.PostingKind, String?)] = [(.session, query.sessionID), (.connection, query.connection), (.subject, query.subject)]
        for case let (kind, name?) in others where kind != driver.kind {
            guard let id = try nameID(name) else { return [] }
            filters.clauses.insert("l.\(kind.column) = ?", at: 0)
            filters.arguments.insert(id, at: 0)
        }
        let direction = query.newestFirst ? " DESC" : ""
        let limit = query.effectiveLimit
        var seqs: [Int64] = []
        let postings = try Row.fetchCursor(db, sql: """
            SELECT base_seq, offsets FROM lookup.lookup_postings
            WHERE kind = ? AND name_ref = ? AND base_seq < ? AND base_seq > ? AND last_seq > ?
            ORDER BY base_seq\(direction)
            """, arguments: [driver.kind.rawValue, driverID, through, after - EventIndexer.maxStep, after])
        if filters.clauses.isEmpty {
            // Nothing else to check: the listed events themselves, in range.
            while seqs.count < limit, let posting = try postings.next() {
                let base: Int64 = posting[0]
                let offsets: String = posting[1]
                var listed = Self.offsets(offsets).lazy.map { base + $0 }.filter { $0 > after && $0 <= through }.sorted()
                if query.newestFirst { listed.reverse() }
                seqs += listed.prefix(limit - seqs.count)
            }
        } else {
            var clauses = ["l.seq IN (SELECT ? + value FROM json_each(?))", "l.seq > ?", "l.seq <= ?"]
            if filters.needsBody { clauses.append("e.seq = l.seq") }
            let matching = try db.makeStatement(sql: """
                SELECT l.seq FROM lookup.event_lookup l\(filters.needsBody ? " CROSS JOIN events e" : "")
                WHERE \((clauses + filters.clauses).joined(separator: " AND ")) ORDER BY l.seq\(direction) LIMIT ?
                """)
            while seqs.count < limit, let posting = try postings.next() {
                let base: Int64 = posting[0]
                let offsets: String = posting[1]
                seqs += try Int64.fetchAll(matching, arguments: StatementArguments([base, offsets, after, through] + filters.arguments + [limit - seqs.count]))
            }
        }
        if seqs.isEmpty { return [] }
        return try Row.fetchAll(db, sql: """
            SELECT seq, body, prev_hash, hash FROM events WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq\(direction)
            """, arguments: ["[" + seqs.map(String.init).joined(separator: ",") + "]"])
    }

    /// The numbers of a posting row's `offsets`, a JSON array of non-negative integers as
    /// ``LookupStep`` writes it (anything but digits separates them).
    static func offsets(_ json: String) -> [Int64] {
        var numbers: [Int64] = []
        var current: Int64 = 0
        var inNumber = false
        for byte in json.utf8 {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                current = current &* 10 &+ Int64(byte - UInt8(ascii: "0"))
                inNumber = true
            } else if inNumber {
                numbers.append(current)
                current = 0
                inNumber = false
            }
        }
        if inNumber { numbers.append(current) }
        return numbers
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
