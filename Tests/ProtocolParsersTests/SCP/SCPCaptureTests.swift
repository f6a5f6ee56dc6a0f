import Foundation
import NIOCore
import Testing

@testable import ProtocolParsers

/// OpenSSH's `scp -O` (the rcp protocol) with a stand-in for `ssh` that runs the remote
/// `scp -t`/`scp -f` locally through the recording relay (see `OpenSSHCapture`).
@Suite("scp against OpenSSH", .enabled(if: OpenSSHCapture.canCaptureSCP, "needs scp and python3"))
struct SCPCaptureTests {
    /// Runs `scp -O <arguments>` and decodes what crossed the relay as the gateway would:
    /// recognise the exec command, then follow the transfer.
    private func capture(_ arguments: String, in dir: URL) throws -> (SCPCommand?, [SCPEvent], status: Int32) {
        try OpenSSHCapture.write(
            """
            #!/bin/sh
            for command; do :; done
            printf '%s' "$command" > '\(dir.path)/command'
            exec python3 '\(dir.path)/relay.py' '\(dir.path)/scp.log' sh -c "$command"

            """,
            to: dir.appendingPathComponent("fake-ssh"),
            executable: true
        )
        try? FileManager.default.removeItem(at: dir.appendingPathComponent("scp.log"))
        let status = OpenSSHCapture.shell("scp -O -S ./fake-ssh \(arguments)", in: dir)
        let command = SCPCommand(commandLine: try String(contentsOf: dir.appendingPathComponent("command"), encoding: .utf8))
        guard let command else { return (nil, [], status) }
        var transfer = SCPTransferDecoder(direction: command.direction)
        var events: [SCPEvent] = []
        for chunk in try OpenSSHCapture.chunks(at: dir.appendingPathComponent("scp.log")) {
            try transfer.process(chunk.bytes, from: chunk.fromClient ? .client : .server) { events.append($0) }
        }
        events += transfer.channelClosed()
        return (command, events, status)
    }

    private func workspace() throws -> URL {
        let dir = try OpenSSHCapture.makeWorkspace()
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("src/sub"), withIntermediateDirectories: true)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir.appendingPathComponent("src").path)
        try fm.setAttributes([.posixPermissions: 0o750], ofItemAtPath: dir.appendingPathComponent("src/sub").path)
        try fm.createDirectory(at: dir.appendingPathComponent("dst"), withIntermediateDirectories: true)
        try OpenSSHCapture.makeFile(dir.appendingPathComponent("src/a.txt"), count: 12, mode: 0o640)
        try OpenSSHCapture.makeFile(dir.appendingPathComponent("src/sub/b.bin"), count: 70_000)
        return dir
    }

    @Test func uploadOfTwoFilesAndADirectory() throws {
        let dir = try self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (command, events, status) = try self.capture("-r -p src/a.txt src/sub localhost:'\(dir.path)/dst'", in: dir)
        #expect(status == 0)
        #expect(command?.direction == .upload)
        #expect(command?.paths == ["\(dir.path)/dst"])
        #expect(command?.recursive == true && command?.preserveTimes == true)

        let finished = events.compactMap { event -> (String, UInt32, UInt64, SCPEvent.Outcome, Bool)? in
            guard case .fileFinished(let file, let bytes, let outcome) = event else { return nil }
            return (file.path, file.mode, bytes, outcome, file.modificationTime != nil)
        }
        #expect(finished.map(\.0) == ["a.txt", "sub/b.bin"])
        #expect(finished.map(\.1) == [0o640, 0o644])
        #expect(finished.map(\.2) == [12, 70_000])
        #expect(finished.allSatisfy { $0.3 == .succeeded && $0.4 })
        #expect(events.contains(.directoryEntered(path: "sub", mode: 0o750)))
        #expect(events.last == .directoryLeft(path: "sub"))
    }

    @Test func downloadOfADirectoryTree() throws {
        let dir = try self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (command, events, status) = try self.capture("-r localhost:'\(dir.path)/src' dst/", in: dir)
        #expect(status == 0)
        #expect(command == SCPCommand(direction: .download, paths: ["\(dir.path)/src"], recursive: true))
        var finished: [String: UInt64] = [:]
        for case .fileFinished(let file, let bytes, .succeeded) in events { finished[file.path] = bytes }
        #expect(finished == ["src/a.txt": 12, "src/sub/b.bin": 70_000])
        #expect(events.first == .directoryEntered(path: "src", mode: 0o755))
        #expect(events.contains(.directoryEntered(path: "src/sub", mode: 0o750)))
        #expect(events.last == .directoryLeft(path: "src"))
    }

    @Test func uploadRefusedByTheReceivingScp() throws {
        let dir = try self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (_, events, status) = try self.capture("src/a.txt localhost:'\(dir.path)/no/such/dir/a.txt'", in: dir)
        #expect(status != 0)
        guard case .fileFinished(let file, 0, .failed(by: .server, let message)) = events.last else {
            Issue.record("expected a refused file, got \(events)")
            return
        }
        #expect(file.name == "a.txt")
        #expect(message.contains("No such file or directory"))
    }
}
