@testable import AuditCore
import Foundation
import Testing

/// The lookup tables (`event_lookup`, `sessions`) follow behind the writer in bulk; these
/// tests check that queries still see every committed event and exact session counts.
@Suite("Store lookup indexing and batch appends")
struct StoreIndexerTests {
    @Test func batchAppendCommitsInOrderWithContiguousSequenceNumbers() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let batches = try await withThrowingTaskGroup(of: [AuditRecord].self) { group in
            for task in 0..<8 {
                group.addTask {
                    var all: [AuditRecord] = []
                    for round in 0..<20 {
                        let events = (0..<5).map { StoreFixtures.command(task * 1000 + round * 10 + $0, session: "s-\(task)") }
                        all += try await store.append(contentsOf: events)
                        all.append(try await store.append(StoreFixtures.command(task * 1000 + round * 10 + 9, session: "s-\(task)")))
                    }
                    return all
                }
            }
            var result: [[AuditRecord]] = []
            for try await records in group { result.append(records) }
            return result
        }
        for records in batches {
            // Every batch of five: consecutive numbers, in the order given.
            for start in stride(from: 0, to: records.count, by: 6) {
                let batch = records[start..<start + 5]
                #expect(batch.map(\.seq) == Array(batch.first!.seq...batch.first!.seq + 4))
                let numbers = batch.compactMap { $0.event.fields[AuditField.statement]?.stringValue.flatMap { Int($0.dropFirst("SELECT ".count)) } }
                #expect(numbers.count == 5 && numbers == Array(numbers[0]...numbers[0] + 4), "the batch's events keep their order")
            }
        }
        let all = batches.flatMap { $0 }.map(\.seq).sorted()
        #expect(all == Array(1...Int64(8 * 20 * 6)), "no lost or duplicated sequence numbers")
        #expect(try await store.verify().ok)
        try await store.close()
    }

    @Test func emptyBatchStoresNothing() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        #expect(try await store.append(contentsOf: []).isEmpty)
        #expect(try await store.lastSeq == 0)
        try await store.close()
    }

    @Test func queriesSeeEveryEventWhileTheIndexerLagsAndAfterManySteps() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path, durability: .normal)
        let sessions = 40
        // More events than several indexer steps, interleaved across sessions.
        let perSession = Int(SQLiteAuditStore.indexLag) * 3 / sessions
        for session in 0..<sessions {
            _ = try await store.append(AuditEvent(type: .sessionStart, time: StoreFixtures.epoch, sessionID: "s-\(session)",
                                                  identity: StoreFixtures.identity(), connection: "orders-db", protocol: "postgres",
                                                  fields: [AuditField.clientAddress: .string("127.0.0.1:\(40000 + session)")]))
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for session in 0..<sessions {
                group.addTask {
                    for index in stride(from: 0, to: perSession, by: 4) {
                        let events = (index..<min(index + 4, perSession)).map { StoreFixtures.command($0, session: "s-\(session)") }
                        _ = try await store.append(contentsOf: events)
                    }
                }
            }
            try await group.waitForAll()
        }
        for session in stride(from: 0, to: sessions, by: 2) {
            _ = try await store.append(AuditEvent(type: .sessionEnd, time: StoreFixtures.epoch + 60, sessionID: "s-\(session)",
                                                  identity: StoreFixtures.identity(), fields: [AuditField.reason: "client_quit"]))
        }
        // The last events are still behind the indexer; a query must bring it level.
        let last = try await store.append(StoreFixtures.command(999_999, session: "s-1"))
        let newest = try await store.events(AuditQuery(sessionID: "s-1", limit: 1, newestFirst: true))
        #expect(newest.first?.seq == last.seq)

        for reopen in [false, true] {
            let current = reopen ? try StoreFixtures.openStore(path, durability: .normal) : store
            for session in [0, 1, sessions - 1] {
                let record = try #require(try await current.session(id: "s-\(session)"))
                let expected = perSession + (session == 1 ? 1 : 0)
                #expect(record.commandCount == expected, "session s-\(session) after reopen: \(reopen)")
                #expect(record.clientAddress == "127.0.0.1:\(40000 + session)")
                #expect(record.endReason == (session % 2 == 0 ? "client_quit" : nil))
                let commands = try await current.events(AuditQuery(sessionID: "s-\(session)", types: [.command], limit: AuditQuery.maxLimit))
                #expect(commands.count == min(expected, AuditQuery.maxLimit))
            }
            let active = try await current.sessions(SessionQuery(activeOnly: true, limit: 1000))
            #expect(active.count == sessions / 2)
            try await current.close()
        }
        #expect(try ChainVerifier.verify(storeAt: path).ok)
    }

    /// A rebuilt lookup indexes in steps of exactly ``EventIndexer/maxStep`` events: a query
    /// paging by name across the edge of such a step finds the events on both sides.
    @Test func queriesFindEventsOnBothSidesOfAFullSizeStep() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path, durability: .normal)
        let step = Int(EventIndexer.maxStep)
        let total = step + 40
        for start in stride(from: 0, to: total, by: 1000) {
            let events = (start..<min(start + 1000, total)).map { StoreFixtures.command($0, session: $0 % 2 == 0 ? "s-even" : "s-odd") }
            _ = try await store.append(contentsOf: events)
        }
        try await store.close()
        let lookup = EventIndexer.lookupPath(forStoreAt: path)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: lookup + suffix) }
        let reopened = try StoreFixtures.openStore(path, durability: .normal)
        let edge = Int64(step)  // the first step's last event; command index edge - 1, so "s-odd"
        for afterSeq in [edge - 3, edge - 2, edge - 1] {
            let page = try await reopened.events(AuditQuery(sessionID: "s-odd", afterSeq: afterSeq, limit: 3)).map(\.seq)
            let first = afterSeq + 1 + (afterSeq + 1) % 2  // odd indexes are even seqs
            #expect(page == [first, first + 2, first + 4], "after \(afterSeq)")
        }
        let newest = try await reopened.events(AuditQuery(sessionID: "s-odd", until: StoreFixtures.epoch.addingTimeInterval(Double(step)), limit: 2, newestFirst: true))
        #expect(newest.map(\.seq) == [edge, edge - 2], "newest first, ending at the edge")
        #expect(try await reopened.events(AuditQuery(sessionID: "s-even", limit: AuditQuery.maxLimit, newestFirst: true)).count == min(total / 2, AuditQuery.maxLimit))
        try await reopened.close()
    }

    /// Writes a store at `path` holding one session of `subject` with `count` commands, and closes it.
    private static func writeStore(_ path: String, session: String, subject: String, count: Int) async throws {
        let store = try StoreFixtures.openStore(path, durability: .normal)
        _ = try await store.append(AuditEvent(type: .sessionStart, time: StoreFixtures.epoch, sessionID: session,
                                              identity: StoreFixtures.identity(subject), connection: "orders-db", protocol: "postgres"))
        for index in 0..<count {
            _ = try await store.append(StoreFixtures.command(index, session: session, identity: StoreFixtures.identity(subject)))
        }
        try await store.close()
    }

    @Test func theLookupLivesBesideTheStoreAndIsRebuiltWhenDeleted() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        try await Self.writeStore(path, session: "s-a", subject: "alice", count: 25)
        // Lookup rows written from memory (as the writer hands them over) and, after the
        // rebuild, read back from the bodies must answer every filter alike.
        let filters = [AuditQuery(actor: "agent:planner", limit: 100), AuditQuery(actor: "agent:nobody", limit: 100),
                       AuditQuery(protocol: "postgres", limit: 100), AuditQuery(sessionID: "s-a", types: [.command], limit: 100),
                       AuditQuery(subject: "alice", connection: "orders-db", limit: 100)]
        let before = try StoreFixtures.openStore(path, durability: .normal)
        var expected: [[Int64]] = []
        for filter in filters { expected.append(try await before.events(filter).map(\.seq)) }
        try await before.close()
        #expect(expected.map(\.count) == [26, 0, 26, 25, 26])
        let lookup = EventIndexer.lookupPath(forStoreAt: path)
        #expect(FileManager.default.fileExists(atPath: lookup))
        let tables = try StoreFixtures.sqlite(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", dropTriggers: false)
        #expect(!tables.contains("sessions") && !tables.contains("event_lookup"), "the store file holds only what the chain covers: \(tables)")

        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: lookup + suffix) }
        let reopened = try StoreFixtures.openStore(path, durability: .normal)
        let session = try #require(try await reopened.session(id: "s-a"))
        #expect(session.commandCount == 25)
        #expect(session.subject == "alice")
        for (filter, seqs) in zip(filters, expected) {
            #expect(try await reopened.events(filter).map(\.seq) == seqs, "\(filter)")
        }
        try await reopened.close()
    }

    @Test func aLookupThatBelongsToAnotherStoreIsRebuilt() async throws {
        let directory = try StoreTestDirectory()
        let first = directory.file("first.sqlite")
        let second = directory.file("second.sqlite")
        try await Self.writeStore(first, session: "s-first", subject: "alice", count: 40)
        try await Self.writeStore(second, session: "s-second", subject: "bob", count: 10)

        // The first store's lookup (further along, other events) copied over the second's.
        let secondLookup = EventIndexer.lookupPath(forStoreAt: second)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: secondLookup + suffix) }
        try FileManager.default.copyItem(atPath: EventIndexer.lookupPath(forStoreAt: first), toPath: secondLookup)
        let reopened = try StoreFixtures.openStore(second, durability: .normal)
        #expect(try await reopened.session(id: "s-first") == nil)
        #expect(try await reopened.session(id: "s-second")?.commandCount == 10)
        #expect(try await reopened.events(AuditQuery(subject: "alice", limit: 100)).isEmpty)
        try await reopened.close()

        // Same length, other events: noticed by the recorded hash, not only by the length.
        try await Self.writeStore(directory.file("third.sqlite"), session: "s-third", subject: "carol", count: 10)
        let thirdLookup = EventIndexer.lookupPath(forStoreAt: directory.file("third.sqlite"))
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: thirdLookup + suffix) }
        try FileManager.default.copyItem(atPath: secondLookup, toPath: thirdLookup)
        let third = try StoreFixtures.openStore(directory.file("third.sqlite"), durability: .normal)
        #expect(try await third.session(id: "s-second") == nil)
        #expect(try await third.session(id: "s-third")?.subject == "carol")
        try await third.close()
    }

    @Test func anOlderStoreFileLosesItsDerivedTablesAndKeepsItsEvents() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        try await Self.writeStore(path, session: "s-old", subject: "alice", count: 5)
        // What a schema-2 file looked like: column copies of the body in `events`, and the
        // derived tables inside the store file.
        try StoreFixtures.sqlite(path, """
            CREATE TABLE events_old(seq INTEGER PRIMARY KEY, node TEXT NOT NULL, time_us INTEGER NOT NULL, type TEXT NOT NULL,
                session_id TEXT, subject TEXT, actors TEXT NOT NULL, token_id TEXT, connection TEXT, protocol TEXT,
                body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
            INSERT INTO events_old SELECT seq, 'node-a', time_us, json_extract(body, '$.type'), json_extract(body, '$.session_id'),
                json_extract(body, '$.subject'), json_extract(body, '$.actors'), json_extract(body, '$.token_id'),
                json_extract(body, '$.connection'), json_extract(body, '$.protocol'), body, prev_hash, hash FROM events;
            DROP TABLE events;
            ALTER TABLE events_old RENAME TO events;
            CREATE INDEX events_time ON events(time_us);
            CREATE TABLE event_lookup(seq INTEGER PRIMARY KEY, session_id TEXT, subject TEXT, connection TEXT, type TEXT NOT NULL);
            CREATE TABLE sessions(id TEXT PRIMARY KEY NOT NULL, started_us INTEGER NOT NULL, actors TEXT NOT NULL, command_count INTEGER, start_seq INTEGER);
            UPDATE meta SET value = '2' WHERE key = 'schema_version';
            """, dropTriggers: false)
        let reopened = try StoreFixtures.openStore(path, durability: .normal)
        #expect(try await reopened.session(id: "s-old")?.commandCount == 5)
        #expect(try await reopened.verify().ok)
        try await reopened.close()
        let tables = try StoreFixtures.sqlite(path, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", dropTriggers: false)
        #expect(!tables.contains("sessions") && !tables.contains("event_lookup"), "tables: \(tables)")
        let columns = try StoreFixtures.sqlite(path, "SELECT group_concat(name, ',') FROM pragma_table_info('events')", dropTriggers: false)
        #expect(columns.trimmingCharacters(in: .whitespacesAndNewlines) == "seq,time_us,body,prev_hash,hash")
        #expect(try ChainVerifier.verify(storeAt: path).ok, "the rebuilt table keeps every body and hash")
        #expect(try StoreFixtures.sqlite(path, "SELECT value FROM meta WHERE key = 'schema_version'", dropTriggers: false).trimmingCharacters(in: .whitespacesAndNewlines) == "3")
    }

    /// Consecutive events that repeat, change by one byte, switch back, swap columns, lack a
    /// name or spell one in another Unicode normalisation form (equal as Swift Strings,
    /// different bytes): every lookup row names exactly its event's session, subject and
    /// connection.
    @Test func lookupNamesMatchTheirEventsWhateverTheyRepeat() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path, durability: .normal)
        let names: [(String?, String?, String?)] = [
            ("s-1", "alice", "orders-db"), ("s-1", "alice", "orders-db"), ("s-2", "alice", "orders-dc"),
            ("s-1", "alicf", "orders-db"), (nil, nil, nil), ("s-1", "alice", "orders-db"),
            ("s-10", "alice2", "orders-db-2"), ("alice", "s-1", "orders-db"), ("s-1", "", "orders-db"),
            ("s-1", "Jos\u{E9}", "orders-db"), ("s-1", "Jose\u{301}", "orders-db"), ("s-\u{E9}", "Jos\u{E9}", "orders-db"),
            ("s-e\u{301}", "Jose\u{301}", "orders-db"),
            // Escaped in the canonical body (so the lookup column cannot point into it).
            ("s-\"q\"", "tab\there", "back\\slash"), ("s-1", "tab\there", "orders-db"), ("s-\"q\"", "alice", "nl\n"),
        ]
        let events = (0..<200).map { index in
            let (session, subject, connection) = names[index % names.count]
            return AuditEvent(type: .command, time: StoreFixtures.epoch, sessionID: session,
                              identity: subject.map { StoreFixtures.identity($0) }, connection: connection,
                              fields: [AuditField.statement: .string("SELECT \(index)")])
        }
        _ = try await store.append(contentsOf: events)
        try await store.close()
        let lookup = EventIndexer.lookupPath(forStoreAt: path)
        let counts = try StoreFixtures.sqlite(lookup, """
            ATTACH DATABASE \(StoreFixtures.quoted(path)) AS store;
            SELECT count(*), count(*) FILTER (WHERE sn.value IS NOT json_extract(e.body, '$.session_id')
                                               OR su.value IS NOT json_extract(e.body, '$.subject')
                                               OR cn.value IS NOT json_extract(e.body, '$.connection'))
            FROM event_lookup l JOIN store.events e ON e.seq = l.seq LEFT JOIN names sn ON sn.id = l.session_ref
                 LEFT JOIN names su ON su.id = l.subject_ref LEFT JOIN names cn ON cn.id = l.connection_ref
            """, dropTriggers: false)
        #expect(counts.trimmingCharacters(in: .whitespacesAndNewlines) == "200|0")
    }
}
