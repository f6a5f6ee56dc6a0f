import AuditCore
import Foundation
import Synchronization
import Testing

@Suite("Store group commit and failure")
struct StoreGroupCommitTests {
    @Test func concurrentWritersGetGapFreeUniqueSequenceNumbersInFewTransactions() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), checkpointEvery: 100)
        let writers = 8
        let perWriter = 250
        let seqs = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var mine: [Int64] = []
                    for index in 0..<perWriter {
                        let record = try await store.append(StoreFixtures.command(index, session: "s-\(writer)"))
                        #expect(record.node == "node-a")
                        mine.append(record.seq)
                    }
                    // Each writer's own appends are ordered.
                    #expect(mine == mine.sorted())
                    return mine
                }
            }
            var all: [Int64] = []
            for try await mine in group { all += mine }
            return all
        }
        let total = writers * perWriter
        #expect(seqs.count == total)
        #expect(Set(seqs).count == total, "duplicate sequence numbers")
        #expect(seqs.sorted() == Array(1...Int64(total)), "gaps in sequence numbers")

        let stats = store.statistics
        #expect(stats.events == Int64(total))
        #expect(stats.transactions < Int64(total), "appends were not grouped: \(stats.transactions) transactions for \(total) events")
        #expect(stats.largestBatch > 1)
        #expect(stats.failedTransactions == 0)
        #expect(stats.checkpoints >= Int64(total / 100) - 1)

        let report = try await store.verify()
        #expect(report.ok, "\(String(describing: report.problem))")
        #expect(report.lastSeq == Int64(total))
        #expect(report.checkpointsChecked >= total / 100 - 1)
        try await store.close()
    }

    @Test func returnedRecordsChainAndMatchWhatIsStored() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"))
        var event = StoreFixtures.command(1)
        event.time = Date(timeIntervalSince1970: 1_764_234_000.123456789)
        let first = try await store.append(event)
        let second = try await store.append(StoreFixtures.command(2))
        #expect(first.seq == 1)
        #expect(first.previousHash == AuditChain.genesisHex)
        #expect(second.previousHash == first.hash)
        #expect(first.event.timeMicroseconds == 1_764_234_000_123_457)
        let expected = AuditChain.hash(previous: AuditChain.genesis, seq: 1, body: first.event.canonicalJSON())
        #expect(first.hash == AuditChain.hex(expected))

        let stored = try await store.events(AuditQuery())
        #expect(stored == [first, second])
        try await store.close()
    }

    @Test func failedWriteFailsEveryAppenderAndDoesNotAdvanceTheChain() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path)
        for index in 1...3 { _ = try await store.append(StoreFixtures.command(index)) }

        // Another process makes every insert fail, as a full disk or broken file would.
        try StoreFixtures.sqlite(path, "CREATE TRIGGER fail_inserts BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;",
                                 dropTriggers: false)
        let failures = await withTaskGroup(of: (any Error)?.self) { group in
            for index in 0..<6 {
                group.addTask {
                    do {
                        _ = try await store.append(StoreFixtures.command(100 + index))
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var errors: [(any Error)?] = []
            for await result in group { errors.append(result) }
            return errors
        }
        #expect(failures.count == 6)
        for failure in failures {
            let error = try #require(failure as? AuditStoreError, "append must throw when the store cannot commit")
            #expect(error.code == .writeFailed)
            #expect(error.message.contains("not recorded"))
        }
        #expect(store.statistics.failedTransactions >= 1)

        // Once the store works again, the chain continues without a gap.
        try StoreFixtures.sqlite(path, "DROP TRIGGER fail_inserts;", dropTriggers: false)
        let next = try await store.append(StoreFixtures.command(4))
        #expect(next.seq == 4)
        let report = try await store.verify()
        #expect(report.ok, "\(String(describing: report.problem))")
        #expect(report.lastSeq == 4)
        try await store.close()
    }

    @Test func closedStoreRefusesAppendsAndReads() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"))
        _ = try await store.append(StoreFixtures.command(1))
        try await store.close()
        try await store.close()  // idempotent
        let error = await #expect(throws: AuditStoreError.self) { try await store.append(StoreFixtures.command(2)) }
        #expect(error?.code == .closed)
        await #expect(throws: AuditStoreError.self) { try await store.events(AuditQuery()) }
    }

    @Test func closeWritesAFinalCheckpointAndReopenResumes() async throws {
        let directory = try StoreTestDirectory()
        let path = directory.file("audit.sqlite")
        let store = try StoreFixtures.openStore(path)
        for index in 1...5 { _ = try await store.append(StoreFixtures.command(index)) }
        try await store.close()

        let reopened = try StoreFixtures.openStore(path)
        let checkpoint = try #require(try await reopened.checkpoint())
        #expect(checkpoint.seq == 5)  // the one close() wrote; nothing new since
        #expect(checkpoint.isValidSignature(node: "node-a", key: StoreFixtures.key.publicKey))
        let next = try await reopened.append(StoreFixtures.command(6))
        #expect(next.seq == 6)
        let forced = try #require(try await reopened.checkpoint())
        #expect(forced.seq == 6)
        #expect(forced.hash == next.hash)
        try await reopened.close()
        let report = try ChainVerifier.verify(storeAt: path)
        #expect(report.ok)
        #expect(report.checkpointsChecked == 2)
    }

    @Test func intervalCheckpointsAreWrittenWhenEventsTrickleIn() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), checkpointEvery: 1000, checkpointInterval: 0.2)
        _ = try await store.append(StoreFixtures.command(1))
        let deadline = ContinuousClock.now + .seconds(5)
        while store.statistics.checkpoints == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(store.statistics.checkpoints == 1)
        // No new events: no new checkpoint.
        try await Task.sleep(for: .milliseconds(500))
        #expect(store.statistics.checkpoints == 1)
        try await store.close()
    }

    @Test func observersSeeEveryCommittedRecordInOrder() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let seen = Mutex<[Int64]>([])
        store.addObserver { records in seen.withLock { $0 += records.map(\.seq) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<50 { _ = try await store.append(StoreFixtures.command(index, session: "s-\(writer)")) }
                }
            }
            try await group.waitForAll()
        }
        #expect(seen.withLock { $0 } == Array(1...200))
        try await store.close()
    }

    @Test func invalidConfigurationIsRefused() throws {
        let directory = try StoreTestDirectory()
        #expect(throws: AuditStoreError.self) { try StoreFixtures.openStore(directory.file("a.sqlite"), checkpointEvery: 0) }
        #expect(throws: AuditStoreError.self) { try StoreFixtures.openStore(directory.file("a.sqlite"), checkpointInterval: 0) }
    }
}
