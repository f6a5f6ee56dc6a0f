import AuditCore
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A writer process is SIGKILLed mid-stream; every acknowledged event must survive and the
/// chain must verify.
@Suite("Store crash recovery")
struct StoreCrashTests {
    /// The `audit-bench` executable built next to the test bundle.
    static func benchExecutable() throws -> URL {
        var candidates: [URL] = []
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(argument0.deletingLastPathComponent().appendingPathComponent("audit-bench"))
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent().appendingPathComponent("audit-bench"))
        }
        // Package root from this source file: Tests/AuditCoreTests/ → ../../.build/debug
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/audit-bench"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        throw StoreTestFailure("""
            the crash test needs the audit-bench executable, which was not found at \(candidates.map(\.path).joined(separator: ", ")); \
            build it first with `swift build --build-tests` (or `swift build --product audit-bench`)
            """)
    }

    static func ackLines(_ path: String) -> [(seq: Int64, n: Int64)] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let text = String(decoding: data, as: UTF8.self)
        // A line without its newline may have been cut by the kill: ignore it.
        return text.split(separator: "\n", omittingEmptySubsequences: true).dropLast(text.hasSuffix("\n") ? 0 : 1).compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 2, let seq = Int64(parts[0]), let n = Int64(parts[1]) else { return nil }
            return (seq, n)
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func killedWriterLosesNoAcknowledgedEvent() async throws {
        let bench = try Self.benchExecutable()
        let directory = try StoreTestDirectory()
        let store = directory.file("crash.sqlite")
        let acks = directory.file("acks.txt")

        let process = Process()
        process.executableURL = bench
        process.arguments = ["appends", "--store", store, "--ack-file", acks, "--concurrency", "8", "--durability", "full", "--node", "node-a"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Let it commit a few hundred events (several checkpoints), then kill it mid-stream.
        let deadline = ContinuousClock.now + .seconds(60)
        while Self.ackLines(acks).count < 400 {
            guard process.isRunning else {
                Issue.record("audit-bench exited early with status \(process.terminationStatus)")
                return
            }
            guard ContinuousClock.now < deadline else {
                process.terminate()
                Issue.record("audit-bench acknowledged only \(Self.ackLines(acks).count) events in 60 s")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)

        let acknowledged = Self.ackLines(acks)
        #expect(acknowledged.count >= 400)

        // Offline, read-only verification of the file as the crash left it.
        let offline = try ChainVerifier.verify(storeAt: store)
        #expect(offline.ok, "\(String(describing: offline.problem))")

        // Reopen as the writer: resumes from the last committed event.
        let reopened = try StoreFixtures.openStore(store)
        let report = try await reopened.verify()
        #expect(report.ok, "\(String(describing: report.problem))")
        let maxAcked = try #require(acknowledged.map(\.seq).max())
        #expect(report.lastSeq >= maxAcked)

        var stored: [Int64: Int64] = [:]
        var after: Int64 = 0
        while true {
            let page = try await reopened.events(AuditQuery(afterSeq: after, limit: AuditQuery.maxLimit))
            for record in page { stored[record.seq] = record.event.fields["n"]?.intValue }
            guard let last = page.last, page.count == AuditQuery.maxLimit else { break }
            after = last.seq
        }
        for ack in acknowledged {
            #expect(stored[ack.seq] == ack.n, "acknowledged event \(ack.seq) (n=\(ack.n)) is missing or different after the crash")
        }
        // The lookup tables lag the writer and were cut off by the kill: reopening must
        // bring them level, so a filtered query finds every stored command too.
        var filtered = 0
        after = 0
        while true {
            let page = try await reopened.events(AuditQuery(types: [.command], afterSeq: after, limit: AuditQuery.maxLimit))
            filtered += page.count
            guard let last = page.last, page.count == AuditQuery.maxLimit else { break }
            after = last.seq
        }
        #expect(filtered == stored.count)
        let next = try await reopened.append(StoreFixtures.command(1))
        #expect(next.seq == report.lastSeq + 1)
        try await reopened.close()
        #expect(try ChainVerifier.verify(storeAt: store).ok)
    }
}
