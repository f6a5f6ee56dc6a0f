import NIOCore
import Testing

@testable import ProtocolParsers

/// A malformed packet and the error it must produce.
struct MalformedSFTPInput: Sendable, CustomTestStringConvertible {
    enum Side: Sendable { case client, server }
    var name: String
    var side: Side
    var bytes: [UInt8]
    var code: SFTPError.Code
    var testDescription: String { self.name }
}

let malformedSFTPInputs: [MalformedSFTPInput] = [
    // Framing
    .init(name: "length 0", side: .client, bytes: be32(0), code: .invalidLength),
    .init(name: "length 2^32-1, header only", side: .client, bytes: [0xFF, 0xFF, 0xFF, 0xFF, 6], code: .packetTooLarge),
    .init(name: "length 256 KiB + 1", side: .server, bytes: be32(256 * 1024 + 1) + [103], code: .packetTooLarge),
    .init(name: "stream ends inside the length", side: .client, bytes: [0, 0], code: .truncated),
    .init(name: "stream ends inside a packet", side: .client, bytes: be32(20) + [3] + be32(1), code: .truncated),
    // Fields
    .init(name: "OPEN without pflags", side: .client, bytes: packet(3, be32(1) + str("/p")), code: .truncated),
    .init(name: "OPEN path longer than the packet", side: .client, bytes: packet(3, be32(1) + be32(1000) + [0x41]), code: .truncated),
    .init(name: "OPEN path length 2^32-1", side: .client, bytes: packet(3, be32(1) + [0xFF, 0xFF, 0xFF, 0xFF]), code: .truncated),
    .init(name: "OPEN with bytes after the attributes", side: .client, bytes: packet(3, be32(1) + str("/p") + be32(1) + noAttrs + [0]), code: .trailingBytes),
    .init(name: "OPEN attributes announce a size that is missing", side: .client, bytes: packet(3, be32(1) + str("/p") + be32(1) + be32(1)), code: .truncated),
    .init(
        name: "SETSTAT with 2^32-1 extended attributes",
        side: .client,
        bytes: packet(9, be32(1) + str("/p") + be32(0x8000_0000) + [0xFF, 0xFF, 0xFF, 0xFF]),
        code: .invalidValue
    ),
    .init(name: "CLOSE with a 257-byte handle", side: .client, bytes: packet(4, be32(1) + str(bytes: [UInt8](repeating: 1, count: 257))), code: .invalidValue),
    .init(name: "READ without length", side: .client, bytes: packet(5, be32(1) + str(bytes: handleBytes) + be64(0)), code: .truncated),
    .init(name: "WRITE whose data runs past the packet", side: .client, bytes: packet(6, be32(1) + str(bytes: handleBytes) + be64(0) + be32(10) + [1, 2]), code: .truncated),
    .init(name: "WRITE with bytes after the data", side: .client, bytes: packet(6, be32(1) + str(bytes: handleBytes) + be64(0) + str("ab") + [0]), code: .trailingBytes),
    .init(name: "REMOVE without request id", side: .client, bytes: packet(13, [0, 0]), code: .truncated),
    .init(name: "RENAME without new path", side: .client, bytes: packet(18, be32(1) + str("/a")), code: .truncated),
    .init(name: "INIT without version", side: .client, bytes: packet(1, []), code: .truncated),
    .init(name: "INIT with an extension name but no data", side: .client, bytes: packet(1, be32(3) + str("x")), code: .truncated),
    .init(name: "posix-rename without paths", side: .client, bytes: packet(200, be32(1) + str("posix-rename@openssh.com")), code: .truncated),
    .init(name: "posix-rename with a third path", side: .client, bytes: packet(200, be32(1) + str("posix-rename@openssh.com") + str("a") + str("b") + str("c")), code: .trailingBytes),
    // Replies
    .init(name: "STATUS with half a message", side: .server, bytes: packet(101, be32(1) + be32(4) + be32(10) + [0x41]), code: .truncated),
    .init(name: "STATUS with bytes after the language", side: .server, bytes: packet(101, be32(1) + be32(0) + str("") + str("") + [7]), code: .trailingBytes),
    .init(name: "HANDLE of 300 bytes", side: .server, bytes: packet(102, be32(1) + str(bytes: [UInt8](repeating: 2, count: 300))), code: .invalidValue),
    .init(name: "NAME claiming 2^32-1 entries", side: .server, bytes: packet(104, be32(1) + [0xFF, 0xFF, 0xFF, 0xFF] + str("a")), code: .invalidValue),
    .init(name: "NAME claiming 2 entries, holding 1", side: .server, bytes: packet(104, be32(1) + be32(2) + str("abc") + str("") + noAttrs + be32(100) + [0, 0, 0, 0, 0, 0]), code: .truncated),
    .init(name: "DATA longer than the packet", side: .server, bytes: packet(103, be32(1) + be32(100)), code: .truncated),
    .init(name: "VERSION without version", side: .server, bytes: packet(2, [0, 3]), code: .truncated),
    .init(name: "ATTRS truncated in the times", side: .server, bytes: packet(105, be32(1) + be32(8) + be32(1)), code: .truncated),
]

@Suite("SFTP malformed packets")
struct SFTPMalformedPacketTests {
    @Test(arguments: malformedSFTPInputs)
    func isRefusedWithAClearError(_ input: MalformedSFTPInput) throws {
        let error: SFTPError? =
            switch input.side {
            case .client: expectSFTPError(input.code, decoding: input.bytes, with: SFTPRequestDecoder())
            case .server: expectSFTPError(input.code, decoding: input.bytes, with: SFTPResponseDecoder())
            }
        if let error {
            #expect(!error.detail.isEmpty)
            #expect(!"\(error)".contains("Optional"))
        }
    }

    @Test func anOversizedLengthIsRefusedBeforeItsBodyArrives() throws {
        var decoder = SFTPRequestDecoder()
        // Only the header: a buffering decoder would wait for 300 KiB; this one must not.
        #expect(throws: SFTPError.self) {
            try decoder.process(ByteBuffer(bytes: be32(300 * 1024) + [6])) { _, _ in }
        }
        let error = expectSFTPError(.packetTooLarge, decoding: be32(300 * 1024) + [6], with: SFTPRequestDecoder())
        #expect(error?.packetType == .write)
        #expect(error.map { "\($0)" } == "invalid SFTP packet SSH_FXP_WRITE (6) (packetTooLarge): packet of 307200 bytes exceeds the limit of 262144 bytes")
    }

    @Test func aSmallerConfiguredLimitApplies() {
        expectSFTPError(.packetTooLarge, decoding: packet(13, be32(1) + str(String(repeating: "x", count: 100))), with: SFTPRequestDecoder(maximumPacketLength: 64))
    }

    @Test func errorsNameTheFieldAndThePacket() {
        let error = expectSFTPError(.truncated, decoding: packet(3, be32(1) + str("/p")), with: SFTPRequestDecoder())
        #expect(error?.packetType == .open)
        #expect(error?.detail == "pflags needs 4 bytes but the packet has only 0 left")
    }

    @Test func packetsBeforeAnErrorAreDelivered() {
        var decoder = SFTPRequestDecoder()
        var seen: [SFTPRequest] = []
        #expect(throws: SFTPError.self) {
            try decoder.process(ByteBuffer(bytes: packet(1, be32(3)) + be32(0))) { request, _ in seen.append(request) }
        }
        #expect(seen == [.initialize(version: 3, extensions: [])])
    }

    @Test func theNIODecoderReportsATruncatedStreamAtEOF() {
        #expect(throws: SFTPError.self) {
            _ = try runDecoder(SFTPResponseDecoder(), chunks: [be32(10) + [101, 0, 0]])
        }
    }

    /// Mutations of every vector: whatever the bytes, the decoders return packets, wait, or
    /// throw `SFTPError`; they never trap.
    @Test func mutatedPacketsNeverCrash() {
        var rng = PostgresCodecRegressionTests.SplitMix(state: 0x5F7F)
        let requests = sftpRequestVectors.map(\.bytes)
        let responses = sftpResponseVectors.map(\.bytes)
        for round in 0..<3000 {
            let clientSide = round % 2 == 0
            let seed = clientSide ? requests.randomElement(using: &rng)! : responses.randomElement(using: &rng)!
            let bytes = PostgresCodecRegressionTests.mutate(seed, using: &rng)
            let cut = Int.random(in: 0...bytes.count, using: &rng)
            do {
                if clientSide {
                    _ = try processAll(SFTPRequestDecoder(), bytes, cuts: [cut])
                } else {
                    _ = try processAll(SFTPResponseDecoder(), bytes, cuts: [cut])
                }
            } catch is SFTPError {
                // Expected for most mutations.
            } catch {
                Issue.record("unexpected error \(error) for \(bytes)")
            }
        }
    }
}
