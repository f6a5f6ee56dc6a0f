import Foundation
import Testing

/// Nested agents through the real gateway, auditctl and psql: a two-level chain
/// (alice → etl → loader) attributed on every statement and drawn by `sessions tree`;
/// widening refused; revocation that cascades down the chain and survives a restart; and a
/// lease that lapses when its `auditctl run` dies.
@Suite("PostgreSQL gateway with delegated tokens", .serialized)
final class PostgresDelegationTests {
    let gateway: PostgresGateway
    let auditctlPath: String

    init() throws {
        gateway = try PostgresGateway.start(tokenSettings: ["max_delegation_depth: 2", "max_exchange_ttl: 2h", "max_lease: 1m"])
        auditctlPath = try ChildProcess.executable("auditctl")
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    private func auditctl(token: String, _ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", arguments, environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": token])
    }

    /// Exchanges `token` for a child for `actor`; returns the child token and its jti.
    private func exchange(_ token: String, actor: String, _ extra: [String] = []) throws -> (token: String, id: String) {
        let result = try auditctl(token: token, ["token", "exchange", "--actor", actor, "--json"] + extra)
        #expect(result.status == 0, "token exchange: \(result.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (try #require(answer["access_token"] as? String), try #require(answer["token_id"] as? String))
    }

    /// psql running one long statement through the gateway with `token`.
    private func sleepingPsql(_ token: String, seconds: Int, marker: String) throws -> ChildProcess.Running {
        try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-At", "-d", gateway.dsn("orders"), "-c", "select '\(marker)', pg_sleep(\(seconds))"],
                               environment: ["PGPASSWORD": token, "PGCONNECT_TIMEOUT": "10"])
    }

    /// Live sessions of alice, as `sessions list --json` gives them.
    private func liveSessions() throws -> [[String: Any]] {
        let list = try gateway.auditctl(["sessions", "list", "--active", "--json", "--subject", "alice"])
        return (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    /// Waits until alice has a live session whose chain is exactly `actors`, other than the
    /// `excluded` ones (a session whose client just quit is live until its end is stored);
    /// returns its id.
    private func waitForSession(actors: [String], excluding excluded: Set<String> = []) throws -> String {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let live = try liveSessions().filter { !excluded.contains($0["id"] as? String ?? "") }
            if let id = live.first(where: { ($0["actors"] as? [String]) == actors })?["id"] as? String { return id }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("no live session of alice with actors \(actors)")
        throw CancellationError()
    }

    /// The `session.end` reason of `id`, once it is recorded.
    private func endReason(_ id: String) throws -> String? {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let ends = try gateway.events(["--session", id, "--type", "session.end"])
            if let reason = ((ends.first?["event"] as? [String: Any])?["fields"] as? [String: Any])?["reason"] as? String { return reason }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }

    @Test func twoLevelChainIsAttributedOnEveryStatementAndDrawnAsATree() throws {
        let alice = try gateway.token("alice", groups: ["developers"])
        let psql = "psql -X -At -d '\(gateway.dsn("orders"))'"
        let script = "\(psql) -c \"select 'etl_marker'\" && '\(auditctlPath)' run --actor loader -- \(psql) -c \"select 'loader_marker'\""
        let run = try auditctl(token: alice, ["run", "--actor", "etl", "--", "sh", "-c", script])
        #expect(run.status == 0, "auditctl run: \(run.stderr)")
        #expect(run.stdout.contains("etl_marker") && run.stdout.contains("loader_marker"), "\(run.stdout)")

        // Every statement carries the root subject and the whole chain, outermost first.
        let commands = try gateway.events(["--subject", "alice", "--type", "command"]).compactMap { $0["event"] as? [String: Any] }
        func actors(of marker: String) -> [String]? {
            commands.first { (($0["fields"] as? [String: Any])?["statement"] as? String)?.contains(marker) == true }?["actors"] as? [String]
        }
        #expect(actors(of: "etl_marker") == ["etl"])
        #expect(actors(of: "loader_marker") == ["loader", "etl"])

        // The exchanges are in the trail and link child to parent.
        let exchanged = try gateway.events(["--subject", "alice", "--type", "token.exchanged"]).compactMap { $0["event"] as? [String: Any] }
        let etl = try #require(exchanged.first { ($0["actors"] as? [String]) == ["etl"] })
        let loader = try #require(exchanged.first { ($0["actors"] as? [String]) == ["loader", "etl"] })
        #expect((loader["fields"] as? [String: Any])?["parent_token_id"] as? String == etl["tokenID"] as? String)
        #expect((etl["fields"] as? [String: Any])?["lease_seconds"] != nil, "auditctl run asks for a lease")

        // sessions tree draws root → etl → loader → statements.
        let tree = try gateway.auditctl(["sessions", "tree", "--subject", "alice"])
        #expect(tree.status == 0, "sessions tree: \(tree.stderr)")
        let lines = tree.stdout.split(separator: "\n").map(String.init)
        let etlLine = try #require(lines.firstIndex { $0.contains("etl") && !$0.contains("loader") && !$0.contains("marker") }, "\(tree.stdout)")
        let loaderLine = try #require(lines.firstIndex { $0.contains("loader") && !$0.contains("marker") }, "\(tree.stdout)")
        let loaderStatement = try #require(lines.firstIndex { $0.contains("loader_marker") }, "\(tree.stdout)")
        #expect(etlLine < loaderLine && loaderLine < loaderStatement, "\(tree.stdout)")
        let json = try gateway.auditctl(["sessions", "tree", "--subject", "alice", "--json"])
        #expect(json.status == 0 && json.stdout.contains("loader_marker") && json.stdout.contains(loader["tokenID"] as? String ?? "?"), "\(json.stdout)")

        // The tokens themselves are never in the trail.
        let everything = try gateway.auditctl(["events", "search", "--json", "--limit", "10000"])
        #expect(!everything.stdout.contains(alice), "the root token must not be in the trail")
    }

    @Test func wideningIsRefusedAndAudited() throws {
        let alice = try gateway.token("alice", groups: ["developers"], ttl: "3h")
        let limited = try exchange(alice, actor: "limited", ["--connection", "orders", "--ttl", "30m"])

        let cases: [(token: String, arguments: [String], message: String)] = [
            (limited.token, ["--actor", "x", "--connection", "orders-md5"], "cannot add orders-md5"),
            (limited.token, ["--actor", "x", "--ttl", "1h"], "cannot outlive its parent"),
            (alice, ["--actor", "x", "--ttl", "150m"], "maximum 2h"),
            (alice, ["--actor", "x", "--lease", "5m"], "maximum 1m"),
            (alice, ["--actor", "x", "--connection", "no-such-connection"], "no connection named"),
        ]
        for (token, arguments, message) in cases {
            let result = try auditctl(token: token, ["token", "exchange"] + arguments)
            #expect(result.status != 0 && result.stdout.isEmpty, "\(arguments) must be refused")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        // Deeper than max_delegation_depth (2): alice → limited → second → third.
        let second = try exchange(limited.token, actor: "second")
        let third = try auditctl(token: second.token, ["token", "exchange", "--actor", "third"])
        #expect(third.status == 3 && third.stderr.contains("the limit is 2"), "\(third.stderr)")

        // The narrowed child still works where it may, and not elsewhere.
        let allowed = try gateway.psql("orders", token: limited.token, ["-At", "-c", "select 'narrowed_ok'"])
        #expect(allowed.stdout.contains("narrowed_ok"), "\(allowed.stderr)")
        let elsewhere = try gateway.psql("orders-md5", token: limited.token, ["-At", "-c", "select 1"])
        #expect(elsewhere.status != 0 && elsewhere.stderr.contains("limited to orders"), "\(elsewhere.stderr)")

        let refusals = try gateway.events(["--subject", "alice", "--type", "policy.decision", "--text", "token.exchange"])
        #expect(refusals.count >= 6, "every refused exchange is audited: \(refusals.count)")
    }

    @Test func revocationCascadesDownTheChainAndSurvivesARestart() throws {
        let alice = try gateway.token("alice", groups: ["developers"])
        let etl = try exchange(alice, actor: "etl")
        let loader = try exchange(etl.token, actor: "loader")

        let etlPsql = try sleepingPsql(etl.token, seconds: 8, marker: "etl_alive")
        let loaderPsql = try sleepingPsql(loader.token, seconds: 60, marker: "loader_alive")
        let etlSession = try waitForSession(actors: ["etl"])
        let loaderSession = try waitForSession(actors: ["loader", "etl"])

        // Revoking loader ends loader's session only.
        let revokeLoader = try gateway.auditctl(["revoke", "--token", loader.id, "--reason", "runaway loader"])
        #expect(revokeLoader.status == 0, "\(revokeLoader.stderr)")
        #expect(revokeLoader.stdout.contains(loaderSession) && !revokeLoader.stdout.contains(etlSession), "\(revokeLoader.stdout)")
        #expect(loaderPsql.wait(timeout: 10) != 0)
        #expect(loaderPsql.stderr.contains("revoked") && loaderPsql.stderr.contains("runaway loader"), "\(loaderPsql.stderr)")
        #expect(try endReason(loaderSession) == "revoked")
        #expect(etlPsql.wait(timeout: 30) == 0, "etl's own session keeps running: \(etlPsql.stderr)")
        #expect(etlPsql.stdout.contains("etl_alive"))

        // Revoking the root subject ends the rest of the tree and refuses new connections.
        let etlAgain = try sleepingPsql(etl.token, seconds: 60, marker: "etl_again")
        let etlAgainSession = try waitForSession(actors: ["etl"], excluding: [etlSession])
        let revokeAlice = try gateway.auditctl(["revoke", "--subject", "alice", "--reason", "left the company"])
        #expect(revokeAlice.status == 0, "\(revokeAlice.stderr)")
        #expect(etlAgain.wait(timeout: 10) != 0)
        #expect(etlAgain.stderr.contains("left the company"), "\(etlAgain.stderr)")
        #expect(try endReason(etlAgainSession) == "revoked")
        for token in [alice, etl.token, loader.token] {
            let refused = try gateway.psql("orders", token: token, ["-At", "-c", "select 1"])
            #expect(refused.status != 0 && refused.stderr.contains("revoked"), "\(refused.stderr)")
        }
        let exchangeRefused = try auditctl(token: etl.token, ["token", "exchange", "--actor", "sneaky"])
        #expect(exchangeRefused.status == 3 && exchangeRefused.stderr.contains("revoked"), "\(exchangeRefused.stderr)")

        // Revocations are in the trail, so they hold after a restart.
        #expect(gateway.stop() == 0)
        let restarted = try gateway.restarted()
        defer { _ = restarted.stop() }
        for token in [etl.token, loader.token] {
            let refused = try restarted.psql("orders", token: token, ["-At", "-c", "select 1"])
            #expect(refused.status != 0 && refused.stderr.contains("revoked"), "after restart: \(refused.stderr)")
        }
        let list = try restarted.auditctl(["revoke", "--list", "--json"])
        #expect(list.stdout.contains("left the company") && list.stdout.contains(loader.id), "\(list.stdout)")
        // A token issued after the subject's revocation is not covered by it.
        Thread.sleep(forTimeInterval: 1.1)
        let fresh = try restarted.token("alice", groups: ["developers"])
        let allowed = try restarted.psql("orders", token: fresh, ["-At", "-c", "select 'fresh_ok'"])
        #expect(allowed.stdout.contains("fresh_ok"), "\(allowed.stderr)")
    }

    @Test func leaseLapsesWhenTheRunnerIsKilled() throws {
        let alice = try gateway.token("alice", groups: ["developers"])
        let runner = try ChildProcess.start(path: auditctlPath, ["run", "--actor", "nightly", "--lease", "2s", "--",
                                                                 "psql", "-X", "-At", "-d", gateway.dsn("orders"), "-c", "select 'lease_alive', pg_sleep(60)"],
                                            environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": alice])
        let session = try waitForSession(actors: ["nightly"])
        // Renewals keep the session alive well past the lease period.
        Thread.sleep(forTimeInterval: 5)
        #expect(try liveSessions().contains { $0["id"] as? String == session }, "renewed leases keep the session: \(runner.stderr)")

        // SIGKILL: no more renewals; psql (now orphaned) is cut off when the lease lapses.
        runner.signal(SIGKILL)
        _ = runner.wait(timeout: 5)
        #expect(try endReason(session) == "lease_expired")
        let renewals = try gateway.events(["--subject", "alice", "--type", "token.renewed"])
        #expect(renewals.count >= 2, "auditctl run renewed the lease: \(renewals.count)")
    }
}
