import Foundation
import Testing

/// A gateway that dies mid-session (SIGKILL: no chance to write `session.end`) records the
/// end of that session when it starts again, so the trail has no session without an end.
@Suite("PostgreSQL gateway restart", .serialized)
struct PostgresRestartTests {
    @Test func sessionsLeftOpenByAKilledGatewayAreEndedAtTheNextStart() throws {
        let first = try PostgresGateway.start()
        defer { first.directory.remove() }
        let token = try first.token("survivor", groups: ["developers"])
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-d", first.dsn("orders"), "-c", "select pg_sleep(20) as survivor"],
                                          environment: ["PGPASSWORD": token])
        // Wait until the session is open and its statement was audited.
        let deadline = Date().addingTimeInterval(30)
        while try first.events(["--subject", "survivor", "--type", "command"]).isEmpty {
            guard Date() < deadline else {
                Issue.record("the session never started: \(psql.stderr)")
                return
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        first.process.signal(SIGKILL)
        _ = first.process.wait(timeout: 10)
        #expect(psql.wait(timeout: 30) != 0, "psql loses its connection with the gateway")

        let second = try first.restarted()
        defer { _ = second.stop() }
        let ends = try second.events(["--subject", "survivor", "--type", "session.end"])
        #expect(ends.count == 1)
        let fields = (ends.first?["event"] as? [String: Any])?["fields"] as? [String: Any]
        #expect(fields?["reason"] as? String == "gateway_restarted")
        let listing = try second.auditctl(["sessions", "list", "--subject", "survivor", "--json"])
        let sessions = (try? JSONSerialization.jsonObject(with: Data(listing.stdout.utf8)) as? [[String: Any]]) ?? []
        #expect(sessions.count == 1 && sessions.first?["endReason"] as? String == "gateway_restarted", "\(listing.stdout)")
        // The killed gateway could not cancel its statement; end it so no other test sees it.
        _ = try second.superuser("select pg_cancel_backend(pid) from pg_stat_activity where query like '%as survivor'")
    }
}
