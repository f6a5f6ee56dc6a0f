import AuditCore
import Crypto
import Foundation
@testable import GatewayKit
import NIOCore
import NIOPosix
import Testing

/// Command outcomes ride along with the next statement, or a timer on the session's event
/// loop stores them; nothing is lost when the session ends.
@Suite("PostgreSQL command outcomes waiting to be stored")
struct PendingOutcomesTests {
    static func outcome(_ seq: Int64) -> AuditEvent {
        AuditEvent(type: .commandOutcome, sessionID: "pg-outcomes", connection: "orders-db", protocol: "postgres",
                   fields: ["command_seq": .int(seq), AuditField.outcome: "ok"])
    }

    static func storedOutcomes(_ store: SQLiteAuditStore) async throws -> [Int64] {
        var query = AuditQuery()
        query.types = [.commandOutcome]
        return try await store.events(query).compactMap { record -> Int64? in
            if case .int(let seq)? = record.event.fields["command_seq"] { return seq }
            return nil
        }
    }

    static func withStore(_ body: (SQLiteAuditStore, any EventLoop) async throws -> Void) async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try SQLiteAuditStore(path: directory.file("audit.sqlite"), nodeID: "n1",
                                         signingKey: Curve25519.Signing.PrivateKey(), durability: .normal)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            try await body(store, group.next())
        } catch {
            try? await store.close()
            try? await group.shutdownGracefully()
            throw error
        }
        try await store.close()
        try await group.shutdownGracefully()
    }

    @Test func anOutcomeNoStatementCarriesIsStoredByTheTimer() async throws {
        try await Self.withStore { store, eventLoop in
            let pending = PendingOutcomes(eventLoop: eventLoop, store: store)
            pending.add([Self.outcome(1)])
            pending.add([Self.outcome(2)])
            var stored: [Int64] = []
            for _ in 0..<200 where stored.count < 2 {
                try await Task.sleep(for: .milliseconds(10))
                stored = try await Self.storedOutcomes(store)
            }
            #expect(stored == [1, 2], "both outcomes stored by the timer, in order, while the session stays open")
            #expect(pending.takeAll().isEmpty, "the timer took them")
            await pending.finish()
            #expect(try await Self.storedOutcomes(store) == [1, 2], "finish stores nothing twice")
        }
    }

    @Test func theNextStatementTakesOutcomesBeforeTheTimerAndFinishStoresTheRest() async throws {
        try await Self.withStore { store, eventLoop in
            let pending = PendingOutcomes(eventLoop: eventLoop, store: store)
            pending.add([Self.outcome(1)])
            let carried = pending.takeAll()
            #expect(carried.count == 1, "the next statement's append carries the waiting outcome")
            pending.add([Self.outcome(2)])
            await pending.finish()
            // The timer armed for the first outcome may still fire: it must store nothing more.
            try await Task.sleep(for: .milliseconds(Int64(PendingOutcomes.grace.nanoseconds / 1_000_000) * 4))
            #expect(try await Self.storedOutcomes(store) == [2], "only what was left is stored by finish, once; the carried outcome is the caller's")
        }
    }
}
