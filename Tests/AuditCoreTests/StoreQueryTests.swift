@testable import AuditCore
import Foundation
import Testing

@Suite("Store queries and sessions")
struct StoreQueryTests {
    static let alice = StoreFixtures.identity("alice@example.com", actors: ["agent:planner", "agent:sql-runner"], token: "tok-a")
    static let bob = StoreFixtures.identity("bob@example.com", actors: [], token: "tok-b")
    static let botOfBob = StoreFixtures.identity("bob@example.com", actors: ["agent:100%_sure"], token: "tok-c")

    /// Two finished sessions and one active one, over two protocols.
    static func populate(_ store: SQLiteAuditStore) async throws {
        let t = StoreFixtures.epoch
        let events: [AuditEvent] = [
            AuditEvent(type: .sessionStart, time: t, sessionID: "s-a", identity: alice, connection: "orders-db", protocol: "postgres",
                       fields: [AuditField.clientAddress: "10.0.0.5:50000"]),
            AuditEvent(type: .command, time: t + 1, sessionID: "s-a", identity: alice, connection: "orders-db", protocol: "postgres",
                       fields: [AuditField.statement: "SELECT * FROM orders WHERE note = 'it''s 50% off'"]),
            AuditEvent(type: .policyDecision, time: t + 2, sessionID: "s-a", identity: alice, connection: "orders-db", protocol: "postgres",
                       fields: [AuditField.decision: "deny", AuditField.reason: "DROP is not allowed"]),
            AuditEvent(type: .command, time: t + 3, sessionID: "s-a", identity: alice, connection: "orders-db", protocol: "postgres",
                       fields: [AuditField.statement: "DELETE FROM orders WHERE id = 1"]),
            AuditEvent(type: .sessionStart, time: t + 4, sessionID: "s-b", identity: bob, connection: "web-1", protocol: "ssh"),
            AuditEvent(type: .command, time: t + 5, sessionID: "s-b", identity: bob, connection: "web-1", protocol: "ssh",
                       fields: [AuditField.statement: "sudo systemctl restart nginx"]),
            AuditEvent(type: .sessionEnd, time: t + 6, sessionID: "s-a", identity: alice, fields: [AuditField.reason: "client closed"]),
            AuditEvent(type: .sessionStart, time: t + 7, sessionID: "s-c", identity: botOfBob, connection: "orders-db", protocol: "postgres"),
            AuditEvent(type: .command, time: t + 8, sessionID: "s-c", identity: botOfBob, connection: "orders-db", protocol: "postgres",
                       fields: [AuditField.statement: "SELECT 1"]),
            AuditEvent(type: .sessionEnd, time: t + 9, sessionID: "s-b", identity: bob, fields: [AuditField.reason: "idle timeout"]),
            AuditEvent(type: .tokenIssued, time: t + 10, identity: alice, fields: ["audience": "gateway"]),
        ]
        for event in events { _ = try await store.append(event) }
    }

    static func seqs(_ store: SQLiteAuditStore, _ query: AuditQuery) async throws -> [Int64] {
        try await store.events(query).map(\.seq)
    }

    @Test func eventFilters() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        try await Self.populate(store)
        let t = StoreFixtures.epoch

        #expect(try await Self.seqs(store, AuditQuery()) == Array(1...11))
        #expect(try await Self.seqs(store, AuditQuery(subject: "bob@example.com")) == [5, 6, 8, 9, 10])
        #expect(try await Self.seqs(store, AuditQuery(actor: "agent:sql-runner")) == [1, 2, 3, 4, 7, 11])
        #expect(try await Self.seqs(store, AuditQuery(actor: "agent:sql")) == [], "actor matches whole chain elements only")
        #expect(try await Self.seqs(store, AuditQuery(actor: "agent:100%_sure")) == [8, 9])
        #expect(try await Self.seqs(store, AuditQuery(actor: "agent:100%")) == [])
        #expect(try await Self.seqs(store, AuditQuery(connection: "web-1")) == [5, 6])
        #expect(try await Self.seqs(store, AuditQuery(protocol: "postgres")) == [1, 2, 3, 4, 8, 9])
        #expect(try await Self.seqs(store, AuditQuery(sessionID: "s-a")) == [1, 2, 3, 4, 7])
        #expect(try await Self.seqs(store, AuditQuery(types: [.command])) == [2, 4, 6, 9])
        #expect(try await Self.seqs(store, AuditQuery(types: [.sessionStart, .sessionEnd])) == [1, 5, 7, 8, 10])
        #expect(try await Self.seqs(store, AuditQuery(types: [])) == [])
        #expect(try await Self.seqs(store, AuditQuery(since: t + 3, until: t + 6)) == [4, 5, 6])
        #expect(try await Self.seqs(store, AuditQuery(afterSeq: 9)) == [10, 11])
        #expect(try await Self.seqs(store, AuditQuery(limit: 3)) == [1, 2, 3])
        #expect(try await Self.seqs(store, AuditQuery(limit: 2, newestFirst: true)) == [11, 10])
        #expect(try await Self.seqs(store, AuditQuery(limit: 0)) == [1], "limit is clamped to at least 1")
        #expect(try await Self.seqs(store, AuditQuery(subject: "alice@example.com", types: [.command], afterSeq: 2)) == [4])
    }

    @Test func textSearchIsLiteralAndInjectionSafe() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        try await Self.populate(store)

        #expect(try await Self.seqs(store, AuditQuery(text: "systemctl")) == [6])
        #expect(try await Self.seqs(store, AuditQuery(text: "SYSTEMCTL")) == [6], "ASCII case-insensitive")
        #expect(try await Self.seqs(store, AuditQuery(text: "50% off")) == [2])
        #expect(try await Self.seqs(store, AuditQuery(text: "%")) == [2, 8, 9], "% is literal, not a wildcard")
        #expect(try await Self.seqs(store, AuditQuery(text: "sudo_systemctl")) == [], "_ is literal, not a wildcard")
        #expect(try await Self.seqs(store, AuditQuery(text: "it''s")) == [2])
        #expect(try await Self.seqs(store, AuditQuery(text: "'; DROP TABLE events; --")) == [])
        #expect(try await Self.seqs(store, AuditQuery()) .count == 11, "events table intact")
        #expect(try await Self.seqs(store, AuditQuery(text: "DROP is not allowed", types: [.policyDecision])) == [3])
    }

    @Test func sessionsAreMaintainedFromEvents() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        try await Self.populate(store)
        let t = StoreFixtures.epoch

        let a = try #require(try await store.session(id: "s-a"))
        #expect(a.startedAt == t)
        #expect(a.endedAt == t + 6)
        #expect(a.endReason == "client closed")
        #expect(a.subject == "alice@example.com")
        #expect(a.actors == ["agent:planner", "agent:sql-runner"])
        #expect(a.tokenID == "tok-a")
        #expect(a.connection == "orders-db")
        #expect(a.protocol == "postgres")
        #expect(a.clientAddress == "10.0.0.5:50000")
        #expect(a.commandCount == 2)
        #expect(!a.isActive)

        let c = try #require(try await store.session(id: "s-c"))
        #expect(c.isActive)
        #expect(c.commandCount == 1)
        #expect(try await store.session(id: "nope") == nil)

        #expect(try await store.sessions(SessionQuery()).map(\.id) == ["s-c", "s-b", "s-a"])
        #expect(try await store.sessions(SessionQuery(activeOnly: true)).map(\.id) == ["s-c"])
        #expect(try await store.sessions(SessionQuery(subject: "bob@example.com")).map(\.id) == ["s-c", "s-b"])
        #expect(try await store.sessions(SessionQuery(actor: "agent:planner")).map(\.id) == ["s-a"])
        #expect(try await store.sessions(SessionQuery(connection: "web-1")).map(\.id) == ["s-b"])
        #expect(try await store.sessions(SessionQuery(protocol: "postgres")).map(\.id) == ["s-c", "s-a"])
        #expect(try await store.sessions(SessionQuery(since: t + 4)).map(\.id) == ["s-c", "s-b"])
        #expect(try await store.sessions(SessionQuery(limit: 1)).map(\.id) == ["s-c"])
        try await store.close()
    }

    @Test func queriedRecordsDecodeToTheAppendedEvents() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let event = AuditEvent(
            type: .adminAction, time: StoreFixtures.epoch, identity: Self.alice,
            fields: ["nested": ["list": [1, 2.5, "three", true, nil], "empty": [:]], "unicode": "é 😀 \u{1}\n\"\\", "big": .int(Int64.min),
                     "nan": .double(.nan), "inf": [.double(.infinity)]]
        )
        let appended = try await store.append(event)
        let stored = try #require(try await store.events(AuditQuery()).first)
        #expect(stored == appended)
        var expectedFields = event.fields
        expectedFields["nan"] = .null  // no JSON form: stored (and returned) as null
        expectedFields["inf"] = [nil]
        #expect(stored.event.fields == expectedFields)
        #expect(stored.event.issuer == "https://issuer.example.com")
        try await store.close()
    }
}

/// Queries answered from the posting lists and time blocks (see `EventIndexer`) must agree
/// with a plain filter over every event, whatever the step sizes and however far times
/// stray from the chain's order.
@Suite("Store queries against a full scan")
struct StoreQueryAgreementTests {
    /// A reproducible pseudo-random sequence (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    // "alice" is a subject and a connection; one session name is escaped in the body.
    static let subjects = ["alice", "bob", "carol", "dave"]
    static let connections = ["orders-db", "web-1", "billing-db", "alice"]
    static func sessionName(_ number: Int) -> String { number == 7 ? "s-\"7\"" : "s-\(number)" }
    static let actorChains: [[String]] = [[], ["agent:planner"], ["agent:planner", "agent:sql-runner"]]
    static let types: [AuditEventType] = [.command, .command, .command, .commandOutcome, .policyDecision]

    static func matches(_ event: AuditEvent, seq: Int64, _ query: AuditQuery) -> Bool {
        if let subject = query.subject, event.subject != subject { return false }
        if let connection = query.connection, event.connection != connection { return false }
        if let sessionID = query.sessionID, event.sessionID != sessionID { return false }
        if let actor = query.actor, !event.actors.contains(actor) { return false }
        if let proto = query.protocol, event.protocol != proto { return false }
        if let types = query.types, !types.contains(event.type) { return false }
        if let since = query.since, event.time < since { return false }  // whole seconds: no rounding
        if let until = query.until, event.time >= until { return false }
        if let afterSeq = query.afterSeq, seq <= afterSeq { return false }
        if let text = query.text, !event.canonicalJSONString.lowercased().contains(text.lowercased()) { return false }  // ASCII text
        return true
    }

    @Test func everyFilterCombinationAgreesWithAFullScan() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        var random = Random(state: 20261128)
        var stored: [(seq: Int64, event: AuditEvent)] = []
        let total = 6000
        // Times run about one second apart but stray up to 40 minutes either way, across
        // several time blocks; a query every few hundred events makes indexer steps of many sizes.
        while stored.count < total {
            let batch = (0..<(1 + random.next(40))).map { _ -> AuditEvent in
                let index = stored.count
                let jitter = Double(random.next(4800)) - 2400
                let session = random.next(10) == 0 ? nil : Self.sessionName(random.next(60))
                return AuditEvent(
                    type: Self.types[random.next(Self.types.count)],
                    time: StoreFixtures.epoch.addingTimeInterval(Double(index) + jitter),
                    sessionID: session,
                    identity: random.next(8) == 0 ? nil : StoreFixtures.identity(Self.subjects[random.next(Self.subjects.count)],
                                                                                 actors: Self.actorChains[random.next(Self.actorChains.count)]),
                    connection: random.next(6) == 0 ? nil : Self.connections[random.next(Self.connections.count)],
                    protocol: random.next(2) == 0 ? "postgres" : "ssh",
                    fields: [AuditField.statement: .string("SELECT \(index)")])
            }
            for record in try await store.append(contentsOf: batch) { stored.append((record.seq, record.event)) }
            if random.next(12) == 0 { _ = try await store.events(AuditQuery(sessionID: "s-1", limit: 1)) }
        }

        var queries: [AuditQuery] = [AuditQuery(limit: AuditQuery.maxLimit)]
        for _ in 0..<160 {
            var query = AuditQuery(limit: [5, 50, AuditQuery.maxLimit][random.next(3)], newestFirst: random.next(2) == 0)
            if random.next(3) == 0 { query.sessionID = Self.sessionName(random.next(62)) }
            if random.next(3) == 0 { query.subject = (Self.subjects + ["nobody"])[random.next(Self.subjects.count + 1)] }
            if random.next(3) == 0 { query.connection = Self.connections[random.next(Self.connections.count)] }
            if random.next(5) == 0 { query.actor = "agent:sql-runner" }
            if random.next(5) == 0 { query.protocol = "ssh" }
            if random.next(4) == 0 { query.types = [Self.types[random.next(Self.types.count)], Self.types[random.next(Self.types.count)]] }
            if random.next(8) == 0 { query.text = "select \(random.next(60))" }
            if random.next(3) == 0 { query.since = StoreFixtures.epoch.addingTimeInterval(Double(random.next(total + 6000)) - 3000) }
            if random.next(3) == 0 { query.until = StoreFixtures.epoch.addingTimeInterval(Double(random.next(total + 6000)) - 3000) }
            if random.next(3) == 0 { query.afterSeq = Int64(random.next(total)) }
            queries.append(query)
        }
        // Paging by name from just before one of its events: the edges of the posting rows.
        for _ in 0..<60 {
            let (seq, event) = stored[random.next(stored.count)]
            queries.append(AuditQuery(sessionID: event.sessionID, afterSeq: seq - 1, limit: 1))
            queries.append(AuditQuery(subject: event.subject, afterSeq: seq - 1, limit: 2))
            queries.append(AuditQuery(connection: event.connection, until: event.time.addingTimeInterval(1), afterSeq: seq - 1, limit: 1))
        }
        var nonEmpty = 0
        let path = directory.file("audit.sqlite")
        var current = store
        // Then again with the lookup deleted: rebuilt from the stored bodies on open, in
        // steps of another size, with nothing handed over in memory.
        for rebuilt in [false, true] {
            if rebuilt {
                try await current.close()
                let lookup = EventIndexer.lookupPath(forStoreAt: path)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: lookup + suffix) }
                current = try StoreFixtures.openStore(path, durability: .normal)
            }
            for query in queries {
                var expected = stored.filter { Self.matches($0.event, seq: $0.seq, query) }.map(\.seq)
                if query.newestFirst { expected.reverse() }
                expected = Array(expected.prefix(query.effectiveLimit))
                if !expected.isEmpty { nonEmpty += 1 }
                let answer = try await current.events(query).map(\.seq)
                // Thousands of numbers would bury the message: name the first difference.
                let difference = answer.indices.first { $0 >= expected.count || answer[$0] != expected[$0] }
                    ?? (answer.count < expected.count ? answer.count : nil)
                #expect(difference == nil, """
                    \(rebuilt ? "rebuilt lookup: " : "")\(query): \(answer.count) events, expected \(expected.count); first difference at index \(difference ?? -1): \
                    \(difference.flatMap { answer.indices.contains($0) ? answer[$0] : nil } as Any) instead of \
                    \(difference.flatMap { expected.indices.contains($0) ? expected[$0] : nil } as Any)
                    """)
            }
        }
        #expect(nonEmpty > queries.count, "the queries exercise real matches, not mostly empty answers")
        try await current.close()
    }
}
