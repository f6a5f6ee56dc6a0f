import Foundation
import Testing

/// A terminal that prints faster than its recording is written: the output waiting for the
/// recorder is bounded (a small high-water mark here, `AGW_TEST_SSH_TRAIL_MARKS`), the relay
/// pauses its reads from the server meanwhile — and neither the client nor the recording
/// loses a byte, also when the server ends the channel while reads are paused.
@Suite("SSH recordings of a fast terminal", .serialized)
final class SSHRecordingTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start(environment: ["AGW_TEST_SSH_TRAIL_MARKS": "262144:65536"])
        chmod(gateway.directory.path, 0o755)  // the test sshd's login reads the text from here
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// `lines` lines of text with two- to four-byte characters, so that the stream's chunks
    /// are cut inside characters too.
    static func text(lines: Int) -> String {
        var text = ""
        text.reserveCapacity(lines * 100)
        let filler = String(repeating: "0123456789abcdefghijklmnopqrstuvwxyz", count: 2)
        for line in 0..<lines {
            text += "line \(line) é€😀 \(filler.prefix(line % 72))\n"
        }
        return text
    }

    /// Where `got` first differs from `wanted` (or ends early or runs on); nil if equal.
    static func firstDifference(_ got: [UInt8], _ wanted: [UInt8]) -> Int? {
        if let index = (0..<min(got.count, wanted.count)).first(where: { got[$0] != wanted[$0] }) { return index }
        return got.count == wanted.count ? nil : min(got.count, wanted.count)
    }

    /// The terminal's text as the asciicast output events of `session`'s chunk files hold
    /// it, in order (`auditctl replay` of 40 MB takes minutes in a debug build).
    private func recordedOutput(_ session: String) throws -> [UInt8] {
        let directory = gateway.dataDirectory + "/recordings/" + session
        let chunks = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".cast.gz") }.sorted()
        var output: [UInt8] = []
        var header = true
        for chunk in chunks {
            let gunzip = try ChildProcess.run(path: "/bin/gzip", ["-dc", directory + "/" + chunk])
            #expect(gunzip.status == 0, "gzip -dc \(chunk): \(gunzip.stderr)")
            for line in gunzip.stdout.split(separator: "\n") {
                if header {
                    header = false
                    continue
                }
                guard let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any], event.count == 3 else {
                    Issue.record("not an event line in \(chunk): \(line.prefix(200))")
                    continue
                }
                if event[1] as? String == "o", let data = event[2] as? String { output += data.utf8 }
            }
        }
        return output
    }

    /// A pty stream of `lines` lines through the gateway, checked whole at the client and in
    /// the recording; `meanwhile` runs against the running client.
    private func stream(lines: Int, subject: String, meanwhile: (ChildProcess.Running) throws -> Void = { _ in }) throws {
        let text = Self.text(lines: lines)
        let file = gateway.directory.file("\(subject).txt")
        try gateway.directory.write("\(subject).txt", text)
        chmod(file, 0o644)
        let wanted = Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)  // the pty's ONLCR

        let client = try gateway.start("web-1", token: try gateway.token(subject), extra: ["-tt"], command: "cat \(file)")
        try meanwhile(client)
        #expect(client.wait(timeout: 300) == 0, "stderr: \(client.stderr)")
        let received = try Data(contentsOf: URL(fileURLWithPath: client.stdoutPath))
        #expect(received.count == wanted.count, "the client received \(received.count) of \(wanted.count) bytes")
        let clientDiffers = Self.firstDifference(Array(received), wanted)
        #expect(clientDiffers == nil, "the client's bytes differ from the text from byte \(clientDiffers ?? 0)")

        let start = try gateway.waitForEvent(["--type", "session.start", "--subject", subject]) { _ in true }
        let session = try #require(start["sessionID"] as? String)
        _ = try gateway.waitForEvent(["--type", "session.end", "--session", session], timeout: 300) { _ in true }
        let recorded = try recordedOutput(session)
        #expect(recorded.count == wanted.count, "the recording holds \(recorded.count) of \(wanted.count) bytes")
        let recordingDiffers = Self.firstDifference(recorded, wanted)
        #expect(recordingDiffers == nil, "the recorded output differs from the text from byte \(recordingDiffers ?? 0)")
    }

    /// The server ends the channel right after 40 MB of output, while reads are paused for
    /// the trail: what it sent last arrives all at once and must still reach the client
    /// before the channel's close (a first version of the bound lost the last megabytes).
    @Test func everyByteOfAFastPtyStreamReachesTheClientAndTheRecording() throws {
        try stream(lines: 680_000, subject: "fiona")  // about 40 MB
    }

    /// A client that stops reading for a while holds the server's reads by its window while
    /// the full trail holds them too: reading resumes only once neither holds, and resumes.
    @Test func aStoppedClientAndAFullTrailBothHoldTheStreamAndBothLetGo() throws {
        try stream(lines: 250_000, subject: "stan") { client in
            let deadline = Date().addingTimeInterval(60)
            while (try? FileManager.default.attributesOfItem(atPath: client.stdoutPath)[.size] as? Int) ?? 0 < 1_000_000, Date() < deadline {
                usleep(20_000)
            }
            let found = try ChildProcess.run(path: "/usr/bin/pgrep", ["-P", String(client.process.processIdentifier), "-x", "ssh"])
            let ssh = try #require(pid_t(found.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "ssh under sshpass: \(found.stdout)")
            kill(ssh, SIGSTOP)
            Thread.sleep(forTimeInterval: 2)  // the window fills, the recorder drains the trail
            kill(ssh, SIGCONT)
        }
    }
}
