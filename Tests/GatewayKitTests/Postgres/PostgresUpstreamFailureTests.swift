import Foundation
import Testing

/// When the gateway cannot set up the upstream side — a server whose certificate the
/// configured CA does not vouch for, an impostor that agrees to TLS and then talks in
/// plaintext — the client gets a FATAL error that names the connection and the reason (not
/// a bare closed connection), the session ends as `upstream_error`, and the gateway keeps
/// serving everyone else. So does a server that resets the connection mid-session.
@Suite("PostgreSQL upstream failures", .serialized)
final class PostgresUpstreamFailureTests {
    let gateway: PostgresGateway
    let certificates: TemporaryDirectory
    let developer: String
    /// Where the impostor listens for each connection (started by the test that uses it).
    let impostorPorts = ["injected-same-read": TestServers.freePort(), "injected-later-read": TestServers.freePort(),
                         "injected-silent": TestServers.freePort()]
    /// Where the server that resets mid-session listens (plaintext: the reset is the point).
    let resettingPort = TestServers.freePort()
    /// Where the server that resets during start-up listens.
    let resettingAtStartupPort = TestServers.freePort()

    init() throws {
        // A CA that has nothing to do with the test server's certificate.
        certificates = try TemporaryDirectory()
        let strangerCA = certificates.file("stranger-ca.crt")
        let openssl = try ChildProcess.runTool("openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stranger-ca",
            "-keyout", certificates.file("stranger-ca.key"), "-out", strangerCA,
        ])
        try #require(openssl.status == 0, "openssl: \(openssl.stderr)")
        let postgres = try TestServers.postgres()
        var extra = """
              - name: orders-wrong-ca
                protocol: postgres
                address: \(postgres.host):\(postgres.port)
                database: app
                username: app
                credential: env:PG_APP_PASSWORD
                tls: verify-full
                ca_file: \(strangerCA)
                allow_groups: [developers]
              - name: orders-wrong-ca-jit
                protocol: postgres
                address: \(postgres.host):\(postgres.port)
                database: app
                tls: verify-full
                ca_file: \(strangerCA)
                allow_groups: [developers]
                jit_role:
                  admin_user: app
                  admin_credential: env:PG_APP_PASSWORD

            """
        // Fixture servers on loopback: the impostors speak TLS (what they inject comes after
        // it), the resetting servers plaintext (the reset is the point).
        let fixtures = impostorPorts.sorted(by: { $0.key < $1.key }).map { ($0.key, $0.value, "require") }
            + [("reset-mid-session", resettingPort, "disable"), ("reset-at-startup", resettingAtStartupPort, "disable")]
        for (name, port, tls) in fixtures {
            extra += """
                  - name: \(name)
                    protocol: postgres
                    address: 127.0.0.1:\(port)
                    database: app
                    username: app
                    credential: env:PG_APP_PASSWORD
                    tls: \(tls)
                    allow_groups: [developers]
                    connect_timeout: 2s

                """
        }
        gateway = try PostgresGateway.start(extraConnectionYAML: extra)
        developer = try gateway.token("dana", groups: ["developers"])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
        certificates.remove()
    }

    /// The reasons recorded for the sessions on `connection` that have ended, once there are
    /// any (the client hears of the failure before the session's end is stored).
    private func endReasons(_ connection: String) throws -> [String] {
        let deadline = Date().addingTimeInterval(15)
        while true {
            let reasons = try gateway.events(["--connection", connection, "--type", "session.end"]).compactMap {
                ((($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["reason"]) as? String
            }
            if !reasons.isEmpty || Date() > deadline { return reasons }
            usleep(100_000)
        }
    }

    /// Starts `Fixtures/<script>` with `arguments` and waits until it listens; the caller
    /// waits for it (it serves one connection, then prints its report and exits).
    private func startFixture(_ script: String, _ arguments: [String]) throws -> ChildProcess.Running {
        let path = TestServers.repositoryRoot.appendingPathComponent("Tests/GatewayKitTests/Postgres/Fixtures/\(script)").path
        let fixture = try ChildProcess.start(path: "/usr/bin/env", ["python3", path] + arguments)
        _ = try fixture.waitForOutput(containing: "ready", timeout: 30)
        return fixture
    }

    /// The JSON report a fixture prints last.
    private func report(of fixture: ChildProcess.Running) throws -> [String: Any] {
        let last = fixture.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(try? JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any], "fixture report: \(fixture.stdout) \(fixture.stderr)")
    }

    /// A healthy session on `orders` answers, as before the failure.
    private func expectGatewayStillServes() throws {
        let healthy = try gateway.psql("orders", token: developer, ["-At", "-c", "SELECT 40 + 2"])
        #expect(healthy.status == 0 && healthy.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "42", "\(healthy.stderr)")
    }

    @Test func aServerCertificateTheConfiguredCADoesNotVouchForIsAClearError() throws {
        let result = try gateway.psql("orders-wrong-ca", token: developer, ["-At", "-c", "SELECT 1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("FATAL"), "a protocol error, not a dropped connection: \(result.stderr)")
        #expect(result.stderr.contains("connection orders-wrong-ca: TLS with the server failed: certificate verify failed"), "\(result.stderr)")
        #expect(!result.stderr.contains(".build") && !result.stderr.contains("OPENSSL_internal"), "no library internals: \(result.stderr)")
        #expect(result.stderr.contains("ca_file"), "the hint says what to check: \(result.stderr)")
        #expect(try endReasons("orders-wrong-ca") == ["upstream_error"])
        try expectGatewayStillServes()
    }

    /// With `jit_role` the first connection is the gateway's admin login, which mints the
    /// session's role: its TLS failure reaches the client with the same hint.
    @Test func aJITAdminConnectionTheConfiguredCADoesNotVouchForIsAClearErrorWithItsHint() throws {
        let result = try gateway.psql("orders-wrong-ca-jit", token: developer, ["-At", "-c", "SELECT 1"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot create this session's database role: TLS with the server failed: certificate verify failed"), "\(result.stderr)")
        #expect(result.stderr.contains("HINT") && result.stderr.contains("ca_file"), "the hint says what to check: \(result.stderr)")
        #expect(!result.stderr.contains("apppass"), "\(result.stderr)")
        #expect(try endReasons("orders-wrong-ca-jit") == ["upstream_error"])
        try expectGatewayStillServes()
    }

    @Test(arguments: ["same-read", "later-read"])
    func aServerThatSendsPlaintextAfterAgreeingToTLSIsRefused(mode: String) throws {
        let connection = "injected-\(mode)"
        let impostor = try startFixture("injecting_postgres_server.py", [String(impostorPorts[connection]!), mode])
        defer { _ = impostor.wait(timeout: 1) }

        let result = try gateway.psql(connection, token: developer, ["-At", "-c", "SELECT 1"])
        #expect(result.status != 0, "the forged AuthenticationOk and ReadyForQuery must not open a session: \(result.stdout)")
        #expect(result.stderr.contains("FATAL") && result.stderr.contains("connection \(connection):"), "\(result.stderr)")
        // Caught before TLS starts when the bytes came with the 'S'; otherwise they reach the
        // TLS handshake, which finds no TLS record in them.
        let reason = mode == "same-read" ? "unencrypted data after agreeing to TLS" : "the server did not speak TLS after agreeing to it"
        #expect(result.stderr.contains(reason), "\(result.stderr)")
        #expect(!result.stderr.contains("HINT"), "no ca_file hint for what is not a certificate problem: \(result.stderr)")
        #expect(impostor.wait(timeout: 30) == 0, "impostor: \(impostor.stderr)")
        let report = try report(of: impostor)
        #expect(report["ssl_request"] as? Bool == true, "\(report)")
        // Nothing, or a TLS handshake record (22) — never a plaintext StartupMessage (whose
        // first byte, the top of its length, is 0) that would carry the user name in clear.
        let first = report["first_byte_after"] as? Int
        #expect(first == nil || first == 22, "the gateway sent plaintext after the 'S': \(report)")
        #expect(try endReasons(connection) == ["upstream_error"])
        try expectGatewayStillServes()
    }

    /// A connection that fails after start-up (reset by the server) is reported as what it
    /// is, a connection failure naming the connection — not as a malformed message — and
    /// the statement's command event was stored before the server ever saw it.
    @Test func aServerThatResetsTheConnectionMidSessionIsAConnectionFailure() throws {
        let server = try startFixture("resetting_postgres_server.py", [String(resettingPort)])
        defer { _ = server.wait(timeout: 1) }

        let result = try gateway.psql("reset-mid-session", token: developer, ["-At", "-c", "SELECT 'before the reset'"], timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains("FATAL") && result.stderr.contains("connection reset-mid-session: the connection to the server failed: Connection reset by peer"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("invalid message"), "\(result.stderr)")
        #expect(server.wait(timeout: 30) == 0, "server: \(server.stderr)")
        let report = try report(of: server)
        #expect(report["query"] as? String == "SELECT 'before the reset'", "\(report)")
        #expect(try endReasons("reset-mid-session") == ["upstream_error"])
        let commands = try gateway.events(["--connection", "reset-mid-session", "--type", "command"])
        #expect(commands.count == 1, "\(commands)")
        try expectGatewayStillServes()
    }

    @Test func aResetDuringStartUpNamesItsCause() throws {
        let server = try startFixture("resetting_postgres_server.py", [String(resettingAtStartupPort), "startup"])
        defer { _ = server.wait(timeout: 1) }

        let result = try gateway.psql("reset-at-startup", token: developer, ["-At", "-c", "SELECT 'never sent'"], timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains("FATAL") && result.stderr.contains("connection reset-at-startup: the connection to the server failed during start-up: Connection reset by peer"),
                "\(result.stderr)")
        #expect(!result.stderr.contains("IOError") && !result.stderr.contains("read(descriptor"), "no NIO internals: \(result.stderr)")
        #expect(server.wait(timeout: 30) == 0, "server: \(server.stderr)")
        #expect(try report(of: server)["startup"] as? Bool == true, "the gateway sent its StartupMessage")
        #expect(try endReasons("reset-at-startup") == ["upstream_error"])
        #expect(try gateway.events(["--connection", "reset-at-startup", "--type", "command"]).isEmpty, "nothing ran, nothing recorded as run")
        try expectGatewayStillServes()
    }

    @Test func aServerThatNeverFinishesStartUpIsCutOffAfterConnectTimeout() throws {
        let impostor = try startFixture("injecting_postgres_server.py", [String(impostorPorts["injected-silent"]!), "silent"])
        defer { _ = impostor.wait(timeout: 1) }

        let result = try gateway.psql("injected-silent", token: developer, ["-At", "-c", "SELECT 1"], timeout: 30)
        #expect(result.status != 0)
        #expect(result.stderr.contains("FATAL") && result.stderr.contains("connection injected-silent: the server did not finish start-up within 2s"),
                "\(result.stderr)")
        #expect(result.stderr.contains("connect_timeout"), "the hint names the setting: \(result.stderr)")
        #expect(try endReasons("injected-silent") == ["upstream_error"])
        try expectGatewayStillServes()
    }
}
