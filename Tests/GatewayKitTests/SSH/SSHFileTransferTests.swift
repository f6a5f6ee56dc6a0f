import AuditCore
import Foundation
import NIOCore
import ProtocolParsers
import Testing

@testable import GatewayKit

/// File transfers through the SSH gateway with the real OpenSSH clients: `scp` (over SFTP)
/// and `scp -O` (legacy) of a 50 MiB random file both ways, intact and in the trail with
/// their byte counts; an `sftp -b` batch whose every operation is in the trail; and a policy
/// that refuses writes under a path, so an upload there never reaches the server.
@Suite("SSH file transfers", .serialized)
final class SSHFileTransferTests {
    let gateway: SSHGateway
    let local: TemporaryDirectory
    /// A directory on the server side (sshd runs on this host as another user).
    let remote: String
    /// Under the directory the policy refuses writes in.
    let denied: String

    static let deniedRoot = "/tmp/agw-denied"
    static let size = 50 << 20

    init() throws {
        gateway = try SSHGateway.start(policyYAML: """
        version: 1
        rules:
          - name: nothing-written-in-agw-denied
            effect: deny
            reason: "nothing may be written under \(Self.deniedRoot)"
            match:
              protocols: [ssh]
              classes: [file]
              objects: ["write:\(Self.deniedRoot)/*"]
          - name: developers
            effect: allow
            match:
              groups: [developers]
          - name: masked
            effect: allow
            masking_profile: pii
            match:
              groups: [masked]
        masking_profiles:
          pii:
            detectors:
              - { detector: email, action: redact }
        """)
        local = try TemporaryDirectory()
        let id = UUID().uuidString.prefix(8)
        remote = "/tmp/agw-ft-\(id)"
        denied = "\(Self.deniedRoot)/\(id)"
        // Writable by the server's login: only the policy stands in the way.
        for directory in [Self.deniedRoot, remote, denied] {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: directory)
        }
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
        local.remove()
        try? FileManager.default.removeItem(atPath: remote)
        try? FileManager.default.removeItem(atPath: denied)
    }

    /// Options shared by scp and sftp (they take the port as `-P`).
    func clientOptions() -> [String] {
        ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
         "-o", "PubkeyAuthentication=no", "-o", "ConnectTimeout=10", "-P", String(gateway.port)]
    }

    func scp(_ arguments: [String], token: String) throws -> ChildProcess.Result {
        try ChildProcess.runTool("sshpass", ["-e", "scp", "-q"] + clientOptions() + arguments, environment: ["SSHPASS": token], timeout: 180)
    }

    /// `sftp -b BATCH`; sftp turns on BatchMode (no password prompt) unless told first.
    func sftp(batch: [String], token: String) throws -> ChildProcess.Result {
        let file = local.file("batch-\(UUID().uuidString.prefix(8))")
        try local.write((file as NSString).lastPathComponent, batch.joined(separator: "\n") + "\n")
        return try ChildProcess.runTool("sshpass", ["-e", "sftp", "-o", "BatchMode=no", "-b", file] + clientOptions() + ["web-1@127.0.0.1"],
                                        environment: ["SSHPASS": token], timeout: 120)
    }

    func makeRandomFile(_ name: String, size: Int) throws -> String {
        let path = local.file(name)
        var generator = SystemRandomNumberGenerator()
        var data = Data(count: size)
        data.withUnsafeMutableBytes { raw in
            let words = raw.bindMemory(to: UInt64.self)
            for index in words.indices { words[index] = generator.next() }
        }
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func sha256(_ path: String) throws -> String {
        let result = try ChildProcess.runTool("sha256sum", [path])
        #expect(result.status == 0, "sha256sum: \(result.stderr)")
        return String(result.stdout.prefix(64))
    }

    func outcomes(_ session: String? = nil) throws -> [[String: Any]] {
        try gateway.events(["--type", "command.outcome"] + (session.map { ["--session", $0] } ?? []))
    }

    @Test func scpOverSFTPCarriesFiftyMebibytesBothWaysAndAuditsEachFile() throws {
        let token = try gateway.token("alice")
        let source = try makeRandomFile("modern.bin", size: Self.size)
        let target = "\(remote)/modern.bin"
        let up = try scp([source, "web-1@127.0.0.1:\(target)"], token: token)
        #expect(up.status == 0, "scp up: \(up.stderr)")
        #expect(try sha256(target) == sha256(source), "the upload arrives intact")

        let back = local.file("modern-back.bin")
        let down = try scp(["web-1@127.0.0.1:\(target)", back], token: token)
        #expect(down.status == 0, "scp down: \(down.stderr)")
        #expect(try sha256(back) == sha256(source), "the download arrives intact")

        let open = try gateway.waitForEvent(["--type", "command", "--subject", "alice"]) {
            $0.field("sftp_op") as? String == "open" && $0.field("path") as? String == target && ($0.field("flags") as? String)?.contains("write") == true
        }
        #expect(open.field("class") as? String == "file")
        #expect(open.field("rule") as? String == "developers")
        let written = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "alice"]) {
            $0.field("sftp_op") as? String == "close" && $0.field("path") as? String == target && ($0.field("bytes_written") as? Int ?? 0) > 0
        }
        #expect(written.field("bytes_written") as? Int == Self.size)
        #expect(written.field("outcome") as? String == "ok")
        #expect(written.field("command_seq") as? Int != nil)
        let read = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "alice"]) {
            $0.field("sftp_op") as? String == "close" && $0.field("path") as? String == target && ($0.field("bytes_read") as? Int ?? 0) > 0
        }
        #expect(read.field("bytes_read") as? Int == Self.size)
    }

    @Test func legacySCPCarriesFiftyMebibytesBothWaysAndAuditsEachFile() throws {
        let token = try gateway.token("bob")
        let source = try makeRandomFile("legacy.bin", size: Self.size)
        let target = "\(remote)/legacy.bin"
        let up = try scp(["-O", source, "web-1@127.0.0.1:\(target)"], token: token)
        #expect(up.status == 0, "scp -O up: \(up.stderr)")
        #expect(try sha256(target) == sha256(source), "the upload arrives intact")

        let back = local.file("legacy-back.bin")
        let down = try scp(["-O", "web-1@127.0.0.1:\(target)", back], token: token)
        #expect(down.status == 0, "scp -O down: \(down.stderr)")
        #expect(try sha256(back) == sha256(source), "the download arrives intact")

        let upload = try gateway.waitForEvent(["--type", "command", "--subject", "bob"]) {
            $0.field("transfer") as? String == "scp" && $0.field("direction") as? String == "upload" && $0.field("class") as? String == "file" && $0.field("detected") == nil
        }
        #expect(upload.field("path") as? String == target)
        #expect((upload.field("statement") as? String)?.contains("scp -t") == true)
        let uploaded = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "bob"]) {
            $0.field("scp_op") as? String == "file" && $0.field("direction") as? String == "upload"
        }
        #expect(uploaded.field("remote_path") as? String == target)
        #expect(uploaded.field("name") as? String == "legacy.bin")
        #expect(uploaded.field("bytes") as? Int == Self.size)
        #expect(uploaded.field("size") as? Int == Self.size)
        #expect(uploaded.field("outcome") as? String == "ok")
        #expect(uploaded.field("command_seq") as? Int != nil)

        let downloaded = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "bob"]) {
            $0.field("scp_op") as? String == "file" && $0.field("direction") as? String == "download"
        }
        #expect(downloaded.field("path") as? String == target)
        #expect(downloaded.field("bytes") as? Int == Self.size)
        #expect(downloaded.field("outcome") as? String == "ok")
        let started = try gateway.waitForEvent(["--type", "command", "--subject", "bob"]) {
            $0.field("scp_op") as? String == "file" && $0.field("direction") as? String == "download"
        }
        #expect(started.field("size") as? Int == Self.size)
        #expect(started.field("mode") as? String == "0644")
        // The exec itself ends with scp's exit status.
        _ = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "bob"]) { ($0.field("exit_status") as? Int) == 0 }
    }

    @Test func everyOperationOfAnSFTPBatchIsInTheTrail() throws {
        let token = try gateway.token("carol")
        let source = try makeRandomFile("batch.bin", size: 100_000)
        let fetched = local.file("batch-back.bin")
        let result = try sftp(batch: [
            "put \(source) \(remote)/a.bin",
            "get \(remote)/a.bin \(fetched)",
            "rename \(remote)/a.bin \(remote)/b.bin",
            "mkdir \(remote)/sub",
            "rmdir \(remote)/sub",
            "chmod 600 \(remote)/b.bin",
            "ls \(remote)",
            "rm \(remote)/b.bin",
        ], token: token)
        #expect(result.status == 0, "sftp: \(result.stderr)")
        #expect(try sha256(fetched) == sha256(source))
        #expect(!FileManager.default.fileExists(atPath: "\(remote)/b.bin"))

        func command(_ operation: String, _ path: String, where extra: ([String: Any]) -> Bool = { _ in true }) throws -> [String: Any] {
            try gateway.waitForEvent(["--type", "command", "--subject", "carol"]) {
                $0.field("sftp_op") as? String == operation && $0.field("path") as? String == path && extra($0)
            }
        }
        func outcome(_ operation: String, _ path: String, where extra: ([String: Any]) -> Bool = { _ in true }) throws -> [String: Any] {
            let found = try gateway.waitForEvent(["--type", "command.outcome", "--subject", "carol"]) {
                $0.field("sftp_op") as? String == operation && $0.field("path") as? String == path && extra($0)
            }
            #expect(found.field("outcome") as? String == "ok", "\(operation) \(path): \(found)")
            return found
        }
        _ = try command("open", "\(remote)/a.bin") { ($0.field("flags") as? String)?.contains("write") == true }
        _ = try command("open", "\(remote)/a.bin") { $0.field("flags") as? String == "read" }
        #expect(try outcome("close", "\(remote)/a.bin") { $0.field("bytes_written") as? Int == 100_000 }.field("bytes_read") as? Int == 0)
        _ = try outcome("close", "\(remote)/a.bin") { $0.field("bytes_read") as? Int == 100_000 }
        let rename = try command("rename", "\(remote)/a.bin")
        #expect(rename.field("to") as? String == "\(remote)/b.bin")
        #expect(try outcome("rename", "\(remote)/a.bin").field("to") as? String == "\(remote)/b.bin")
        _ = try command("mkdir", "\(remote)/sub")
        _ = try outcome("mkdir", "\(remote)/sub")
        _ = try command("rmdir", "\(remote)/sub")
        _ = try outcome("rmdir", "\(remote)/sub")
        #expect(try command("setstat", "\(remote)/b.bin").field("mode") as? String == "0600")
        _ = try outcome("setstat", "\(remote)/b.bin")
        // sftp's ls names the directory with a slash after it.
        _ = try command("list", remote + "/")
        #expect((try outcome("list", remote + "/").field("entries") as? Int ?? 0) >= 3, "., .. and b.bin")
        _ = try command("remove", "\(remote)/b.bin")
        _ = try outcome("remove", "\(remote)/b.bin")
        // Each command names the subsystem it ran in.
        let subsystem = try gateway.waitForEvent(["--type", "command", "--subject", "carol"]) { $0.field("statement") as? String == "subsystem sftp" }
        #expect(subsystem.field("transfer") as? String == "sftp")
    }

    @Test func anUploadThePolicyRefusesNeverReachesTheServer() throws {
        let token = try gateway.token("dave")
        let source = try makeRandomFile("refused.bin", size: 10_000)
        let target = "\(denied)/refused.bin"
        let put = try sftp(batch: ["put \(source) \(target)"], token: token)
        #expect(put.status != 0, "the put must fail: \(put.stdout)")
        #expect(!FileManager.default.fileExists(atPath: target), "nothing was written on the server")

        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--subject", "dave"]) { $0.field("sftp_op") as? String == "open" }
        #expect(decision.field("rule") as? String == "nothing-written-in-agw-denied")
        #expect(decision.field("decision") as? String == "deny")
        #expect(decision.field("path") as? String == target)
        #expect(try gateway.events(["--type", "command", "--subject", "dave"]).allSatisfy { $0.field("sftp_op") == nil }, "a refused open is no command")

        // Reading there is still allowed, and so are writes elsewhere in the same session.
        let readable = "\(denied)/readable.txt"
        try "hello\n".write(toFile: readable, atomically: true, encoding: .utf8)
        let fetched = local.file("readable.txt")
        let allowed = try sftp(batch: ["get \(readable) \(fetched)", "put \(source) \(remote)/allowed.bin"], token: token)
        #expect(allowed.status == 0, "sftp: \(allowed.stderr)")
        #expect((try? String(contentsOfFile: fetched, encoding: .utf8)) == "hello\n")
        #expect(FileManager.default.fileExists(atPath: "\(remote)/allowed.bin"))

        // Legacy scp into the refused directory is refused as a whole (its target is the
        // directory itself: the rule's `/*` catches it as the place files land in).
        let legacy = try scp(["-O", source, "web-1@127.0.0.1:\(Self.deniedRoot)"], token: token)
        #expect(legacy.status != 0)
        #expect(legacy.stderr.contains("denied by policy (nothing-written-in-agw-denied)"), "stderr: \(legacy.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(Self.deniedRoot)/refused.bin"))
    }

    @Test func transfersPassUnmaskedWhileTerminalOutputIsMasked() throws {
        let token = try gateway.token("erin", groups: ["masked"])
        var content = Data()
        for line in 0..<20_000 { content.append(Data("row \(line) belongs to someone-\(line)@example.com\n".utf8)) }
        let path = "\(remote)/people.txt"
        try content.write(to: URL(fileURLWithPath: path))
        let expected = try sha256(path)

        let modern = local.file("people-modern.txt")
        let down = try scp(["web-1@127.0.0.1:\(path)", modern], token: token)
        #expect(down.status == 0, "scp: \(down.stderr)")
        #expect(try sha256(modern) == expected, "an SFTP download is not masked")
        let legacy = local.file("people-legacy.txt")
        let legacyDown = try scp(["-O", "web-1@127.0.0.1:\(path)", legacy], token: token)
        #expect(legacyDown.status == 0, "scp -O: \(legacyDown.stderr)")
        #expect(try sha256(legacy) == expected, "a legacy scp download is not masked")

        let cat = try gateway.run("web-1", token: token, "head -3 \(path)")
        #expect(cat.status == 0, "stderr: \(cat.stderr)")
        #expect(cat.stdout.contains("row 0 belongs to") && !cat.stdout.contains("@example.com"), "terminal output is masked: \(cat.stdout)")
    }
}

/// What SFTP requests and legacy scp commands mean to the policy and the trail, without a server.
@Suite("SSH file transfer auditing, offline")
struct SSHFileTransferAuditTests {
    @Test func pathsAreResolvedByTextForThePolicy() {
        #expect(SSHFilePath.normalize("/tmp/./x/../agw-denied//f") == "/tmp/agw-denied/f")
        #expect(SSHFilePath.normalize("/../../etc/passwd") == "/etc/passwd")
        #expect(SSHFilePath.normalize("../a/./b/..") == "../a")
        #expect(SSHFilePath.normalize("a/..") == ".")
        #expect(SSHFilePath.objects(["/a/../b"], writes: true) == ["/b", "write:/b"])
    }

    @Test func opensAndChangesAreCommandsAndLooksAreNot() throws {
        let handle = SFTPHandle(bytes: [0, 0, 0, 1])
        let put = try #require(SSHSFTPCommand(.open(id: 1, path: "/srv/x", flags: [.write, .create, .truncate], attributes: SFTPAttributes(permissions: 0o100644)),
                                              handlePath: { _ in nil }))
        #expect(put.operation == "open")
        #expect(put.objects == ["/srv/x", "write:/srv/x"])
        #expect(put.fields["mode"] == "0644")
        let get = try #require(SSHSFTPCommand(.open(id: 2, path: "/srv/x", flags: .read, attributes: SFTPAttributes()), handlePath: { _ in nil }))
        #expect(get.objects == ["/srv/x", "read:/srv/x"])
        let rename = try #require(SSHSFTPCommand(.extended(id: 3, .posixRename(from: "/a", to: "/b")), handlePath: { _ in nil }))
        #expect(rename.objects == ["/a", "write:/a", "/b", "write:/b"])
        let chmod = try #require(SSHSFTPCommand(.fsetstat(id: 4, handle: handle, attributes: SFTPAttributes(permissions: 0o600)), handlePath: { _ in "/srv/x" }))
        #expect(chmod.operation == "setstat")
        #expect(chmod.objects == ["/srv/x", "write:/srv/x"])
        #expect(SSHSFTPCommand(.stat(id: 5, path: "/etc/shadow"), handlePath: { _ in nil }) == nil)
        #expect(SSHSFTPCommand(.write(id: 6, handle: handle, offset: 0, dataLength: 10), handlePath: { _ in nil }) == nil)
        #expect(SSHSFTPCommand(.extended(id: 7, .other(name: "statvfs@openssh.com", dataLength: 2)), handlePath: { _ in nil }) == nil)
        #expect(SSHSFTPCommand(.extended(id: 8, .other(name: "remove-tree@example.com", dataLength: 9)), handlePath: { _ in nil })?.operation == "extended")
    }

    @Test func aClosedFilesOutcomeNamesItsOpenAndTheBytes() throws {
        var channel = SSHSFTPChannel()
        let handle = SFTPHandle(bytes: [7])
        let open = SSHSFTPChannel.Command(seq: 41, started: .now(), operation: "open", path: "/srv/x")
        try channel.forwarding(.open(id: 1, path: "/srv/x", flags: [.write, .create], attributes: SFTPAttributes()), command: open)
        #expect(try channel.received(.handle(id: 1, handle)) == nil, "an open's outcome comes with its close")
        #expect(channel.path(of: handle) == "/srv/x")
        try channel.forwarding(.write(id: 2, handle: handle, offset: 0, dataLength: 1000), command: nil)
        _ = try channel.received(.status(id: 2, SFTPStatus(code: .ok)))
        try channel.forwarding(.close(id: 3, handle: handle), command: nil)
        let closed = try #require(try channel.received(.status(id: 3, SFTPStatus(code: .ok))))
        #expect(closed["command_seq"] == .int(41))
        #expect(closed["sftp_op"] == "close")
        #expect(closed["bytes_written"] == .int(1000))
        #expect(closed["outcome"] == "ok")

        // A removal the server refuses, and one cut off by the channel's end.
        try channel.forwarding(.remove(id: 4, path: "/srv/y"), command: .init(seq: 42, started: .now(), operation: "remove", path: "/srv/y"))
        let refused = try #require(try channel.received(.status(id: 4, SFTPStatus(code: .permissionDenied, message: "Permission denied"))))
        #expect(refused["outcome"] == "error")
        #expect(refused["status"] == "SSH_FX_PERMISSION_DENIED")
        try channel.forwarding(.remove(id: 5, path: "/srv/z"), command: .init(seq: 43, started: .now(), operation: "remove", path: "/srv/z"))
        let ended = channel.closed()
        #expect(ended.count == 1)
        #expect(ended.first?["command_seq"] == .int(43))
        #expect(ended.first?["outcome"] == "interrupted")
    }

    @Test func legacySCPIsDecidedOnItsOperandsAndTheDirectoryInside() throws {
        let upload = try #require(SCPCommand(commandLine: "scp -t /tmp/agw-denied"))
        #expect(SSHSCPTransfer.objects(upload).contains("write:/tmp/agw-denied/"))
        let download = try #require(SCPCommand(commandLine: "scp -f /etc/hosts"))
        #expect(SSHSCPTransfer.objects(download) == ["/etc/hosts", "read:/etc/hosts", "/etc/hosts/", "read:/etc/hosts/"])
        var transfer = SSHSCPTransfer(command: upload, seq: 9)
        var events = try transfer.saw(ByteBuffer(bytes: [0]), from: .server)
        events += try transfer.saw(ByteBuffer(string: "C0640 5 notes.txt\n"), from: .client)
        #expect(events.count == 1)
        #expect(events.first?.0 == .command)
        #expect(events.first?.1["name"] == "notes.txt")
        #expect(events.first?.1["mode"] == "0640")
        events = try transfer.saw(ByteBuffer(bytes: [0]), from: .server)
        events += try transfer.saw(ByteBuffer(string: "hel"), from: .client)
        let cut = transfer.closed()
        #expect(cut.first?.0 == .commandOutcome)
        #expect(cut.first?.1["bytes"] == .int(3))
        #expect(cut.first?.1["outcome"] == "interrupted")
        #expect(cut.first?.1["command_seq"] == .int(9))
    }
}
