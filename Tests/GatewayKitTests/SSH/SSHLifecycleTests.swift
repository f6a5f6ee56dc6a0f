import Foundation
import Testing

/// How the gateway ends an SSH session on its own — idle timeout, maximum duration, an
/// administrator's terminate, a lease that lapses — with the real OpenSSH client: the
/// client's terminal gets the reason on standard error, ssh exits 255 as when any server
/// closes the connection, and `session.end` records the reason.
@Suite("SSH session lifecycle", .serialized)
final class SSHLifecycleTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start(connections: ["web-idle": ["idle_timeout: 2s"], "web-max": ["max_duration: 3s"]])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// The session of `subject`'s first login, once `session.start` is stored.
    private func session(of subject: String) throws -> String {
        let start = try gateway.waitForEvent(["--type", "session.start", "--subject", subject]) { _ in true }
        return try #require(start["sessionID"] as? String)
    }

    /// The pid of `ssh` itself, run by `sshpass` (`client`).
    private func ssh(under client: ChildProcess.Running) throws -> pid_t {
        let found = try ChildProcess.run(path: "/usr/bin/pgrep", ["-P", String(client.process.processIdentifier), "-x", "ssh"])
        return try #require(pid_t(found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "ssh under sshpass: \(found.stdout) \(found.stderr)")
    }

    /// The `session.end` reason of `session`.
    private func endReason(_ session: String) throws -> String? {
        try gateway.waitForEvent(["--type", "session.end", "--session", session]) { _ in true }.field("reason") as? String
    }

    @Test func anIdleShellEndsWithTheReasonOnTheTerminal() throws {
        let client = try gateway.start("web-idle", token: try gateway.token("ivan"), extra: ["-tt"], input: true)
        client.send("echo shell-$((6*7))\n")
        _ = try client.waitForOutput(containing: "shell-42", timeout: 20)
        // Then nothing is typed and nothing is printed.
        #expect(client.wait(timeout: 20) == 255, "stderr: \(client.stderr)")
        #expect(client.stderr.contains("terminating connection: idle for more than 2s"), "stderr: \(client.stderr)")
        let session = try session(of: "ivan")
        #expect(try endReason(session) == "idle_timeout")
        // The recording ends with the reason, as the terminal showed it.
        let replay = try gateway.auditctl(["replay", "--raw", session])
        #expect(replay.stdout.contains("idle for more than 2s"), "replay: \(replay.stdout)")
    }

    @Test func anIdleCommandEndsButABusyOneRunsOn() throws {
        let token = try gateway.token("ida")
        // Output every half second keeps a command twice as long as the idle timeout alive.
        let busy = try gateway.run("web-idle", token: token, "for i in 1 2 3 4 5 6 7 8; do echo tick-$i; sleep 0.5; done; exit 6")
        #expect(busy.status == 6, "stderr: \(busy.stderr)")
        #expect(busy.stdout.contains("tick-8"))

        let idle = try gateway.run("web-idle", token: token, "echo started; sleep 30; echo never", timeout: 25)
        #expect(idle.status == 255, "stderr: \(idle.stderr)")
        #expect(idle.stdout == "started\n")
        #expect(idle.stderr.contains("terminating connection: idle for more than 2s"), "stderr: \(idle.stderr)")
        let end = try gateway.waitForEvent(["--type", "session.end", "--subject", "ida"]) { $0.field("reason") as? String == "idle_timeout" }
        #expect(end.field("commands") as? Int == 1)
        let outcomes = try gateway.events(["--type", "command.outcome", "--subject", "ida"])
        #expect(outcomes.contains { $0.field("exit_status") as? Int == 6 }, "the busy command's outcome: \(outcomes)")
    }

    @Test func aSessionEndsAtItsMaximumDurationEvenWhileBusy() throws {
        let client = try gateway.start("web-max", token: try gateway.token("max"), command: "while :; do echo tick; sleep 0.3; done")
        _ = try client.waitForOutput(containing: "tick", timeout: 20)
        #expect(client.wait(timeout: 20) == 255, "stderr: \(client.stderr)")
        #expect(client.stderr.contains("terminating connection: the session reached its maximum duration of 3s"), "stderr: \(client.stderr)")
        #expect(try endReason(try session(of: "max")) == "max_duration")
    }

    @Test func aSessionEndsWhenItsTokenExpires() throws {
        let client = try gateway.start("web-1", token: try gateway.token("theo", ttl: "4s"), command: "echo started; sleep 60; echo never")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        #expect(client.wait(timeout: 20) == 255, "stderr: \(client.stderr)")
        #expect(client.stderr.contains("terminating connection: your token expired"), "stderr: \(client.stderr)")
        #expect(try endReason(try session(of: "theo")) == "token_expired")
    }

    /// A gateway that shuts down tells its SSH clients why before it goes.
    @Test func aGatewayShutdownEndsSessionsWithTheReason() throws {
        let leaving = try SSHGateway.start()
        defer { leaving.directory.remove() }
        let client = try leaving.start("web-1", token: try leaving.token("gus"), command: "echo started; sleep 60; echo never")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        #expect(leaving.stop() == 0, "gatewayd: \(leaving.process.stderr)")
        #expect(client.wait(timeout: 15) == 255, "stderr: \(client.stderr)")
        #expect(client.stderr.contains("terminating connection: the gateway is shutting down"), "stderr: \(client.stderr)")
        #expect(!client.stdout.contains("never"))
    }

    @Test func anAdministratorTerminatesALiveSession() throws {
        let client = try gateway.start("web-1", token: try gateway.token("terry"), command: "echo started; sleep 60; echo never")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        let session = try session(of: "terry")
        let terminate = try gateway.auditctl(["terminate", session, "--reason", "maintenance window"])
        #expect(terminate.status == 0, "terminate: \(terminate.stderr)")
        #expect(client.wait(timeout: 15) == 255, "stderr: \(client.stderr)")
        #expect(client.stderr.contains("terminating connection: maintenance window (by auditor)"), "stderr: \(client.stderr)")
        #expect(!client.stdout.contains("never"))
        #expect(try endReason(session) == "terminated")
        // It is gone: a second terminate finds nothing to end.
        let again = try gateway.auditctl(["terminate", session])
        #expect(again.status == 2, "terminate again: \(again.stdout) \(again.stderr)")
    }

    /// A client killed outright closes its TCP connection without SSH's goodbye
    /// (SSH_MSG_DISCONNECT). The gateway used to ignore that end of file and keep the session
    /// and the server's command open for ever.
    @Test func aKilledClientEndsItsSession() throws {
        let client = try gateway.start("web-1", token: try gateway.token("kim"), command: "echo started; sleep 60")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        let session = try session(of: "kim")
        // SIGKILL leaves ssh no time to say goodbye.
        kill(try ssh(under: client), SIGKILL)
        #expect(try endReason(session) == "client_disconnected")
        let live = try gateway.auditctl(["sessions", "list", "--active", "--json", "--subject", "kim"])
        #expect(!live.stdout.contains(session), "\(live.stdout)")
        _ = client.wait(timeout: 10)
    }

    /// A client that stopped reading (here: stopped) while its command floods it cannot take
    /// the reason: its channel has no window left. The session ends all the same, a moment
    /// later; it used to wait for ever for that message to be written.
    @Test func aClientThatStoppedReadingIsStillCutOff() throws {
        let client = try gateway.start("web-1", token: try gateway.token("stella"), command: "echo started; yes flood-flood-flood")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        let session = try session(of: "stella")
        let pid = try ssh(under: client)
        kill(pid, SIGSTOP)
        defer { kill(pid, SIGCONT) }
        Thread.sleep(forTimeInterval: 1)  // the SSH window and the socket buffers fill
        let terminate = try gateway.auditctl(["terminate", session])
        #expect(terminate.status == 0, "terminate: \(terminate.stderr)")
        #expect(try endReason(session) == "terminated")
        kill(pid, SIGCONT)
        #expect(client.wait(timeout: 20) == 255)
    }

    /// `auditctl run` renews its child token's lease while ssh runs; once it dies the lease
    /// lapses and the gateway cuts off the orphaned ssh.
    @Test func aLapsedLeaseEndsTheSessionOfTheOrphanedClient() throws {
        let auditctl = try ChildProcess.executable("auditctl")
        let runner = try ChildProcess.start(path: auditctl, ["run", "--actor", "deployer", "--lease", "2s", "--connection", "web-1", "--", "sshpass"]
                                                + gateway.sshArguments("web-1") + ["echo started; sleep 60; echo never"],
                                            environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": try gateway.token("lena")])
        _ = try runner.waitForOutput(containing: "started", timeout: 20)
        let session = try session(of: "lena")
        // Renewals keep the session past twice the lease period.
        Thread.sleep(forTimeInterval: 4.5)
        let live = try gateway.auditctl(["sessions", "list", "--active", "--json", "--subject", "lena"])
        #expect(live.stdout.contains(session), "renewed leases keep the session: \(live.stdout) \(runner.stderr)")

        runner.signal(SIGKILL)
        _ = runner.wait(timeout: 5)
        #expect(try endReason(session) == "lease_expired")
        // ssh (orphaned, writing to the same files) was told why.
        let deadline = Date().addingTimeInterval(10)
        while !runner.stderr.contains("terminating connection"), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(runner.stderr.contains("terminating connection: the lease of token") && runner.stderr.contains("lapsed"), "stderr: \(runner.stderr)")
        #expect(!runner.stdout.contains("never"))
        let end = try gateway.waitForEvent(["--type", "session.end", "--session", session]) { _ in true }
        #expect(end["actors"] as? [String] == ["deployer"], "the chain is in the trail: \(end)")
    }
}
