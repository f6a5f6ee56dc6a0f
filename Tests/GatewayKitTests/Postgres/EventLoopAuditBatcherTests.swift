import AuditCore
import Crypto
import Foundation
import Synchronization
@testable import GatewayKit
import NIOCore
import NIOPosix
import Testing

/// The write-ahead appends that sessions of one event loop make in the same turn share one
/// store transaction; each session still gets exactly its own records, and a failure
/// reaches every one of them.
@Suite("Write-ahead appends gathered per event loop turn")
struct EventLoopAuditBatcherTests {
    /// The real store, counting the appends it is handed (its own group commit may merge
    /// separate appends too, so its transaction count alone would not tell).
    final class CountingStore: AuditStore {
        let store: SQLiteAuditStore
        private let count = Mutex(0)
        init(_ store: SQLiteAuditStore) { self.store = store }
        var appends: Int { count.withLock { $0 } }

        func append(_ event: AuditEvent) async throws -> AuditRecord {
            count.withLock { $0 += 1 }
            return try await store.append(event)
        }
        func append(contentsOf events: [AuditEvent]) async throws -> [AuditRecord] {
            count.withLock { $0 += 1 }
            return try await store.append(contentsOf: events)
        }
        func events(_ query: AuditQuery) async throws -> [AuditRecord] { try await store.events(query) }
        func sessions(_ query: SessionQuery) async throws -> [SessionRecord] { try await store.sessions(query) }
        func session(id: String) async throws -> SessionRecord? { try await store.session(id: id) }
        func verify() async throws -> VerificationReport { try await store.verify() }
    }

    static func command(_ session: String, _ index: Int) -> AuditEvent {
        AuditEvent(type: .command, sessionID: session, connection: "orders-db", protocol: "postgres",
                   fields: [AuditField.statement: .string("select \(index)")])
    }

    /// Runs `sessions` appends as child tasks on the batcher's event loop. The parent runs
    /// there too, so every child is enqueued before the first one runs, as when one wake-up
    /// of the loop delivers several clients' statements.
    static func appendTogether(_ batcher: EventLoopAuditBatcher, sessions: [String], eventsEach: Int) async -> [String: Result<[AuditRecord], any Error>] {
        let executor = EventLoopTaskExecutor(batcher.eventLoop)
        return await withTaskExecutorPreference(executor) {
          await withTaskGroup(of: (String, Result<[AuditRecord], any Error>).self) { group in
            for session in sessions {
                group.addTask(executorPreference: executor) {
                    let events = (1...eventsEach).map { command(session, $0) }
                    do { return (session, .success(Array(try await batcher.append(contentsOf: events)))) }
                    catch { return (session, .failure(error)) }
                }
            }
            var results: [String: Result<[AuditRecord], any Error>] = [:]
            for await (session, result) in group { results[session] = result }
            return results
          }
        }
    }

    /// A fresh store and a group of `threads` event loops, both shut down afterwards.
    static func withStore(threads: Int = 1, _ body: (SQLiteAuditStore, MultiThreadedEventLoopGroup) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteAuditStore(path: directory.file("audit.sqlite"), nodeID: "n1",
                                         signingKey: Curve25519.Signing.PrivateKey(), durability: .normal)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            try await body(store, group)
        } catch {
            try? await store.close()
            try? await group.shutdownGracefully()
            throw error
        }
        try? await store.close()  // one test closes it itself
        try await group.shutdownGracefully()
    }

    @Test func appendsOfOneTurnShareOneTransactionAndEachGetsItsOwnRecords() async throws {
      try await Self.withStore { store, group in
        let counting = CountingStore(store)
        let batcher = EventLoopAuditBatchers(store: counting).batcher(for: group.next())

        let sessions = ["pg-a", "pg-b", "pg-c"]
        let results = await Self.appendTogether(batcher, sessions: sessions, eventsEach: 2)
        #expect(counting.appends == 1, "three sessions' appends handed to the store as one")
        #expect(store.statistics.transactions == 1, "and committed in one transaction")
        var seqs: [Int64] = []
        for session in sessions {
            let records = try #require(try results[session]?.get(), "\(session) got its records")
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0.event.sessionID == session }, "\(session) got only its own events' records")
            #expect(records.map { $0.event.fields[AuditField.statement] } == [.string("select 1"), .string("select 2")], "in the order it gave them")
            seqs += records.map(\.seq)
        }
        #expect(seqs.sorted() == Array(1...6), "every event stored once, the chain gap-free")

        // A later turn is a transaction of its own.
        _ = await Self.appendTogether(batcher, sessions: ["pg-d"], eventsEach: 1)
        #expect(counting.appends == 2)
        #expect(store.statistics.transactions == 2)
      }
    }

    @Test func whenTheStoreRefusesEverySessionOfTheTurnIsRefused() async throws {
      try await Self.withStore { store, group in
        try await store.close()  // appends now fail with `closed`
        let batcher = EventLoopAuditBatchers(store: store).batcher(for: group.next())

        let results = await Self.appendTogether(batcher, sessions: ["pg-a", "pg-b"], eventsEach: 1)
        for session in ["pg-a", "pg-b"] {
            guard case .failure(let error)? = results[session] else {
                Issue.record("\(session) was not refused")
                continue
            }
            #expect((error as? AuditStoreError)?.code == .closed, "\(session) gets the store's own error: \(error)")
        }
      }
    }

    @Test func eachEventLoopHasItsOwnBatcher() async throws {
      try await Self.withStore(threads: 2) { store, group in
        let batchers = EventLoopAuditBatchers(store: store)
        let loops = Array(group.makeIterator())
        #expect(batchers.batcher(for: loops[0]) === batchers.batcher(for: loops[0]))
        #expect(batchers.batcher(for: loops[0]) !== batchers.batcher(for: loops[1]))
      }
    }
}
