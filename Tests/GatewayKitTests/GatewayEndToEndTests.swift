import AsyncHTTPClient
import Foundation
import Testing

/// Drives the real gatewayd and auditctl binaries.
@Suite("gatewayd and auditctl end to end")
struct GatewayEndToEndTests {
    @Test func devGatewayServesHealthMetricsAndJWKS() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gateway = try DevGateway.start(dataDirectory: directory.path)
        defer { _ = gateway.stop() }

        let health = try await get(gateway.server + "/healthz")
        #expect(health.status == 200)
        #expect(health.body.contains("\"status\":\"ok\""))

        let jwks = try JSONSerialization.jsonObject(with: Data(try await get(gateway.server + "/.well-known/jwks.json").body.utf8)) as? [String: Any]
        let key = (jwks?["keys"] as? [[String: Any]])?.first
        #expect(key?["kty"] as? String == "OKP")
        #expect(key?["crv"] as? String == "Ed25519")
        #expect(key?["kid"] as? String != nil)
        #expect(key?["d"] == nil, "the private key must never be published")

        // An unauthenticated call is refused, and counted.
        let refused = try await get(gateway.server + "/v1/events")
        #expect(refused.status == 401)
        let metrics = try await get(gateway.server + "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.body.contains("auditgateway_admin_auth_failures_total"))
        #expect(metrics.body.contains("auditgateway_audit_events_total"))
    }

    @Test func adminAPIRequiresAnAdminToken() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gateway = try DevGateway.start(dataDirectory: directory.path)
        defer { _ = gateway.stop() }

        let ok = try gateway.auditctl(["events", "search"])
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(ok.stdout.contains("admin.action"), "the gateway's own start is in the trail: \(ok.stdout)")

        let mint = try ChildProcess.run("auditctl", ["token", "mint", "--data-dir", directory.path, "--subject", "bob", "--group", "developers"])
        #expect(mint.status == 0, "stderr: \(mint.stderr)")
        let developer = mint.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let forbidden = try gateway.auditctl(["events", "search"], token: developer)
        #expect(forbidden.status == 3)
        #expect(forbidden.stderr.contains("bob is not in the admin group"))

        let garbage = try gateway.auditctl(["events", "search"], token: "not-a-token")
        #expect(garbage.status == 3)
        #expect(garbage.stderr.contains("token rejected"))
        #expect(!garbage.stderr.contains("not-a-token"), "the token must not be echoed")

        let none = try ChildProcess.run("auditctl", ["events", "search"], environment: ["AUDIT_SERVER": gateway.server])
        #expect(none.status == 64)
        #expect(none.stderr.contains("AUDIT_TOKEN"))

        let unreachable = try ChildProcess.run("auditctl", ["verify"], environment: ["AUDIT_SERVER": "http://127.0.0.1:9", "AUDIT_TOKEN": gateway.token])
        #expect(unreachable.status == 4)
        #expect(unreachable.stderr.contains("cannot reach the gateway"))
    }

    @Test func gracefulShutdownLeavesAVerifiableStoreAndTamperingIsCaught() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gateway = try DevGateway.start(dataDirectory: directory.path)
        let online = try gateway.auditctl(["verify"])
        #expect(online.status == 0, "stderr: \(online.stderr)")
        #expect(online.stdout.contains("chain OK"))
        #expect(gateway.stop() == 0, "gatewayd must exit 0 on SIGTERM; stderr:\n\(gateway.process.stderr)")
        #expect(!gateway.process.stderr.contains(gateway.token), "tokens never reach the logs")

        let store = directory.file("audit.sqlite")
        let intact = try ChildProcess.run("auditctl", ["verify", "--store", store, "--json"])
        #expect(intact.status == 0, "stdout: \(intact.stdout) stderr: \(intact.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(intact.stdout.utf8)) as? [String: Any]
        #expect(report?["ok"] as? Bool == true)
        #expect((report?["checkpointsChecked"] as? Int ?? 0) >= 1, "shutdown signs a final checkpoint")
        #expect((report?["eventsChecked"] as? Int ?? 0) >= 2, "start and stop are both in the trail")

        // The append-only triggers stop accidents; someone tampering on purpose drops them first.
        #expect(try runSQLite(store, "UPDATE events SET body = replace(body, 'gateway.start', 'gateway.stort') WHERE seq = 1;") != 0, "append-only trigger refuses edits")
        let edit = try runSQLite(store, "DROP TRIGGER events_append_only_update; UPDATE events SET body = replace(body, 'gateway.start', 'gateway.stort') WHERE seq = 1;")
        #expect(edit == 0)
        let broken = try ChildProcess.run("auditctl", ["verify", "--store", store])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("chain BROKEN"))
        #expect(broken.stdout.contains("event 1"), "names the first bad event: \(broken.stdout)")
    }

    @Test func checkConfigAcceptsTheDocumentedExampleAndNamesBadKeys() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("Docs/examples/gatewayd.yaml").path
        let env = ["ORDERS_DB_PASSWORD": "pw-in-env-9f3a", "ORDERS_ROLE_ADMIN_PASSWORD": "pw-in-env-5be0", "WEB1_SSH_KEY": "key-in-env-77c1"]
        let good = try ChildProcess.run("gatewayd", ["check-config", "--config", example], environment: env)
        #expect(good.status == 0, "stderr: \(good.stderr)")
        #expect(good.stdout.contains("OK"))
        #expect(!good.stdout.contains("pw-in-env-9f3a") && !good.stdout.contains("key-in-env-77c1"), "check-config never prints secrets")

        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let cases: [(String, String)] = [
            ("data_dir: /tmp/x\nadmin:\n  listen: 127.0.0.1:1\n  colour: blue\n", "admin.colour"),
            ("data_dir: /tmp/x\nlisteners:\n  postgres: 10.0.0.1\n", "listeners.postgres"),
            ("data_dir: /tmp/x\nconnections:\n  - name: db\n    protocol: postgres\n    address: 127.0.0.1:5432\n    credential: env:AGW_TEST_UNSET_VARIABLE\n", "connections[0].credential"),
        ]
        for (index, (yaml, key)) in cases.enumerated() {
            try directory.write("bad\(index).yaml", yaml)
            let bad = try ChildProcess.run("gatewayd", ["check-config", "--config", directory.file("bad\(index).yaml")])
            #expect(bad.status == 2, "case \(index): \(bad.stderr)")
            #expect(bad.stderr.contains(key), "case \(index) should name \(key): \(bad.stderr)")
            #expect(bad.stderr.contains("line "), "case \(index) should name the line: \(bad.stderr)")
        }
    }

    private func get(_ url: String) async throws -> (status: Int, body: String) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), String(buffer: body))
    }

    private func runSQLite(_ path: String, _ sql: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = [path, sql]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
