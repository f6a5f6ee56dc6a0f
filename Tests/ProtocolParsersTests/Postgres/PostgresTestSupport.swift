import NIOCore
import Testing

@testable import ProtocolParsers

// Byte-building helpers for hand-written test vectors. They only spell out the wire
// primitives (big-endian integers, C strings); they never call the codecs under test.

func be16(_ value: Int) -> [UInt8] {
    let v = UInt16(truncatingIfNeeded: value)
    return [UInt8(v >> 8), UInt8(v & 0xFF)]
}

func be32(_ value: Int) -> [UInt8] {
    let v = UInt32(truncatingIfNeeded: value)
    return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
}

/// A NUL-terminated string.
func cs(_ string: String) -> [UInt8] { Array(string.utf8) + [0] }

func ascii(_ character: Unicode.Scalar) -> UInt8 { UInt8(character.value) }

/// A typed frame with a correct length field.
func frame(_ type: Unicode.Scalar, _ payload: [UInt8]) -> [UInt8] {
    [ascii(type)] + be32(payload.count + 4) + payload
}

/// A startup-phase packet with a correct length field.
func startupFrame(_ payload: [UInt8]) -> [UInt8] {
    be32(payload.count + 4) + payload
}

func buffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }

extension ByteBuffer {
    var bytesArray: [UInt8] { Array(self.readableBytesView) }
}

/// Runs `decoder` through NIO's own single-step processor, feeding `chunks` one after the
/// other, then signalling EOF.
func runDecoder<Decoder: NIOSingleStepByteToMessageDecoder>(
    _ decoder: Decoder,
    chunks: [[UInt8]],
    seenEOF: Bool = true
) throws -> [Decoder.InboundOut] {
    let processor = NIOSingleStepByteToMessageProcessor(decoder)
    var messages: [Decoder.InboundOut] = []
    for chunk in chunks {
        try processor.process(buffer: ByteBuffer(bytes: chunk)) { messages.append($0) }
    }
    try processor.finishProcessing(seenEOF: seenEOF) { messages.append($0) }
    return messages
}

/// Our stand-in for NIOTestUtils' `ByteToMessageDecoderVerifier`: decodes `bytes` all at
/// once, one byte at a time, and in chunks of a few sizes, and insists every run yields
/// `expected`.
func verifyDecoder<Decoder: NIOSingleStepByteToMessageDecoder>(
    _ makeDecoder: @autoclosure () -> Decoder,
    bytes: [UInt8],
    expected: [Decoder.InboundOut],
    sourceLocation: SourceLocation = #_sourceLocation
) throws where Decoder.InboundOut: Equatable {
    let allAtOnce = try runDecoder(makeDecoder(), chunks: [bytes])
    #expect(allAtOnce == expected, "all at once", sourceLocation: sourceLocation)
    let dripFed = try runDecoder(makeDecoder(), chunks: bytes.map { [$0] })
    #expect(dripFed == expected, "one byte at a time", sourceLocation: sourceLocation)
    for size in [2, 3, 7] {
        let chunks = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
        let chunked = try runDecoder(makeDecoder(), chunks: chunks)
        #expect(chunked == expected, "chunks of \(size)", sourceLocation: sourceLocation)
    }
}

/// Expects decoding `chunks` to fail with a `PostgresWireError` of `code`, and returns it.
@discardableResult
func expectWireError<Decoder: NIOSingleStepByteToMessageDecoder>(
    _ code: PostgresWireError.Code,
    decoding chunks: [[UInt8]],
    with decoder: Decoder,
    sourceLocation: SourceLocation = #_sourceLocation
) -> PostgresWireError? {
    do {
        let messages = try runDecoder(decoder, chunks: chunks)
        Issue.record("expected \(code), decoded \(messages.count) messages", sourceLocation: sourceLocation)
        return nil
    } catch let error as PostgresWireError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected PostgresWireError \(code), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

func encoded(_ message: PostgresFrontendMessage) -> [UInt8] {
    var out = ByteBuffer()
    message.encode(into: &out)
    return out.bytesArray
}

func encoded(_ message: PostgresBackendMessage) -> [UInt8] {
    var out = ByteBuffer()
    message.encode(into: &out)
    return out.bytesArray
}
