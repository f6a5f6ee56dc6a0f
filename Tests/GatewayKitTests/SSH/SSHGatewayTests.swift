import Foundation
import Testing

/// The SSH gateway with the real OpenSSH client and a real sshd: exec with exit codes and
/// standard error, key and password logins upstream, the host key pin, token refusals,
/// an interactive shell recorded and replayed, and revocation of a live session.
@Suite("SSH gateway", .serialized)
final class SSHGatewayTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start()
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    @Test func execRelaysOutputStandardErrorAndExitStatus() throws {
        let token = try gateway.token("alice")
        let uname = try gateway.run("web-1", token: token, "uname -a")
        #expect(uname.status == 0, "stderr: \(uname.stderr)")
        #expect(uname.stdout.contains("Linux"))

        let failing = try gateway.run("web-1", token: token, "sh -c 'echo to-stderr >&2; exit 3'")
        #expect(failing.status == 3, "stderr: \(failing.stderr)")
        #expect(failing.stderr.contains("to-stderr"))

        let command = try gateway.waitForEvent(["--type", "command", "--connection", "web-1"]) { $0.field("statement") as? String == "uname -a" }
        #expect(command["subject"] as? String == "alice")
        #expect(command.field("class") as? String == "exec")
        let outcome = try gateway.waitForEvent(["--type", "command.outcome"]) { ($0.field("exit_status") as? Int) == 3 }
        #expect(outcome.field("outcome") as? String == "error")
        // The token never reaches the trail.
        let all = try gateway.auditctl(["events", "search", "--json", "--limit", "10000"])
        #expect(!all.stdout.contains(token))
    }

    /// `ssh`'s input (here empty) ends at once; when the command's output then ends before it
    /// exits, the server's end of file comes before the exit status. The exit status must
    /// still reach the client (the gateway used to fail the channel on that end of file, and
    /// ssh exited 255 with nothing on standard error — now and then, or always for this command).
    @Test func theExitStatusArrivesAfterTheOutputEnded() throws {
        let token = try gateway.token("alice")
        let early = try gateway.run("web-1", token: token, "echo early; exec >&- 2>&-; sleep 0.5; exit 3")
        #expect(early.status == 3, "stderr: \(early.stderr)")
        #expect(early.stdout == "early\n")

        for run in 1...12 {
            let status = run % 5 + 1
            let result = try gateway.run("web-1", token: token, "echo out-\(run); echo err-\(run) >&2; exit \(status)")
            #expect(result.status == Int32(status), "run \(run): stderr: \(result.stderr)")
            #expect(result.stdout == "out-\(run)\n", "run \(run)")
            #expect(result.stderr == "err-\(run)\n", "run \(run)")
        }
    }

    /// The other way round: the command's output has ended when the client's input does.
    /// The command still sees its input end, and its exit status reaches the client.
    @Test func theInputEndsAfterTheOutputEnded() throws {
        let file = "/tmp/agw-ssh-late-input-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: file) }
        let client = try gateway.start("web-1", token: try gateway.token("alice"), command: "exec >/dev/null 2>&1; cat > \(file); exit 4", input: true)
        Thread.sleep(forTimeInterval: 1.5)
        client.send("late input\n")
        client.closeInput()
        #expect(client.wait(timeout: 20) == 4, "stderr: \(client.stderr)")
        #expect((try? String(contentsOfFile: file, encoding: .utf8)) == "late input\n")
    }

    @Test func theGatewayLogsInUpstreamWithItsKey() throws {
        let result = try gateway.run("web-key", token: try gateway.token("alice"), "id -un")
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == gateway.ssh.user)
    }

    @Test func aServerWithAnotherHostKeyIsRefused() throws {
        let marker = "/tmp/agw-ssh-impostor-\(UUID().uuidString.prefix(8))"
        let result = try gateway.run("web-impostor", token: try gateway.token("alice"), "touch \(marker)")
        #expect(result.status == 255)
        #expect(result.stderr.contains("host key") && result.stderr.contains("pins"), "stderr: \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: marker))
        let end = try gateway.waitForEvent(["--type", "session.end", "--connection", "web-impostor"]) { _ in true }
        #expect(end.field("reason") as? String == "upstream_host_key_mismatch")
    }

    @Test func aBadTokenIsRefusedWithItsReason() throws {
        let garbage = try gateway.run("web-1", token: "not-a-token", "id")
        #expect(garbage.status == 255)
        #expect(garbage.stderr.contains("token rejected"), "stderr: \(garbage.stderr)")

        let foreign = try gateway.run("web-1", token: TokenForge.foreignIssuerToken(), "id")
        #expect(foreign.status == 255)
        #expect(foreign.stderr.contains("token rejected"), "stderr: \(foreign.stderr)")

        let outsider = try gateway.run("web-1", token: try gateway.token("mallory", groups: ["visitors"]), "id")
        #expect(outsider.status == 255)
        #expect(outsider.stderr.contains("access denied by policy"), "stderr: \(outsider.stderr)")

        let unknown = try gateway.run("nowhere", token: try gateway.token("alice"), "id")
        #expect(unknown.stderr.contains("no SSH connection named 'nowhere'"), "stderr: \(unknown.stderr)")
        _ = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "mallory"]) { $0.field("stage") as? String == "connect" }
    }

    @Test func anInteractiveShellIsRecordedAndReplays() throws {
        let marker = "typed-\(UUID().uuidString.prefix(8))"
        let client = try gateway.start("web-1", token: try gateway.token("alice"), extra: ["-tt"], input: true)
        Thread.sleep(forTimeInterval: 1)
        client.send("echo \(marker)-$((20+22))\n")
        _ = try client.waitForOutput(containing: "\(marker)-42", timeout: 20)
        client.send("exit 5\n")
        #expect(client.wait(timeout: 20) == 5)

        let detected = try gateway.waitForEvent(["--type", "command", "--connection", "web-1"]) {
            ($0.field("statement") as? String)?.contains(marker) == true
        }
        #expect(detected.field("detected") as? Bool == true)
        let session = try #require(detected["sessionID"] as? String)
        _ = try gateway.waitForEvent(["--type", "session.end", "--session", session]) { _ in true }
        let replay = try gateway.auditctl(["replay", "--raw", session])
        #expect(replay.status == 0, "replay: \(replay.stderr)")
        let lines = replay.stdout.split(separator: "\n")
        #expect(lines.first?.contains("\"version\":2") == true)
        #expect(lines.contains { $0.contains("\"i\"") && $0.contains("echo \(marker)") }, "the typed command is recorded as input")
        #expect(lines.contains { $0.contains("\"o\"") && $0.contains("\(marker)-42") }, "its output is recorded")
    }

    @Test func revokingTheSubjectEndsALiveSession() throws {
        let client = try gateway.start("web-1", token: try gateway.token("carol"), command: "echo started; sleep 60; echo never")
        _ = try client.waitForOutput(containing: "started", timeout: 20)
        let revoke = try gateway.auditctl(["revoke", "--subject", "carol", "--reason", "left the company"])
        #expect(revoke.status == 0, "revoke: \(revoke.stderr)")
        let status = client.wait(timeout: 15)
        #expect(status != 0 && status != -9, "ssh ended on its own, not killed by the test")
        #expect(client.stderr.contains("terminating connection"), "stderr: \(client.stderr)")
        #expect(!client.stdout.contains("never"))
        let end = try gateway.waitForEvent(["--type", "session.end", "--subject", "carol"]) { _ in true }
        #expect(end.field("reason") as? String == "revoked")
    }
}
