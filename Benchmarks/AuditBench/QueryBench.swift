import ArgumentParser
import AuditCore
import Crypto
import Foundation

/// `audit-bench queries`: how long the searches behind `auditctl events search` take on a
/// store of many events, interleaved across many sessions as a busy gateway writes them.
struct QueryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queries",
        abstract: "Measure audit searches (by session, connection, subject, type, time, text) on a large store.",
        discussion: """
        Fills a fresh store (durability normal, in batches) with --events command events spread over \
        --sessions sessions, 8 subjects and 4 connections, one second apart, then times each search \
        (best of --repeat runs, after the lookup is up to date).
        """
    )

    @Option(help: "Events in the store.")
    var events: Int = 1_000_000

    @Option(help: "Sessions the events are spread over (round robin, as concurrent sessions interleave).")
    var sessions: Int = 500

    @Option(help: "Runs of each search; the best is shown.")
    var `repeat`: Int = 5

    func validate() throws {
        guard events >= 10_000 else { throw ValidationError("--events must be at least 10000") }
        guard sessions > 0, `repeat` > 0 else { throw ValidationError("--sessions and --repeat must be positive") }
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("audit-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try SQLiteAuditStore(path: directory + "/queries.sqlite", nodeID: "bench-node",
                                         signingKey: Curve25519.Signing.PrivateKey(), durability: .normal)
        let epoch = Date(timeIntervalSince1970: 1_764_234_000)
        let connections = ["orders-db", "billing-db", "web-1", "analytics-db"]
        let identities = (0..<8).map { Identity(subject: "user-\($0)@example.com", issuer: "https://issuer.example.com", groups: ["dba"],
                                                actors: $0 % 3 == 0 ? ["agent:planner"] : [], tokenID: "tok-\($0)", expiresAt: epoch + 86_400) }
        let filled = ContinuousClock.now
        for start in stride(from: 0, to: events, by: 2000) {
            let batch = (start..<min(start + 2000, events)).map { index in
                AuditEvent(type: index % 10 == 0 ? .policyDecision : .command, time: epoch + Double(index),
                           sessionID: "session-\(index % sessions)", identity: identities[(index % sessions) % identities.count],
                           connection: connections[(index % sessions) % connections.count], protocol: "postgres",
                           fields: [AuditField.statement: .string("SELECT * FROM orders WHERE id = \(index)")])
            }
            _ = try await store.append(contentsOf: batch)
        }
        let fillSeconds = Self.seconds(filled.duration(to: .now))
        _ = try await store.events(AuditQuery(limit: 1, newestFirst: true))  // brings the lookup level
        let indexSeconds = Self.seconds(filled.duration(to: .now)) - fillSeconds
        print("audit searches on \(events) events over \(sessions) sessions (filled in \(String(format: "%.1f", fillSeconds)) s, lookup level \(String(format: "%.1f", indexSeconds)) s later)")

        let middle = epoch + Double(events / 2)
        let searches: [(String, AuditQuery)] = [
            ("newest 100", AuditQuery(limit: 100, newestFirst: true)),
            ("session, newest 100", AuditQuery(sessionID: "session-7", limit: 100, newestFirst: true)),
            ("session, oldest 100", AuditQuery(sessionID: "session-7", limit: 100)),
            ("connection, newest 100", AuditQuery(connection: "orders-db", limit: 100, newestFirst: true)),
            ("subject + type, newest 100", AuditQuery(subject: "user-2@example.com", types: [.policyDecision], limit: 100, newestFirst: true)),
            ("subject, page after the middle", AuditQuery(subject: "user-3@example.com", afterSeq: Int64(events / 2), limit: 100)),
            ("actor, newest 100", AuditQuery(actor: "agent:planner", limit: 100, newestFirst: true)),
            ("one minute in the middle", AuditQuery(since: middle, until: middle + 60, limit: 100)),
            ("since the middle, type", AuditQuery(types: [.policyDecision], since: middle, limit: 100)),
            ("text, oldest 10", AuditQuery(text: "id = \(events - 5)", limit: 10)),
            ("session + text, oldest 10", AuditQuery(sessionID: "session-7", text: "id = \((events / 2 / sessions) * sessions + 7)", limit: 10)),
        ]
        var rows: [[String]] = [["search", "results", "best ms"]]
        for (name, query) in searches {
            var best = Double.infinity
            var results = 0
            for _ in 0..<`repeat` {
                let started = ContinuousClock.now
                results = try await store.events(query).count
                best = min(best, Self.seconds(started.duration(to: .now)) * 1000)
            }
            rows.append([name, String(results), String(format: "%.2f", best)])
        }
        AppendBench.printTable(rows)
        try await store.close()
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
