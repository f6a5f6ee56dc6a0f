import AuditCore
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
