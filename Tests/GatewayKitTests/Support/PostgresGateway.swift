import Foundation
import Testing

/// A real gatewayd in front of the test PostgreSQL server, with four connections that
/// exercise each upstream authentication and TLS mode, a development issuer for tokens,
/// and the secrets it holds (to grep for later).
struct PostgresGateway {
    static let upstreamPasswords = ["apppass", "md5pass", "plainpass"]

    let directory: TemporaryDirectory
    let process: ChildProcess.Running
    let postgres: TestServers.Postgres
    let port: Int
    let adminServer: String
    let adminToken: String

    var dataDirectory: String { directory.file("data") }
    var certificate: String { dataDirectory + "/tls/gateway.crt" }

    /// - Parameters:
    ///   - variants: more connections like `orders` (same server, role and groups), by name,
    ///     each with its own extra settings, e.g. `["orders-idle": ["idle_timeout: 1s"]]`.
    ///   - policyYAML: a policy document; when given, gatewayd runs with it (`policy.file`)
    ///     instead of the connections' group lists.
    ///   - tokenSettings: more lines under `tokens:`, e.g. `["max_delegation_depth: 2"]`.
    ///   - listenerSettings: more lines under `listeners:`, e.g. `["threads: 1"]`.
    static func start(variants: [String: [String]] = [:], extraConnectionYAML: String = "", policyYAML: String? = nil,
                      tokenSettings: [String] = [], listenerSettings: [String] = []) throws -> PostgresGateway {
        let postgres = try TestServers.postgres()
        let variantYAML = variants.keys.sorted().map { name in
            (["  - name: \(name)", "    protocol: postgres", "    address: \(postgres.host):\(postgres.port)", "    database: app", "    username: app",
              "    credential: env:PG_APP_PASSWORD", "    tls: require", "    allow_groups: [developers]", "    read_only_groups: [contractors]"]
                + variants[name]!.map { "    " + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
        let directory = try TemporaryDirectory()
        let port = TestServers.freePort()
        let adminPort = TestServers.freePort()
        try directory.write("gatewayd.yaml", """
        node_id: pg-test
        data_dir: data
        admin:
          listen: 127.0.0.1:\(adminPort)
          group: auditors
        audit:
          durability: normal
        tokens:
          leeway: 0s
        \(tokenSettings.map { "  " + $0 }.joined(separator: "\n"))
        dev_issuer: true
        listeners:
          postgres: 127.0.0.1:\(port)
        \(listenerSettings.map { "  " + $0 }.joined(separator: "\n"))
        \(policyYAML == nil ? "" : "policy:\n  file: policy.yaml")
        connections:
          - name: orders
            protocol: postgres
            address: \(postgres.host):\(postgres.port)
            database: app
            username: app
            credential: env:PG_APP_PASSWORD
            tls: require
            allow_groups: [developers]
            read_only_groups: [contractors]
            mask_columns: [email, "*card*"]
          - name: orders-md5
            protocol: postgres
            address: \(postgres.host):\(postgres.port)
            database: app
            username: app_md5
            credential: env:PG_MD5_PASSWORD
            tls: disable
            allow_groups: [developers]
          - name: orders-plain
            protocol: postgres
            address: \(postgres.host):\(postgres.port)
            database: app
            username: app_plain
            credential: file:plain.password
            tls: verify-full
            ca_file: \(postgres.caFile)
            allow_groups: ["*"]
        \(variantYAML)
        \(extraConnectionYAML)
        """)
        try directory.write("plain.password", "plainpass\n")
        if let policyYAML { try directory.write("policy.yaml", policyYAML) }
        let process = try launch(directory)
        let mint = try ChildProcess.run("auditctl", ["token", "mint", "--data-dir", directory.file("data"), "--subject", "auditor", "--group", "auditors"])
        guard mint.status == 0 else {
            Issue.record("auditctl token mint failed: \(mint.stderr)")
            throw CancellationError()
        }
        return PostgresGateway(directory: directory, process: process, postgres: postgres, port: port,
                               adminServer: "http://127.0.0.1:\(adminPort)", adminToken: mint.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Starts gatewayd on `directory`'s configuration and waits until it serves.
    private static func launch(_ directory: TemporaryDirectory) throws -> ChildProcess.Running {
        let process = try ChildProcess.start("gatewayd", ["--config", directory.file("gatewayd.yaml")],
                                             environment: ["PG_APP_PASSWORD": "apppass", "PG_MD5_PASSWORD": "md5pass"])
        let deadline = Date().addingTimeInterval(60)
        while !process.stderr.contains("postgres listener ready") || !process.stderr.contains("admin API listening") {
            if !process.process.isRunning || Date() > deadline {
                Issue.record("gatewayd did not start:\n\(process.stderr)")
                throw CancellationError()
            }
            usleep(50_000)
        }
        return process
    }

    /// The same gateway (configuration, data directory, ports) started again, after this
    /// one's process has gone.
    func restarted() throws -> PostgresGateway {
        PostgresGateway(directory: directory, process: try Self.launch(directory), postgres: postgres, port: port,
                        adminServer: adminServer, adminToken: adminToken)
    }

    /// A development token for `subject`.
    func token(_ subject: String, groups: [String], ttl: String = "1h", audience: String? = nil, actors: [String] = []) throws -> String {
        var arguments = ["token", "mint", "--data-dir", dataDirectory, "--subject", subject, "--ttl", ttl]
        for group in groups { arguments += ["--group", group] }
        for actor in actors { arguments += ["--actor", actor] }
        if let audience { arguments += ["--audience", audience] }
        let result = try ChildProcess.run("auditctl", arguments)
        #expect(result.status == 0, "token mint: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A libpq connection string to the gateway for `connection`.
    func dsn(_ connection: String, sslmode: String = "require", extra: String = "") -> String {
        "host=127.0.0.1 port=\(port) user=\(connection) dbname=\(connection) sslmode=\(sslmode) \(extra)"
    }

    /// Runs psql through the gateway with `token` as the password.
    func psql(_ connection: String, token: String, sslmode: String = "require", extra: String = "", _ arguments: [String], timeout: TimeInterval = 60) throws -> ChildProcess.Result {
        try ChildProcess.runTool("psql", ["-X", "-v", "ON_ERROR_STOP=0", "-d", dsn(connection, sslmode: sslmode, extra: extra)] + arguments,
                                 environment: ["PGPASSWORD": token, "PGCONNECT_TIMEOUT": "10"], timeout: timeout)
    }

    /// psql straight to the server as the superuser (over its Unix socket), for checks on the target side.
    func superuser(_ sql: String) throws -> ChildProcess.Result {
        try ChildProcess.runTool("psql", ["-X", "-At", "-h", postgres.socketDirectory, "-p", String(postgres.port), "-U", "postgres", "-d", "app", "-c", sql])
    }

    func auditctl(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", arguments, environment: ["AUDIT_SERVER": adminServer, "AUDIT_TOKEN": adminToken])
    }

    /// Events as JSON objects.
    func events(_ filters: [String]) throws -> [[String: Any]] {
        let result = try auditctl(["events", "search", "--json", "--limit", "10000"] + filters)
        #expect(result.status == 0, "events search: \(result.stderr)")
        return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
    }

    func stop() -> Int32 {
        process.signal(SIGTERM)
        let status = process.wait(timeout: 30)
        return status
    }
}

extension ChildProcess {
    /// Runs a system tool (psql, pgbench, ...) found on PATH.
    static func runTool(_ name: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Result {
        try run(path: "/usr/bin/env", [name] + arguments, environment: environment, timeout: timeout)
    }
}
