import Foundation
import NIOCore
import Testing

@testable import ProtocolParsers

/// OpenSSH's own `sftp` talking to its own `sftp-server`, recorded chunk by chunk and fed
/// through both decoders and the tracker the way the gateway will.
@Suite("SFTP against OpenSSH", .enabled(if: OpenSSHCapture.canCaptureSFTP, "needs sftp, sftp-server and python3"))
struct SFTPCaptureTests {
    @Test func openSSHSessionBecomesTheExpectedOperations() throws {
        let dir = try OpenSSHCapture.makeWorkspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try fm.createDirectory(at: dir.appendingPathComponent("src/sub"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("dst"), withIntermediateDirectories: true)
        try OpenSSHCapture.makeFile(dir.appendingPathComponent("src/a.txt"), count: 12)
        try OpenSSHCapture.makeFile(dir.appendingPathComponent("src/sub/b.bin"), count: 70_000)
        try OpenSSHCapture.write(
            "#!/bin/sh\nexec python3 '\(dir.path)/relay.py' '\(dir.path)/sftp.log' '\(OpenSSHCapture.sftpServer!)'\n",
            to: dir.appendingPathComponent("server.sh"),
            executable: true
        )
        try OpenSSHCapture.write(
            """
            put src/a.txt dst/up.txt
            get src/sub/b.bin dst/b.bin
            rename dst/up.txt dst/up2.txt
            mkdir dst/newdir
            rmdir dst/newdir
            chmod 600 dst/up2.txt
            ln -s \(dir.path)/dst/up2.txt dst/soft
            ln dst/up2.txt dst/hard
            ls dst
            rm dst/up2.txt
            -rm dst/missing

            """,
            to: dir.appendingPathComponent("batch")
        )
        let status = OpenSSHCapture.shell("sftp -b batch -D ./server.sh", in: dir)
        #expect(status == 0, "sftp failed: \((try? String(contentsOf: dir.appendingPathComponent("run.out"), encoding: .utf8)) ?? "")")

        var requests = SFTPRequestDecoder()
        var responses = SFTPResponseDecoder()
        var tracker = SFTPOperationTracker()
        var operations: [SFTPOperation] = []
        var symlinks: [SFTPRequest] = []
        for chunk in try OpenSSHCapture.chunks(at: dir.appendingPathComponent("sftp.log")) {
            if chunk.fromClient {
                try requests.process(chunk.bytes) { request, _ in
                    if case .symlink = request { symlinks.append(request) }
                    try tracker.clientSent(request)
                }
            } else {
                try responses.process(chunk.bytes) { response, _ in
                    if let operation = try tracker.serverSent(response) { operations.append(operation) }
                }
            }
        }
        try requests.finish()
        try responses.finish()
        operations += tracker.channelClosed()

        let d = dir.path
        let written: SFTPOpenFlags = [.write, .create, .truncate]
        let expected: [(SFTPOperation.Action, SFTPOperation.Outcome)] = [
            (.open(path: "\(d)/dst/up.txt", flags: written), .succeeded),
            (.close(path: "\(d)/dst/up.txt", flags: written, bytesRead: 0, bytesWritten: 12), .succeeded),
            (.open(path: "\(d)/src/sub/b.bin", flags: .read), .succeeded),
            (.close(path: "\(d)/src/sub/b.bin", flags: .read, bytesRead: 70_000, bytesWritten: 0), .succeeded),
            (.rename(from: "\(d)/dst/up.txt", to: "\(d)/dst/up2.txt"), .succeeded),
            (.rmdir(path: "\(d)/dst/newdir"), .succeeded),
            (.symlink(linkPath: "\(d)/dst/soft", targetPath: "\(d)/dst/up2.txt"), .succeeded),
            (.hardlink(from: "\(d)/dst/up2.txt", to: "\(d)/dst/hard"), .succeeded),
            (.remove(path: "\(d)/dst/up2.txt"), .succeeded),
        ]
        // OpenSSH versions differ in what they send around these (stat calls, attributes),
        // so check the expected operations appear in this order, then the ones with
        // variable attributes.
        var remaining = operations[...]
        for (action, outcome) in expected {
            guard let index = remaining.firstIndex(where: { $0.action == action }) else {
                Issue.record("missing \(action) in \(operations.map(\.action))")
                continue
            }
            #expect(remaining[index].outcome == outcome, "\(action)")
            remaining = remaining[(index + 1)...]
        }
        #expect(operations.contains { if case .mkdir("\(d)/dst/newdir", _) = $0.action { $0.succeeded } else { false } })
        #expect(operations.contains { if case .setstat("\(d)/dst/up2.txt", let a) = $0.action { a.permissions == 0o600 && $0.succeeded } else { false } })
        // `ls dst` lists "dst/": ., .., b.bin, up2.txt, soft, hard.
        #expect(operations.contains { if case .listDirectory("\(d)/dst/", let n) = $0.action { n >= 4 && $0.succeeded } else { false } })
        #expect(operations.contains { if case .remove("\(d)/dst/missing") = $0.action, case .failed(let s) = $0.outcome { s.code == .noSuchFile } else { false } })
        #expect(symlinks.count == 1)
        #expect(tracker.openHandleCount == 0 && tracker.outstandingRequestCount == 0)
    }
}
