import Foundation
import Testing

/// A real gatewayd in front of the test sshd, with three SSH connections — password login,
/// key login, and one pinning the wrong host key — and the OpenSSH client to drive it.
struct SSHGateway {
    let directory: TemporaryDirectory
    let process: ChildProcess.Running
    let ssh: TestServers.SSH
    let port: Int
    let adminServer: String
    let adminToken: String

    var dataDirectory: String { directory.file("data") }

    /// A well-formed host key that is not the test server's.
    static let wrongHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPDs/0uOwg9HSCOao1b+gYHWd6zySz5Ttn5sMP8fUkbw"

    /// - Parameters:
    ///   - policyYAML: a policy document; when given, gatewayd runs with it instead of the
    ///     connections' group lists.
    ///   - connections: more connections like `web-1` (password login, developers), by name,
    ///     each with its own extra keys (`idle_timeout: 2s`).
    ///   - environment: more variables for gatewayd (test knobs such as `AGW_TEST_SSH_TRAIL_MARKS`).
    static func start(policyYAML: String? = nil, extraConnectionYAML: String = "", connections: [String: [String]] = [:],
                      environment: [String: String] = [:]) throws -> SSHGateway {
        let ssh = try TestServers.ssh()
        /// A connection to the test sshd as a YAML list item: `keys` after its address and login.
        func entry(_ name: String, _ keys: [String]) -> String {
            (["  - name: \(name)", "    protocol: ssh", "    address: \(ssh.host):\(ssh.port)", "    username: \(ssh.user)"] + keys.map { "    " + $0 })
                .joined(separator: "\n")
        }
        let password = ["credential: env:SSH_TEST_PASSWORD", "host_key: \(ssh.hostKey)", "allow_groups: [developers]"]
        let entries = [entry("web-1", password),
                       entry("web-key", ["private_key: file:\(ssh.keyFile)", "host_key: \(ssh.hostKey)", "allow_groups: [developers]"]),
                       entry("web-impostor", ["credential: env:SSH_TEST_PASSWORD", "host_key: \(wrongHostKey)", "allow_groups: [developers]"])]
            + connections.sorted { $0.key < $1.key }.map { entry($0.key, password + $0.value) }
        let directory = try TemporaryDirectory()
        let port = TestServers.freePort()
        let adminPort = TestServers.freePort()
        try directory.write("gatewayd.yaml", """
        node_id: ssh-test
        data_dir: data
        admin:
          listen: 127.0.0.1:\(adminPort)
          group: auditors
        audit:
          durability: normal
        tokens:
          leeway: 0s
        dev_issuer: true
        listeners:
          ssh: 127.0.0.1:\(port)
        \(policyYAML == nil ? "" : "policy:\n  file: policy.yaml")
        connections:
        \(entries.joined(separator: "\n"))
        \(extraConnectionYAML)
        """)
        if let policyYAML { try directory.write("policy.yaml", policyYAML) }
        try directory.write("askpass.sh", "#!/bin/sh\nprintf '%s\\n' \"$AGW_TEST_ASKPASS\"\n")
        chmod(directory.file("askpass.sh"), 0o755)
        let process = try ChildProcess.start("gatewayd", ["--config", directory.file("gatewayd.yaml")],
                                             environment: environment.merging(["SSH_TEST_PASSWORD": ssh.password]) { $1 })
        let deadline = Date().addingTimeInterval(60)
        while !process.stderr.contains("ssh listener ready") || !process.stderr.contains("admin API listening") {
            if !process.process.isRunning || Date() > deadline {
                Issue.record("gatewayd did not start:\n\(process.stderr)")
                throw CancellationError()
            }
            usleep(50_000)
        }
        let mint = try ChildProcess.run("auditctl", ["token", "mint", "--data-dir", directory.file("data"), "--subject", "auditor", "--group", "auditors"])
        guard mint.status == 0 else {
            Issue.record("auditctl token mint failed: \(mint.stderr)")
            throw CancellationError()
        }
        return SSHGateway(directory: directory, process: process, ssh: ssh, port: port, adminServer: "http://127.0.0.1:\(adminPort)",
                          adminToken: mint.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A development token for `subject`.
    func token(_ subject: String, groups: [String] = ["developers"], ttl: String = "1h") throws -> String {
        var arguments = ["token", "mint", "--data-dir", dataDirectory, "--subject", subject, "--ttl", ttl]
        for group in groups { arguments += ["--group", group] }
        let result = try ChildProcess.run("auditctl", arguments)
        #expect(result.status == 0, "token mint: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The second login the test sshd offers, with the same password (scripts/test-servers.sh).
    var otherLogin: String { ssh.user + "-alt" }

    /// `sshpass` arguments that run `ssh` for `user@gateway` (see ``sshOptions(_:_:)``).
    func sshArguments(_ user: String, _ extra: [String] = []) -> [String] {
        ["-e", "ssh"] + sshOptions(user, extra)
    }

    /// OpenSSH client arguments for `user@gateway` (the gateway's key is not checked: a fresh one per test).
    func sshOptions(_ user: String, _ extra: [String] = []) -> [String] {
        ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
         "-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=10", "-p", String(port)] + extra + ["\(user)@127.0.0.1"]
    }

    /// Runs `command` through the gateway with `ssh` (via `sshpass`, the token as password).
    func run(_ user: String, token: String, _ command: String, timeout: TimeInterval = 60) throws -> ChildProcess.Result {
        try ChildProcess.runTool("sshpass", sshArguments(user) + [command], environment: ["SSHPASS": token], timeout: timeout)
    }

    /// Starts `ssh` through the gateway and leaves it running (with `input`, its stdin is a pipe).
    func start(_ user: String, token: String, extra: [String] = [], command: String? = nil, input: Bool = false) throws -> ChildProcess.Running {
        try ChildProcess.start(path: "/usr/bin/env", ["sshpass"] + sshArguments(user, extra) + (command.map { [$0] } ?? []),
                               environment: ["SSHPASS": token], input: input)
    }

    /// The environment in which `ssh` itself (no sshpass, no terminal needed) takes `token`
    /// from an `SSH_ASKPASS` program, as agents do.
    func askpassEnvironment(_ token: String) -> [String: String] {
        ["SSH_ASKPASS": directory.file("askpass.sh"), "SSH_ASKPASS_REQUIRE": "force", "AGW_TEST_ASKPASS": token]
    }

    func auditctl(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", arguments, environment: ["AUDIT_SERVER": adminServer, "AUDIT_TOKEN": adminToken])
    }

    /// Events as JSON objects (`event` holds type, session and fields).
    func events(_ filters: [String]) throws -> [[String: Any]] {
        let result = try auditctl(["events", "search", "--json", "--limit", "10000"] + filters)
        #expect(result.status == 0, "events search: \(result.stderr)")
        let records = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]) ?? []
        return records.compactMap { $0["event"] as? [String: Any] }
    }

    /// Waits until an event matching `predicate` is in the trail.
    func waitForEvent(_ filters: [String], timeout: TimeInterval = 15, where predicate: ([String: Any]) -> Bool) throws -> [String: Any] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = try events(filters).first(where: predicate) { return found }
            Thread.sleep(forTimeInterval: 0.2)
        }
        Issue.record("no event matching \(filters) within \(timeout)s")
        throw CancellationError()
    }

    func stop() -> Int32 {
        process.signal(SIGTERM)
        return process.wait(timeout: 30)
    }
}

extension Dictionary where Key == String, Value == Any {
    /// An event's field, from the JSON `auditctl events search --json` prints.
    func field(_ name: String) -> Any? { (self["fields"] as? [String: Any])?[name] }
}
