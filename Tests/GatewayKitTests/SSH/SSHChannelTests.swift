import Foundation
import Testing

/// What a session channel carries besides data, with the real OpenSSH client on a real
/// terminal where it matters: window size changes, the remote command's exit signal,
/// environment variables (only the allowed names), agent and X11 forwarding (refused), the
/// upstream login picked as `LOGIN+CONNECTION`, and the token from `SSH_ASKPASS`. Where the
/// gateway must behave as sshd itself would, the test runs the same client against the sshd
/// directly first, so it shows the gateway, not the server, made the difference.
@Suite("SSH session channels", .serialized)
final class SSHChannelTests {
    let gateway: SSHGateway
    /// Runs a command on a new pseudo-terminal and plays steps on it (see ``terminal(_:_:environment:)``).
    let terminalDriver: String
    /// An SSH client that sends signals (see ``signalClientSource``).
    let signalClient: String

    init() throws {
        gateway = try SSHGateway.start(connections: [
            "web-env": ["allowed_env: [AGW_PASSED]"],
            "web-logins": ["allowed_logins: [\(try TestServers.ssh().user)-alt]"],
        ])
        terminalDriver = gateway.directory.file("terminal.py")
        try gateway.directory.write("terminal.py", Self.terminalDriverSource)
        signalClient = gateway.directory.file("signals.py")
        try gateway.directory.write("signals.py", Self.signalClientSource)
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    // MARK: Helpers

    /// Runs `command` on a new pseudo-terminal (python3's `os.openpty`) and plays `steps`:
    /// `["size", ROWS, COLS]` (the first one before the command starts; later ones resize
    /// the terminal, which signals SIGWINCH), `["send", TEXT]`, `["expect", TEXT]`. Returns
    /// what the terminal showed and the command's exit status (124: an expect timed out).
    private func terminal(_ steps: [[Any]], _ command: [String], environment: [String: String]) throws -> ChildProcess.Result {
        let script = String(decoding: try JSONSerialization.data(withJSONObject: steps), as: UTF8.self)
        return try ChildProcess.run(path: "/usr/bin/env", ["python3", terminalDriver, script] + command, environment: environment, timeout: 60)
    }

    /// Runs `command` on the test sshd directly (no gateway), as the gateway's login.
    private func direct(_ command: String, _ extra: [String] = []) throws -> ChildProcess.Result {
        let ssh = gateway.ssh
        return try ChildProcess.runTool("sshpass", ["-e", "ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                                                    "-o", "PubkeyAuthentication=no", "-p", String(ssh.port)] + extra + ["\(ssh.user)@\(ssh.host)", command],
                                        environment: ["SSHPASS": ssh.password])
    }

    // MARK: Terminal

    @Test func windowChangesReachTheServerAndTheRecording() throws {
        let result = try terminal([["size", 24, 80],
                                   ["expect", "$ "], ["send", "echo size=$(stty size)\n"], ["expect", "size=24 80"],
                                   ["size", 40, 132], ["send", "echo size=$(stty size)\n"], ["expect", "size=40 132"],
                                   ["send", "exit 7\n"]],
                                  ["ssh", "-t"] + gateway.sshOptions("web-1"), environment: gateway.askpassEnvironment(try gateway.token("wanda")))
        #expect(result.status == 7, "terminal:\n\(result.stdout)\n\(result.stderr)")

        let start = try gateway.waitForEvent(["--type", "session.start", "--subject", "wanda"]) { _ in true }
        let session = try #require(start["sessionID"] as? String)
        _ = try gateway.waitForEvent(["--type", "session.end", "--session", session]) { _ in true }
        let replay = try gateway.auditctl(["replay", "--raw", session])
        let lines = replay.stdout.split(separator: "\n")
        #expect(lines.first?.contains("\"width\":80") == true && lines.first?.contains("\"height\":24") == true, "header: \(lines.first ?? "")")
        #expect(lines.contains { $0.contains("\"r\",\"132x40\"") }, "the resize is recorded: \(replay.stdout)")
    }

    // MARK: Exit signal

    /// A command killed by a signal has no exit status; sshd sends `exit-signal` and ssh exits
    /// 255. Through the gateway the client gets the same `exit-signal`, and the trail the signal.
    @Test func aCommandKilledByASignalEndsAsItWouldDirectly() throws {
        let command = "echo before; kill -TERM $$; echo after"
        let direct = try direct(command, ["-v"])
        #expect(direct.status == 255 && direct.stdout == "before\n", "direct: \(direct.status) \(direct.stdout)")
        #expect(direct.stderr.contains("rtype exit-signal"), "sshd sends exit-signal: \(direct.stderr)")

        let relayed = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-1", ["-v"]) + [command], environment: ["SSHPASS": try gateway.token("sigrid")])
        #expect(relayed.status == direct.status, "stderr: \(relayed.stderr)")
        #expect(relayed.stdout == direct.stdout)
        #expect(relayed.stderr.contains("rtype exit-signal"), "the gateway relays exit-signal: \(relayed.stderr)")
        #expect(!relayed.stderr.contains("rtype exit-status"), "and no exit status of its own")

        let outcome = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "sigrid"]) { _ in true }
        #expect(outcome.field("outcome") as? String == "signal")
        #expect(outcome.field("exit_signal") as? String == "TERM")
    }

    /// OpenSSH's ssh sends no `signal` requests; asyncssh does. A signal the client sends
    /// reaches the command (its trap runs), and the exit signal comes back whole (name, core
    /// dump flag), exactly as from sshd directly.
    @Test func signalsReachTheCommandAndExitSignalsComeBackWhole() throws {
        func run(port: Int, user: String, password: String) throws -> [String: Any] {
            let result = try ChildProcess.run(path: "/usr/bin/python3", ["-W", "ignore", signalClient, String(port), user],
                                              environment: ["AGW_TEST_PASSWORD": password], timeout: 60)
            #expect(result.status == 0, "signals.py: \(result.stderr)")
            return (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]) ?? [:]
        }
        let direct = try run(port: gateway.ssh.port, user: gateway.ssh.user, password: gateway.ssh.password)
        #expect(direct["trapped"] as? String == "got-TERM\n" && direct["trapped_exit"] as? Int == 9, "direct: \(direct)")
        #expect((direct["killed_signal"] as? [Any])?.first as? String == "TERM", "direct: \(direct)")

        let relayed = try run(port: gateway.port, user: "web-1", password: try gateway.token("signe"))
        #expect(NSDictionary(dictionary: relayed) == NSDictionary(dictionary: direct), "through the gateway: \(relayed)\ndirect: \(direct)")
        let outcomes = try gateway.events(["--type", "command.outcome", "--subject", "signe"])
        #expect(outcomes.contains { $0.field("exit_status") as? Int == 9 }, "\(outcomes)")
        #expect(outcomes.contains { $0.field("exit_signal") as? String == "TERM" }, "\(outcomes)")
    }

    // MARK: Environment

    @Test func onlyAllowedEnvironmentVariablesReachTheServer() throws {
        let show = "echo \"lc=[$LC_AGW_TEST] secret=[$AGW_SECRET] passed=[$AGW_PASSED]\""
        let setenv = ["-o", "SetEnv=LC_AGW_TEST=allowed AGW_SECRET=blocked AGW_PASSED=named"]
        // sshd itself accepts all three (AcceptEnv LANG LC_* TERM AGW_*).
        let direct = try direct(show, setenv)
        #expect(direct.stdout == "lc=[allowed] secret=[blocked] passed=[named]\n", "direct: \(direct.stdout) \(direct.stderr)")

        let token = try gateway.token("erin")
        // The default allow-list: LANG, LC_*, TERM.
        let defaults = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-1", setenv) + [show], environment: ["SSHPASS": token])
        #expect(defaults.status == 0, "stderr: \(defaults.stderr)")
        #expect(defaults.stdout == "lc=[allowed] secret=[] passed=[]\n")
        // A connection's own list replaces it.
        let named = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-env", setenv) + [show], environment: ["SSHPASS": token])
        #expect(named.status == 0, "stderr: \(named.stderr)")
        #expect(named.stdout == "lc=[] secret=[] passed=[named]\n")
    }

    // MARK: Forwarding the agent and X11

    @Test func agentForwardingIsRefusedAndTheSessionWorks() throws {
        let socket = gateway.directory.file("agent.sock")
        let agent = try ChildProcess.start(path: "/usr/bin/ssh-agent", ["-D", "-a", socket])
        defer {
            agent.signal(SIGTERM)
            _ = agent.wait(timeout: 5)
        }
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: socket), Date() < deadline { usleep(50_000) }
        let show = "echo \"agent=[$SSH_AUTH_SOCK]\""
        // sshd alone would forward it.
        let direct = try ChildProcess.runTool("sshpass", ["-e", "ssh", "-A", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                                                          "-p", String(gateway.ssh.port), "\(gateway.ssh.user)@\(gateway.ssh.host)", show],
                                              environment: ["SSHPASS": gateway.ssh.password, "SSH_AUTH_SOCK": socket])
        #expect(direct.stdout.hasPrefix("agent=[/"), "direct: \(direct.stdout) \(direct.stderr)")

        let relayed = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-1", ["-A"]) + [show + "; exit 3"],
                                               environment: ["SSHPASS": try gateway.token("agnes"), "SSH_AUTH_SOCK": socket])
        #expect(relayed.status == 3, "stderr: \(relayed.stderr)")
        #expect(relayed.stdout == "agent=[]\n")
    }

    /// NIOSSH 0.15.1 cannot parse an `x11-req` (apple/swift-nio-ssh#221: a channel request it
    /// does not know, with a payload, fails the whole connection). The gateway cannot refuse
    /// the request and go on, so it ends the session with the reason on the terminal; nothing
    /// reaches the server, and the client's other connections are untouched.
    @Test func x11ForwardingEndsTheSessionWithAReasonAndForwardsNothing() throws {
        let marker = "/tmp/agw-ssh-x11-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let token = try gateway.token("xavier")
        let x11 = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-1", ["-X"]) + ["touch \(marker); echo \"display=[$DISPLAY]\""],
                                           environment: ["SSHPASS": token, "DISPLAY": ":7"])
        #expect(x11.status == 255, "stdout: \(x11.stdout) stderr: \(x11.stderr)")
        #expect(x11.stderr.contains("X11 forwarding"), "the reason is on the terminal: \(x11.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker), "the command never ran")
        let end = try gateway.waitForEvent(["--type", "session.end", "--subject", "xavier"]) { _ in true }
        #expect(end.field("reason") as? String == "protocol_error")

        // Without -X the same client works.
        let plain = try ChildProcess.runTool("sshpass", gateway.sshArguments("web-1", ["-o", "ForwardX11=no"]) + ["echo \"display=[$DISPLAY]\""],
                                             environment: ["SSHPASS": token, "DISPLAY": ":7"])
        #expect(plain.status == 0 && plain.stdout == "display=[]\n", "stdout: \(plain.stdout) stderr: \(plain.stderr)")
    }

    // MARK: Logins

    @Test func aLoginOfferedByTheConnectionIsUsedAndOthersAreRefused() throws {
        let token = try gateway.token("lars")
        let other = try gateway.run("\(gateway.otherLogin)+web-logins", token: token, "id -un")
        #expect(other.status == 0, "stderr: \(other.stderr)")
        #expect(other.stdout == "\(gateway.otherLogin)\n")
        let start = try gateway.waitForEvent(["--type", "session.start", "--subject", "lars"]) { $0.field("login") as? String == gateway.otherLogin }
        #expect(start["connection"] as? String == "web-logins")

        let usual = try gateway.run("web-logins", token: token, "id -un")
        #expect(usual.stdout == "\(gateway.ssh.user)\n", "stderr: \(usual.stderr)")

        let marker = "/tmp/agw-ssh-login-\(UUID().uuidString.prefix(8))"
        let refused = try gateway.run("root+web-logins", token: token, "touch \(marker)")
        #expect(refused.status == 255)
        #expect(refused.stderr.contains("auditgateway: login root is not offered on web-logins (logins: \(gateway.ssh.user), \(gateway.otherLogin))"),
                "stderr: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        // web-1 offers no other login.
        let elsewhere = try gateway.run("\(gateway.otherLogin)+web-1", token: token, "id -un")
        #expect(elsewhere.status == 255 && elsewhere.stderr.contains("is not offered on web-1"), "stderr: \(elsewhere.stderr)")
        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "lars"]) { $0.field("stage") as? String == "route" }
        #expect((decision.field("reason") as? String)?.contains("login root is not offered") == true)
    }

    // MARK: SSH_ASKPASS

    /// Agents without a terminal and without sshpass give ssh the token with SSH_ASKPASS.
    @Test func theTokenComesFromSSHAskpass() throws {
        let arguments = gateway.sshOptions("web-1") + ["echo askpass-$((40+2))"]
        let good = try ChildProcess.run(path: "/usr/bin/setsid", ["--wait", "ssh"] + arguments, environment: gateway.askpassEnvironment(try gateway.token("ada")))
        #expect(good.status == 0, "stderr: \(good.stderr)")
        #expect(good.stdout == "askpass-42\n")

        let bad = try ChildProcess.run(path: "/usr/bin/setsid", ["--wait", "ssh"] + arguments, environment: gateway.askpassEnvironment("not-a-token"))
        #expect(bad.status == 255)
        #expect(bad.stderr.contains("auditgateway: token rejected"), "stderr: \(bad.stderr)")
    }

    // MARK: Helper programs

    /// signals.py PORT USER (password in $AGW_TEST_PASSWORD), with asyncssh (python3-asyncssh):
    /// sends TERM to a command that traps it, runs one that kills itself; prints JSON.
    private static let signalClientSource = #"""
    import asyncio, asyncssh, json, os, sys
    async def main(port, user):
        async with asyncssh.connect("127.0.0.1", port=port, username=user, password=os.environ["AGW_TEST_PASSWORD"],
                                    known_hosts=None, client_keys=None, agent_path=None) as conn:
            trapped = await conn.create_process("trap 'echo got-TERM; exit 9' TERM; echo ready; sleep 30 & wait")
            await asyncio.wait_for(trapped.stdout.readline(), 20)
            trapped.send_signal("TERM")
            out = await asyncio.wait_for(trapped.stdout.read(), 20)
            await asyncio.wait_for(trapped.wait_closed(), 20)
            killed = await asyncio.wait_for(conn.run("echo before; kill -TERM $$"), 20)
            print(json.dumps({"trapped": out, "trapped_exit": trapped.exit_status, "killed_exit": killed.exit_status,
                              "killed_signal": list(killed.exit_signal) if killed.exit_signal else None, "killed_out": killed.stdout}))
    asyncio.run(main(int(sys.argv[1]), sys.argv[2]))
    """#

    // MARK: The terminal driver

    private static let terminalDriverSource = #"""
    import fcntl, json, os, select, signal, struct, subprocess, sys, termios, time
    # terminal.py STEPS COMMAND...: runs COMMAND on a new pseudo-terminal, plays STEPS (JSON),
    # prints what the terminal showed and exits with COMMAND's status (124 on a timeout).
    steps, argv = json.loads(sys.argv[1]), sys.argv[2:]
    master, slave = os.openpty()
    def size(fd, rows, cols): fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    def controlling_terminal():
        # What the test runner blocks or ignores would stay so across exec: ssh must get SIGWINCH.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        signal.signal(signal.SIGWINCH, signal.SIG_DFL)
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    if steps and steps[0][0] == "size":
        size(slave, steps[0][1], steps[0][2])
        steps = steps[1:]
    child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, preexec_fn=controlling_terminal, close_fds=True)
    os.close(slave)
    seen = b""
    def read(timeout):
        global seen
        if not select.select([master], [], [], max(0, timeout))[0]: return False
        try: data = os.read(master, 65536)
        except OSError: data = b""
        if not data: return None
        sys.stdout.buffer.write(data); sys.stdout.flush()
        seen += data
        return True
    def fail(why):
        sys.stderr.write("terminal.py: %s\n" % why); child.kill(); sys.exit(124)
    for step in steps:
        if step[0] == "size":
            size(master, step[1], step[2])  # the kernel signals SIGWINCH to the foreground group
            os.kill(child.pid, signal.SIGWINCH)  # and so does a terminal emulator
        elif step[0] == "send":
            os.write(master, step[1].encode())
        elif step[0] == "expect":
            deadline, mark = time.time() + 20, step[1].encode()
            while mark not in seen:
                if time.time() > deadline or read(deadline - time.time()) is None: fail("no %r on the terminal" % step[1])
            seen = seen[seen.index(mark) + len(mark):]
    deadline = time.time() + 20
    while child.poll() is None and time.time() < deadline:
        if read(0.1) is None: break
    try: status = child.wait(timeout=max(0.1, deadline - time.time()))
    except subprocess.TimeoutExpired: fail("the command did not exit")
    while read(0.05): pass
    sys.exit(status if status >= 0 else 128 - status)
    """#
}
