import ArgumentParser
import AuditCore
import Crypto
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `audit-bench appends`: durable appends per second with group commit versus one
/// transaction per event, and the crash-test writer (`--ack-file`).
struct AppendBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appends",
        abstract: "Measure durable audit appends per second (group commit vs one transaction per event).",
        discussion: """
        Each run uses a fresh store in a temporary directory (or --store). With --durability full every \
        commit fsyncs the WAL, so throughput is bounded by (concurrent appenders) / (fsync latency): \
        raise --concurrency to see group commit amortise the fsync.

        Crash-test writer: --store PATH --ack-file PATH appends until killed (or --count events); after \
        each append returns it writes "SEQ N" (seq and the event's field n) as one line to the ack file \
        with write(2), which survives SIGKILL (--ack-fsync also survives power loss).
        """
    )

    @Option(help: "Events appended in each group-commit run.")
    var events: Int = 100_000

    @Option(help: "Concurrent appenders for the group-commit run (repeat the option to compare several).")
    var concurrency: [Int] = [64]

    @Option(help: "Events for the one-transaction-per-event run (concurrency 1); 0 skips it.")
    var singleEvents: Int = 500

    @Option(help: "full (fsync each commit) or normal (WAL NORMAL: no fsync per commit).")
    var durability: String = "full"

    @Option(help: "Store file. Default: a new file in a temporary directory per run.")
    var store: String?

    @Option(help: "Crash-test writer mode: append until killed, acknowledging each committed event in this file.")
    var ackFile: String?

    @Option(help: "With --ack-file: stop after this many events (default: run until killed).")
    var count: Int?

    @Flag(help: "With --ack-file: fsync the ack file after every line.")
    var ackFsync = false

    @Option(help: "Node id of the store.")
    var node: String = "bench-node"

    @Flag(help: "Skip timing a full chain verification after the group-commit run.")
    var skipVerify = false

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
        guard concurrency.allSatisfy({ $0 > 0 }) else { throw ValidationError("--concurrency must be positive") }
        guard singleEvents >= 0 else { throw ValidationError("--single-events must not be negative") }
        guard SQLiteAuditStore.Durability(rawValue: durability) != nil else { throw ValidationError("--durability must be full or normal") }
        if ackFile != nil, store == nil { throw ValidationError("--ack-file needs --store") }
        if let count, count <= 0 { throw ValidationError("--count must be positive") }
    }

    func run() async throws {
        let durability = SQLiteAuditStore.Durability(rawValue: durability)!
        if let ackFile, let store {
            try await runAckWriter(store: store, ackFile: ackFile, durability: durability)
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        print("durable appends (\(durability.rawValue) durability, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        var rows: [[String]] = [["mode", "concurrency", "events", "seconds", "events/s", "transactions", "avg batch", "writer busy", "writer cpu", "cpu/event"]]
        var verifyRow: [String]?
        for (runIndex, tasks) in concurrency.enumerated() {
            let path = store ?? "\(directory)/group-\(runIndex).sqlite"
            let result = try await measure(path: path, events: events, tasks: tasks, durability: durability)
            rows.append(["group commit", "\(tasks)", "\(events)", Self.format(result.seconds, digits: 3),
                         Self.format(Double(events) / result.seconds, digits: 0), "\(result.stats.transactions)",
                         Self.format(result.stats.averageBatch, digits: 1),
                         Self.format(100 * result.stats.writerBusySeconds / result.seconds, digits: 0) + "%",
                         Self.format(100 * result.stats.writerCPUSeconds / result.seconds, digits: 0) + "%",
                         Self.format(1e6 * result.cpuSeconds / Double(events), digits: 1) + " µs"])
            if !skipVerify, verifyRow == nil {
                let verifySeconds = try await timeVerify(path: path)
                verifyRow = ["verify chain", "1", "\(result.lastSeq)", Self.format(verifySeconds, digits: 3),
                             Self.format(Double(result.lastSeq) / verifySeconds, digits: 0), "-", "-", "-", "-", "-"]
            }
        }
        if singleEvents > 0 {
            let path = store ?? "\(directory)/single.sqlite"
            let result = try await measure(path: path, events: singleEvents, tasks: 1, durability: durability)
            rows.append(["one tx per event", "1", "\(singleEvents)", Self.format(result.seconds, digits: 3),
                         Self.format(Double(singleEvents) / result.seconds, digits: 0), "\(result.stats.transactions)",
                         Self.format(result.stats.averageBatch, digits: 1),
                         Self.format(100 * result.stats.writerBusySeconds / result.seconds, digits: 0) + "%",
                         Self.format(100 * result.stats.writerCPUSeconds / result.seconds, digits: 0) + "%",
                         Self.format(1e6 * result.cpuSeconds / Double(singleEvents), digits: 1) + " µs"])
        }
        if let verifyRow { rows.append(verifyRow) }
        Self.printTable(rows)
    }

    struct Result {
        var seconds: Double
        var stats: AuditStoreStatistics
        var lastSeq: Int64
        /// The whole process's CPU time (user and system, every thread) from opening the
        /// store to closing it: steadier than events/s on a machine whose speed varies.
        var cpuSeconds: Double
    }

    #if canImport(Glibc)
    private static let rusageSelf = __rusage_who_t(RUSAGE_SELF.rawValue)
    #else
    private static let rusageSelf = RUSAGE_SELF
    #endif

    /// CPU time used so far by every thread of this process.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(rusageSelf, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    private func measure(path: String, events: Int, tasks: Int, durability: SQLiteAuditStore.Durability) async throws -> Result {
        let cpuBefore = Self.processCPUSeconds()
        let store = try SQLiteAuditStore(path: path, nodeID: node, signingKey: Curve25519.Signing.PrivateKey(), durability: durability)
        let identity = Self.identity
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                let share = events / tasks + (task < events % tasks ? 1 : 0)
                group.addTask {
                    for index in 0..<share {
                        _ = try await store.append(Self.event(task: task, index: index, identity: identity))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = start.duration(to: .now)
        let stats = store.statistics
        let lastSeq = try await store.lastSeq
        try await store.close()
        return Result(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, stats: stats, lastSeq: lastSeq,
                      cpuSeconds: Self.processCPUSeconds() - cpuBefore)
    }

    private func timeVerify(path: String) async throws -> Double {
        let start = ContinuousClock.now
        let report = try ChainVerifier.verify(storeAt: path)
        let elapsed = start.duration(to: .now)
        guard report.ok else { throw ValidationError("benchmark store does not verify: \(report.problem?.message ?? "?")") }
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static let identity = Identity(
        subject: "alice@example.com", issuer: "https://issuer.example.com", groups: ["dba"],
        actors: ["agent:planner", "agent:sql-runner"], tokenID: "tok-1234567890", parentTokenID: nil,
        expiresAt: Date().addingTimeInterval(3600), connections: nil
    )

    static func event(task: Int, index: Int, identity: Identity, n: Int? = nil) -> AuditEvent {
        var fields: [String: AuditValue] = [
            AuditField.statement: .string("SELECT id, total, status FROM orders WHERE customer_id = \(index) AND created_at > now() - interval '7 days'"),
            AuditField.decision: "allow",
        ]
        if let n { fields["n"] = .int(Int64(n)) }
        return AuditEvent(type: .command, sessionID: "bench-session-\(task)", identity: identity, connection: "orders-db", protocol: "postgres", fields: fields)
    }

    // MARK: - Crash-test writer

    /// Serialises ack lines from concurrent appenders; each line is one write(2).
    final class AckLog: Sendable {
        let fd: Int32
        let fsyncEach: Bool
        let next = Mutex(0)
        let writeLock = Mutex(())

        init(path: String, fsyncEach: Bool) throws {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw ValidationError("cannot open ack file \(path): \(String(cString: strerror(errno)))") }
            self.fsyncEach = fsyncEach
        }

        func take(limit: Int?) -> Int? {
            next.withLock { value in
                if let limit, value >= limit { return nil }
                value += 1
                return value
            }
        }

        func acknowledge(seq: Int64, n: Int) {
            let line = Array("\(seq) \(n)\n".utf8)
            writeLock.withLock { _ in
                line.withUnsafeBytes { _ = write(fd, $0.baseAddress, $0.count) }
                if fsyncEach { fsync(fd) }
            }
        }
    }

    private func runAckWriter(store path: String, ackFile: String, durability: SQLiteAuditStore.Durability) async throws {
        let store = try SQLiteAuditStore(
            path: path, nodeID: node, signingKey: Curve25519.Signing.PrivateKey(), checkpointEvery: 100, checkpointInterval: 0.5, durability: durability
        )
        let acks = try AckLog(path: ackFile, fsyncEach: ackFsync)
        let limit = count
        let identity = Self.identity
        let tasks = concurrency.first ?? 8
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    while let n = acks.take(limit: limit) {
                        let record = try await store.append(Self.event(task: task, index: n, identity: identity, n: n))
                        acks.acknowledge(seq: record.seq, n: n)
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.close()
    }

    // MARK: - Output

    static func format(_ value: Double, digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    static func printTable(_ rows: [[String]]) {
        guard let first = rows.first else { return }
        let widths = (0..<first.count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            let cells = row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }
            print(cells.joined(separator: "  "))
            if index == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
    }
}
