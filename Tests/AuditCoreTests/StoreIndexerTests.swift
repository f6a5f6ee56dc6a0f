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
}
