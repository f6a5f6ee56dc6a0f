import Foundation
import Testing

/// `listeners.threads`: the node's own event-loop group instead of NIO's shared one.
@Suite("PostgreSQL gateway on listener threads of its own", .serialized)
struct PostgresListenerThreadsTests {
    /// Eight concurrent sessions share the one thread (each with its upstream connection),
    /// every statement is in the trail, and the node still shuts down cleanly: the group's
    /// threads stop only after the node's services have all returned.
    @Test func oneThreadServesConcurrentSessionsAndStopsCleanly() throws {
        let gateway = try PostgresGateway.start(listenerSettings: ["threads: 1"])
        defer { gateway.directory.remove() }
        let token = try gateway.token("one-thread", groups: ["developers"])
        try gateway.directory.write("select.sql", "\\set n random(1, 1000000)\nSELECT :n AS n;\n")
        let run = try ChildProcess.runTool("pgbench", ["-n", "-c", "8", "-j", "2", "-t", "50", "-f", gateway.directory.file("select.sql"), gateway.dsn("orders")],
                                           environment: ["PGPASSWORD": token], timeout: 240)
        #expect(run.status == 0, "pgbench: \(run.stderr)")
        #expect(run.stdout.contains("number of transactions actually processed: 400/400"), "\(run.stdout)")
        #expect(run.stdout.contains("number of failed transactions: 0"), "\(run.stdout)")
        let commands = try gateway.events(["--subject", "one-thread", "--type", "command", "--text", "AS n"])
        #expect(commands.count == 400, "every statement of the eight sessions is in the trail")
        let sessions = Set(commands.compactMap { ($0["event"] as? [String: Any])?["sessionID"] as? String })
        #expect(sessions.count == 8)
        // The node runs a group of its own with exactly one event loop. (NIO names the shared
        // group's threads NIO-SGLTN-…; without `threads` the node starts no NIO-ELT group.)
        let groups = try Self.eventLoopGroupSizes(pid: gateway.process.process.processIdentifier)
        #expect(Array(groups.values) == [1], "threads: 1 starts one group of one loop: \(groups)")
        #expect(gateway.stop() == 0, "gatewayd must exit 0 on SIGTERM; stderr:\n\(gateway.process.stderr)")
        let verify = try ChildProcess.run("auditctl", ["verify", "--store", gateway.dataDirectory + "/audit.sqlite"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    /// The NIO event-loop groups of process `pid` and their thread counts, from the threads'
    /// names (`NIO-ELT-GROUP-#INDEX`).
    static func eventLoopGroupSizes(pid: Int32) throws -> [String: Int] {
        var sizes: [String: Int] = [:]
        for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            guard let name = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8), name.hasPrefix("NIO-ELT-") else { continue }
            let group = name.dropFirst("NIO-ELT-".count).prefix { $0 != "-" }
            sizes[String(group), default: 0] += 1
        }
        return sizes
    }
}
