import NIOCore
import Testing

@testable import ProtocolParsers

// Byte-building helpers for SFTP test vectors, spelled out from draft-ietf-secsh-filexfer-02
// (uint32/uint64 big-endian, string = uint32 length + bytes). They never call the codecs
// under test. `be32` comes from PostgresTestSupport.swift.

func be64(_ value: UInt64) -> [UInt8] {
    (0..<8).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
}

/// `string`: uint32 length, then the bytes.
func str(_ text: String) -> [UInt8] { be32(text.utf8.count) + Array(text.utf8) }

func str(bytes: [UInt8]) -> [UInt8] { be32(bytes.count) + bytes }

/// A whole packet: uint32 length (type byte + body), type, body.
func packet(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { be32(body.count + 1) + [type] + body }

/// ATTRS with no flags.
let noAttrs: [UInt8] = be32(0)

/// A four-byte handle like OpenSSH's.
let handleBytes: [UInt8] = [0, 0, 0, 7]
let handle7 = SFTPHandle(bytes: handleBytes)

/// Decodes `bytes` with `decoder.process`, fed in `chunks` (a list of cut positions), then
/// checks the stream ended on a packet boundary. Returns the messages and, for each, the
/// raw bytes it was handed.
func processAll<Message>(
    _ decoder: SFTPPacketDecoder<Message>,
    _ bytes: [UInt8],
    cuts: [Int] = []
) throws -> [(Message, [UInt8])] {
    var decoder = decoder
    var out: [(Message, [UInt8])] = []
    var start = 0
    for end in cuts + [bytes.count] where end >= start {
        try decoder.process(ByteBuffer(bytes: bytes[start..<end])) { message, raw in
            out.append((message, Array(raw.readableBytesView)))
        }
        start = end
    }
    try decoder.finish()
    return out
}

/// Checks that `bytes` decode to `expected` whole, at every single cut position, one byte
/// at a time, and through NIO's processor (`verifyDecoder`), and that the raw bytes handed
/// out reassemble the input.
func expectDecodes<Message: Equatable>(
    _ decoder: @autoclosure () -> SFTPPacketDecoder<Message>,
    _ bytes: [UInt8],
    as expected: [Message],
    sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let whole = try processAll(decoder(), bytes)
    #expect(whole.map(\.0) == expected, "all at once", sourceLocation: sourceLocation)
    #expect(whole.flatMap(\.1) == bytes, "raw bytes", sourceLocation: sourceLocation)
    for cut in 0...bytes.count {
        let split = try processAll(decoder(), bytes, cuts: [cut])
        #expect(split.map(\.0) == expected, "split at \(cut)", sourceLocation: sourceLocation)
    }
    let dripped = try processAll(decoder(), bytes, cuts: Array(0...bytes.count))
    #expect(dripped.map(\.0) == expected, "one byte at a time", sourceLocation: sourceLocation)
    try verifyDecoder(decoder(), bytes: bytes, expected: expected, sourceLocation: sourceLocation)
}

/// Expects `bytes` to make the decoder throw an `SFTPError` of `code`; returns it.
@discardableResult
func expectSFTPError<Message>(
    _ code: SFTPError.Code,
    decoding bytes: [UInt8],
    with decoder: SFTPPacketDecoder<Message>,
    sourceLocation: SourceLocation = #_sourceLocation
) -> SFTPError? {
    do {
        let messages = try processAll(decoder, bytes)
        Issue.record("expected \(code), decoded \(messages.count) packets", sourceLocation: sourceLocation)
        return nil
    } catch let error as SFTPError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected SFTPError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
