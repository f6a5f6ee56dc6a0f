import Foundation
import Testing

/// `listeners.threads`: the node's own event-loop group instead of NIO's shared one.
@Suite("PostgreSQL gateway on listener threads of its own", .serialized)
struct PostgresListenerThreadsTests {
    /// Eight concurrent sessions share the one thread (each with its upstream connection),
    /// every statement is in the trail, and the node still shuts down cleanly: the group's
    /// threads stop only after the listener has ended its sessions.
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
        #expect(gateway.stop() == 0, "gatewayd must exit 0 on SIGTERM; stderr:\n\(gateway.process.stderr)")
        let verify = try ChildProcess.run("auditctl", ["verify", "--store", gateway.dataDirectory + "/audit.sqlite"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }
}
