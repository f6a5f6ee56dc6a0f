import Foundation
import Testing

/// Port forwarding through the gateway with the real OpenSSH client: `ssh -L`, `ssh -D`
/// (SOCKS) and `ssh -W` (ProxyJump) to a web server on loopback, as the policy allows or
/// denies each destination, and `ssh -R`, refused unless a rule names the remote port by object.
@Suite("SSH port forwarding", .serialized)
final class SSHForwardingTests {
    let gateway: SSHGateway
    let site: TemporaryDirectory
    let web: ChildProcess.Running
    let webPort: Int
    /// The file the web server serves, big enough to need several SSH window adjustments.
    let content: Data

    init() throws {
        gateway = try SSHGateway.start(policyYAML: """
        version: 1
        rules:
          - name: no-forwarding-by-name
            effect: deny
            reason: "forward to 127.0.0.1, not by host name"
            match:
              protocols: [ssh]
              classes: [forward]
              objects: ["localhost:*"]
          - name: tunnelers-listen-on-loopback
            effect: allow
            match:
              groups: [tunnelers]
              classes: [forward]
              objects: ["remote:localhost:*"]
          - name: developers
            effect: allow
            match:
              groups: [developers]
        """)
        site = try TemporaryDirectory()
        var bytes = Data()
        for line in 0..<40_000 { bytes.append(Data("line \(line) of the forwarded file\n".utf8)) }
        content = bytes
        try content.write(to: URL(fileURLWithPath: site.file("file.txt")))
        webPort = TestServers.freePort()
        web = try ChildProcess.start(path: "/usr/bin/env", ["python3", "-m", "http.server", "--bind", "127.0.0.1", String(webPort), "--directory", site.path])
        try Self.waitForListener(webPort, process: web)
    }

    deinit {
        web.signal(SIGTERM)
        _ = web.wait(timeout: 10)
        _ = gateway.stop()
        gateway.directory.remove()
        site.remove()
    }

    /// Waits until something listens on TCP `port` (read from /proc/net/tcp, without
    /// connecting: a test connection through a forward would be a forward of its own).
    static func waitForListener(_ port: Int, process: ChildProcess.Running, timeout: TimeInterval = 20) throws {
        let hexPort = ":" + String(format: "%04X", port)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
                let text = (try? String(contentsOfFile: table, encoding: .utf8)) ?? ""
                // Columns: sl, local_address (HEXIP:HEXPORT), rem_address, st (0A: LISTEN), ...
                for line in text.split(separator: "\n").dropFirst() {
                    let columns = line.split(separator: " ")
                    if columns.count > 3, columns[1].hasSuffix(hexPort), columns[3] == "0A" { return }
                }
            }
            if let status = ChildProcess.exitStatus(process.process) {
                Issue.record("the process exited with \(status) before listening on \(port): \(process.stderr)")
                throw CancellationError()
            }
            usleep(100_000)
        }
        Issue.record("nothing listens on port \(port) after \(timeout)s: \(process.stderr)")
        throw CancellationError()
    }

    /// Fetches `http://127.0.0.1:PORT/file.txt` with curl into a file; returns curl's status and what it got.
    func fetch(port: Int) throws -> (status: Int32, body: Data, stderr: String) {
        let output = site.file("fetched-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let curl = try ChildProcess.run(path: "/usr/bin/curl", ["-sS", "--max-time", "20", "-o", output, "http://127.0.0.1:\(port)/file.txt"], timeout: 30)
        return (curl.status, (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data(), curl.stderr)
    }

    @Test func aLocalForwardTheRulesAllowCarriesTheBytesAndIsAudited() throws {
        let local = TestServers.freePort()
        let client = try gateway.start("web-1", token: try gateway.token("alice"),
                                       extra: ["-N", "-o", "ExitOnForwardFailure=yes", "-L", "127.0.0.1:\(local):127.0.0.1:\(webPort)"])
        try Self.waitForListener(local, process: client)
        let fetched = try fetch(port: local)
        #expect(fetched.status == 0, "curl: \(fetched.stderr)")
        #expect(fetched.body == content, "the file arrives intact through the forward (\(fetched.body.count) of \(content.count) bytes)")

        let command = try gateway.waitForEvent(["--type", "command", "--connection", "web-1"]) { $0.field("class") as? String == "forward" }
        #expect(command.field("forward") as? String == "direct-tcpip")
        #expect(command.field("host") as? String == "127.0.0.1")
        #expect(command.field("port") as? Int == webPort)
        #expect(command.field("statement") as? String == "direct-tcpip 127.0.0.1:\(webPort)")
        #expect((command.field("originator") as? String)?.hasPrefix("127.0.0.1:") == true)
        #expect(command.field("rule") as? String == "developers")
        let session = try #require(command["sessionID"] as? String)
        let outcome = try gateway.waitForEvent(["--type", "command.outcome", "--session", session]) { $0.field("bytes_out") != nil }
        #expect((outcome.field("bytes_out") as? Int ?? 0) > content.count, "the response (headers and file) is counted")
        #expect((outcome.field("bytes_in") as? Int ?? 0) > 0, "the request is counted")
        #expect(outcome.field("outcome") as? String == "ok")
        #expect(outcome.field("duration_ms") != nil)

        client.signal(SIGTERM)
        _ = client.wait(timeout: 15)
        let end = try gateway.waitForEvent(["--type", "session.end", "--session", session]) { _ in true }
        #expect(end.field("commands") as? Int == 1)
    }

    @Test func aLocalForwardTheRulesDenyOpensNothingAndIsRecorded() throws {
        let local = TestServers.freePort()
        let client = try gateway.start("web-1", token: try gateway.token("bob"), extra: ["-N", "-L", "127.0.0.1:\(local):localhost:\(webPort)"])
        defer {
            client.signal(SIGTERM)
            _ = client.wait(timeout: 15)
        }
        try Self.waitForListener(local, process: client)
        let fetched = try fetch(port: local)
        #expect(fetched.status != 0, "curl must not get through a denied forward")
        #expect(fetched.body.isEmpty)

        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "bob"]) { $0.field("class") as? String == "forward" }
        #expect(decision.field("rule") as? String == "no-forwarding-by-name")
        #expect(decision.field("decision") as? String == "deny")
        #expect(decision.field("object") as? String == "localhost:\(webPort)")
        #expect(decision.field("reason") as? String == "forward to 127.0.0.1, not by host name")
        #expect(try gateway.events(["--type", "command", "--subject", "bob"]).isEmpty, "a denied forward is no command")
    }

    @Test func aDynamicForwardDecidesAndAuditsEachDestination() throws {
        let socks = TestServers.freePort()
        let client = try gateway.start("web-1", token: try gateway.token("dora"), extra: ["-N", "-o", "ExitOnForwardFailure=yes", "-D", "127.0.0.1:\(socks)"])
        defer {
            client.signal(SIGTERM)
            _ = client.wait(timeout: 15)
        }
        try Self.waitForListener(socks, process: client)
        /// curl through the SOCKS proxy, the destination named as given (resolved by the far end).
        func fetch(host: String) throws -> (status: Int32, body: Data) {
            let output = site.file("socks-\(UUID().uuidString.prefix(8))")
            defer { try? FileManager.default.removeItem(atPath: output) }
            let curl = try ChildProcess.run(path: "/usr/bin/curl", ["-sS", "--max-time", "20", "--socks5-hostname", "127.0.0.1:\(socks)", "-o", output,
                                                                    "http://\(host):\(webPort)/file.txt"], timeout: 30)
            return (curl.status, (try? Data(contentsOf: URL(fileURLWithPath: output))) ?? Data())
        }

        let allowed = try fetch(host: "127.0.0.1")
        #expect(allowed.status == 0 && allowed.body == content, "the file arrives intact through ssh -D (\(allowed.body.count) of \(content.count) bytes)")
        let command = try gateway.waitForEvent(["--type", "command", "--subject", "dora"]) { $0.field("class") as? String == "forward" }
        #expect(command.field("statement") as? String == "direct-tcpip 127.0.0.1:\(webPort)")
        #expect(command.field("rule") as? String == "developers")

        // The next destination of the same proxy is decided on its own: by name, it is denied.
        let denied = try fetch(host: "localhost")
        #expect(denied.status != 0 && denied.body.isEmpty, "curl must not get through to a denied destination")
        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "dora"]) { $0.field("class") as? String == "forward" }
        #expect(decision.field("object") as? String == "localhost:\(webPort)")
        #expect(decision.field("rule") as? String == "no-forwarding-by-name")
    }

    @Test func stdioForwardingAsProxyJumpUsesIsDecidedAndAudited() throws {
        // `ssh -W host:port` (what ProxyJump runs) relays its standard input and output.
        let token = try gateway.token("erin")
        let client = try ChildProcess.start(path: "/usr/bin/env", ["sshpass"] + gateway.sshArguments("web-1", ["-W", "127.0.0.1:\(webPort)"]),
                                            environment: ["SSHPASS": token], input: true)
        client.send("GET /file.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        let status = client.wait(timeout: 30)
        #expect(status == 0, "ssh -W ends when the web server closes: \(client.stderr)")
        #expect(client.stdout.hasPrefix("HTTP/1.0 200"), "\(client.stdout.prefix(200))")
        #expect(client.stdout.hasSuffix("line 39999 of the forwarded file\n"), "the whole file came back through -W")
        let command = try gateway.waitForEvent(["--type", "command", "--subject", "erin"]) { $0.field("class") as? String == "forward" }
        #expect(command.field("forward") as? String == "direct-tcpip")
        #expect(command.field("statement") as? String == "direct-tcpip 127.0.0.1:\(webPort)")

        let refused = try ChildProcess.run(path: "/usr/bin/env", ["sshpass"] + gateway.sshArguments("web-1", ["-W", "localhost:\(webPort)"]),
                                           environment: ["SSHPASS": token], timeout: 30)
        #expect(refused.status == 255, "ssh -W to a denied destination fails: \(refused.stderr)")
        #expect(refused.stdout.isEmpty)
        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "erin"]) { $0.field("class") as? String == "forward" }
        #expect(decision.field("rule") as? String == "no-forwarding-by-name")
    }

    @Test func aRemoteForwardIsRefusedUnlessARuleNamesIt() throws {
        let remote = TestServers.freePort()
        let client = try gateway.start("web-1", token: try gateway.token("carol"),
                                       extra: ["-N", "-o", "ExitOnForwardFailure=yes", "-R", "\(remote):127.0.0.1:\(webPort)"])
        let status = client.wait(timeout: 30)
        #expect(status != 0 && status != -9, "ssh exits on its own with an error: \(client.stderr)")
        #expect(client.stderr.contains("remote port forwarding failed"), "stderr: \(client.stderr)")
        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "carol"]) { $0.field("class") as? String == "forward" }
        #expect(decision.field("rule") as? String == "gateway:ssh-remote-forwarding")
        #expect(decision.field("object") as? String == "remote:localhost:\(remote)")
        #expect(decision.field("forward") as? String == "tcpip-forward")
    }

    @Test func aRemoteForwardARuleNamesListensOnTheServerAndRelaysBack() throws {
        let remote = TestServers.freePort()
        let client = try gateway.start("web-1", token: try gateway.token("dave", groups: ["developers", "tunnelers"]),
                                       extra: ["-N", "-o", "ExitOnForwardFailure=yes", "-R", "\(remote):127.0.0.1:\(webPort)"])
        try Self.waitForListener(remote, process: client)
        // The server (sshd on this host) listens; a connection to it comes back through the gateway to the client.
        let fetched = try fetch(port: remote)
        #expect(fetched.status == 0, "curl: \(fetched.stderr)")
        #expect(fetched.body == content, "the file arrives intact through the remote forward (\(fetched.body.count) of \(content.count) bytes)")

        let listen = try gateway.waitForEvent(["--type", "command", "--subject", "dave"]) { $0.field("forward") as? String == "tcpip-forward" }
        #expect(listen.field("rule") as? String == "tunnelers-listen-on-loopback")
        #expect(listen.field("object") as? String == "remote:localhost:\(remote)")
        let connection = try gateway.waitForEvent(["--type", "command", "--subject", "dave"]) { $0.field("forward") as? String == "forwarded-tcpip" }
        #expect(connection.field("port") as? Int == remote)
        let session = try #require(connection["sessionID"] as? String)
        let outcome = try gateway.waitForEvent(["--type", "command.outcome", "--session", session]) { $0.field("bytes_in") != nil }
        #expect((outcome.field("bytes_in") as? Int ?? 0) > content.count, "the local server's answer travels from the client")

        client.signal(SIGTERM)
        _ = client.wait(timeout: 15)
        let listenerOutcome = try gateway.waitForEvent(["--type", "command.outcome", "--session", session]) { $0.field("connections") != nil }
        #expect(listenerOutcome.field("connections") as? Int == 1)
    }
}
