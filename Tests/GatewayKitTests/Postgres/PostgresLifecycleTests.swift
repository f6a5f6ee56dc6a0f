import Foundation
import Testing

/// The gateway ends sessions by itself — idle timeout, maximum duration, token expiry — and
/// says why, to the psql user (FATAL 57P01) and in the trail (`session.end` reason).
@Suite("PostgreSQL gateway session lifecycle", .serialized)
final class PostgresLifecycleTests {
    let gateway: PostgresGateway

    init() throws {
        gateway = try PostgresGateway.start(variants: [
            "orders-idle": ["idle_timeout: 1s"],
            "orders-brief": ["max_duration: 2s"],
        ])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// psql reading its statements from a pipe, so the test decides when it sends the next.
    private func interactivePsql(_ connection: String, token: String) throws -> ChildProcess.Running {
        try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-At", "-v", "VERBOSITY=verbose", "-d", gateway.dsn(connection), "-f", "-"],
                               environment: ["PGPASSWORD": token, "PGCONNECT_TIMEOUT": "10"], input: true)
    }

    /// The reason of `subject`'s one `session.end`, waiting for the gateway to write it.
    private func endReason(of subject: String, timeout: TimeInterval = 30) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let ends = try gateway.events(["--subject", subject, "--type", "session.end"])
            if let reason = ((ends.first?["event"] as? [String: Any])?["fields"] as? [String: Any])?["reason"] as? String {
                return reason
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }

    private func statements(of subject: String) throws -> [String] {
        try gateway.events(["--subject", subject, "--type", "command"]).compactMap {
            (($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["statement"] as? String
        }
    }

    @Test func anIdleSessionIsEndedWithItsReason() throws {
        let token = try gateway.token("idler", groups: ["developers"])
        let psql = try interactivePsql("orders-idle", token: token)
        psql.send("select 'first';\n")
        // Nothing more is sent until the gateway has ended the idle session.
        #expect(try endReason(of: "idler") == "idle_timeout")
        psql.send("select 'second';\n")
        psql.closeInput()
        #expect(psql.wait(timeout: 30) != 0, "psql notices the closed session")
        #expect(psql.stderr.contains("FATAL:  57P01: terminating connection: idle for more than 1s"), "\(psql.stderr)")
        #expect(psql.stdout == "first\n", "\(psql.stdout)")
        #expect(try statements(of: "idler") == ["select 'first'"], "the second statement never passed the gateway")
    }

    @Test func aRunningStatementIsNotIdleness() throws {
        let token = try gateway.token("sleeper", groups: ["developers"])
        // The statement runs twice as long as the idle timeout; the session survives it.
        let result = try gateway.psql("orders-idle", token: token, ["-At", "-c", "select pg_sleep(2)", "-c", "select 'still connected'"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasSuffix("still connected\n"), "\(result.stdout)")
        #expect(try endReason(of: "sleeper") == "client_quit")
    }

    @Test func aBusySessionEndsAtItsMaximumDurationAndItsStatementStops() throws {
        let token = try gateway.token("marathon", groups: ["developers"])
        let statement = "select pg_sleep(60) as marathon"
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-v", "VERBOSITY=verbose", "-d", gateway.dsn("orders-brief"), "-c", statement],
                                          environment: ["PGPASSWORD": token])
        #expect(psql.wait(timeout: 40) != 0)
        #expect(psql.stderr.contains("FATAL:  57P01: terminating connection: the session reached its maximum duration of 2s"), "\(psql.stderr)")
        #expect(try endReason(of: "marathon") == "max_duration")
        // The gateway cancels the statement upstream too; left alone it would sleep a minute.
        var running = "?"
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            running = try gateway.superuser("select count(*) from pg_stat_activity where query = '\(statement)'").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            if running == "0" { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(running == "0", "the upstream statement still runs after the session ended")
    }

    @Test func aTokenThatExpiresMidSessionEndsIt() throws {
        // tokens.leeway is 0s in the test configuration: the session ends at `exp`.
        let token = try gateway.token("expiring", groups: ["developers"], ttl: "5s")
        let psql = try interactivePsql("orders", token: token)
        psql.send("select 'while valid';\n")
        #expect(try endReason(of: "expiring") == "token_expired")
        psql.send("select 'after expiry';\n")
        psql.closeInput()
        #expect(psql.wait(timeout: 30) != 0)
        #expect(psql.stderr.contains("FATAL:  57P01: terminating connection: your token expired"), "\(psql.stderr)")
        #expect(psql.stdout == "while valid\n", "\(psql.stdout)")
        #expect(try statements(of: "expiring") == ["select 'while valid'"])
    }
}
