import NIOCore
import Testing

@testable import ProtocolParsers

/// A malformed client input and the error it must produce.
struct MalformedFrontendInput: Sendable, CustomTestStringConvertible {
    var name: String
    var phase: PostgresFrontendMessageDecoder.Phase
    var bytes: [UInt8]
    var code: PostgresWireError.Code
    var testDescription: String { self.name }
}

private let v30: [UInt8] = [0, 3, 0, 0]

/// `count` parameters of the smallest shape, `pN\0\0`.
private func manyParameters(_ count: Int) -> [UInt8] {
    (0..<count).flatMap { cs("p\($0)") + [0] }
}

let malformedFrontendInputs: [MalformedFrontendInput] = [
    // Framing of typed messages
    .init(name: "length 0", phase: .messages, bytes: [0x51, 0, 0, 0, 0], code: .invalidLength),
    .init(name: "length 3", phase: .messages, bytes: [0x53, 0, 0, 0, 3], code: .invalidLength),
    .init(name: "negative length", phase: .messages, bytes: [0x51, 0xFF, 0xFF, 0xFF, 0xFF], code: .invalidLength),
    .init(name: "length 2^31-1, header only", phase: .messages, bytes: [0x51, 0x7F, 0xFF, 0xFF, 0xFF], code: .messageTooLarge),
    .init(name: "CopyData length 2^31-1", phase: .messages, bytes: [0x64, 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3], code: .messageTooLarge),
    .init(name: "Sync beyond the small-message limit", phase: .messages, bytes: [0x53] + be32(10_005), code: .messageTooLarge),
    .init(name: "password beyond 64 KiB", phase: .messages, bytes: [0x70] + be32(70_000), code: .messageTooLarge),
    .init(name: "unknown type 'Z'", phase: .messages, bytes: [0x5A, 0, 0, 0, 4], code: .unknownMessageType),
    .init(name: "unknown type 0x00 (startup packet after startup)", phase: .messages, bytes: [0, 0, 0, 8, 4, 0xD2, 0x16, 0x2F], code: .unknownMessageType),
    .init(name: "truncated frame at EOF", phase: .messages, bytes: [0x51, 0, 0, 0, 13] + Array("SELECT".utf8), code: .truncated),
    .init(name: "truncated header at EOF", phase: .messages, bytes: [0x51, 0, 0], code: .truncated),
    // Payloads
    .init(name: "Query without NUL", phase: .messages, bytes: frame("Q", Array("SELECT 1".utf8)), code: .malformedString),
    .init(name: "Query with bytes after NUL", phase: .messages, bytes: frame("Q", cs("SELECT 1") + [0x41]), code: .trailingBytes),
    .init(name: "Sync with a payload", phase: .messages, bytes: frame("S", [0]), code: .trailingBytes),
    .init(name: "Terminate with a payload", phase: .messages, bytes: frame("X", [1, 2, 3]), code: .trailingBytes),
    .init(name: "Execute with extra bytes", phase: .messages, bytes: frame("E", cs("") + be32(0) + [9]), code: .trailingBytes),
    .init(name: "Execute truncated", phase: .messages, bytes: frame("E", cs("") + [0, 0]), code: .truncated),
    .init(name: "Describe with unknown target", phase: .messages, bytes: frame("D", [0x58] + cs("x")), code: .invalidValue),
    .init(name: "Close without name", phase: .messages, bytes: frame("C", [0x53]), code: .malformedString),
    .init(name: "Parse with 65535 types but none sent", phase: .messages, bytes: frame("P", cs("") + cs("x") + [0xFF, 0xFF]), code: .truncated),
    .init(name: "Parse without query terminator", phase: .messages, bytes: frame("P", cs("s") + Array("SELECT".utf8)), code: .malformedString),
    .init(
        name: "Bind with 2 formats for 3 parameters",
        phase: .messages,
        bytes: frame("B", cs("") + cs("") + [0, 2, 0, 0, 0, 1] + [0, 3] + be32(-1) + be32(-1) + be32(-1) + [0, 0]),
        code: .parameterCountMismatch
    ),
    .init(
        name: "Bind with parameter length -2",
        phase: .messages,
        bytes: frame("B", cs("") + cs("") + [0, 0] + [0, 1] + be32(-2) + [0, 0]),
        code: .invalidValue
    ),
    .init(
        name: "Bind with a parameter longer than the frame",
        phase: .messages,
        bytes: frame("B", cs("") + cs("") + [0, 0] + [0, 1] + be32(1_000_000) + [1, 2] + [0, 0]),
        code: .truncated
    ),
    .init(
        name: "Bind claiming 65535 parameters",
        phase: .messages,
        bytes: frame("B", cs("") + cs("") + [0, 0] + [0xFF, 0xFF] + be32(1) + [7]),
        code: .truncated
    ),
    .init(name: "Bind without result formats", phase: .messages, bytes: frame("B", cs("") + cs("") + [0, 0, 0, 0]), code: .truncated),
    .init(
        name: "FunctionCall with 3 formats for 1 argument",
        phase: .messages,
        bytes: frame("F", be32(1598) + [0, 3, 0, 0, 0, 0, 0, 0] + [0, 1] + be32(-1) + [0, 0]),
        code: .parameterCountMismatch
    ),
    .init(name: "CopyFail without NUL", phase: .messages, bytes: frame("f", Array("oops".utf8)), code: .malformedString),

    // Startup phase
    .init(name: "startup length 0", phase: .startup, bytes: [0, 0, 0, 0], code: .invalidLength),
    .init(name: "startup length 3", phase: .startup, bytes: [0, 0, 0, 3], code: .invalidLength),
    .init(name: "startup length 7", phase: .startup, bytes: [0, 0, 0, 7, 0, 3, 0], code: .invalidLength),
    .init(name: "startup length negative", phase: .startup, bytes: [0x80, 0, 0, 0], code: .invalidLength),
    .init(name: "startup length 2^31-1", phase: .startup, bytes: [0x7F, 0xFF, 0xFF, 0xFF] + v30, code: .messageTooLarge),
    .init(name: "startup packet over 10 KiB", phase: .startup, bytes: be32(10_009), code: .messageTooLarge),
    .init(
        name: "startup packet with 2000 parameters (fits 10 KiB)",
        phase: .startup,
        bytes: startupFrame(v30 + Array(repeating: [0x61, 0, 0], count: 2000).flatMap { $0 } + [0]),
        code: .tooManyParameters
    ),
    .init(
        name: "startup packet with 65 parameters",
        phase: .startup,
        bytes: startupFrame(v30 + manyParameters(65) + [0]),
        code: .tooManyParameters
    ),
    .init(
        name: "startup packet with 5000 parameters (over 10 KiB)",
        phase: .startup,
        bytes: startupFrame(v30 + manyParameters(5000) + [0]),
        code: .messageTooLarge
    ),
    .init(name: "protocol 2.0", phase: .startup, bytes: startupFrame([0, 2, 0, 0] + cs("user") + cs("a") + [0]), code: .unsupportedProtocolVersion),
    .init(name: "protocol 4.0", phase: .startup, bytes: startupFrame([0, 4, 0, 0, 0]), code: .unsupportedProtocolVersion),
    .init(name: "unknown request code 1234.5681", phase: .startup, bytes: [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x31], code: .unknownMessageType),
    .init(name: "startup without terminator", phase: .startup, bytes: startupFrame(v30 + cs("user") + cs("a")), code: .malformedString),
    .init(name: "startup value without NUL", phase: .startup, bytes: startupFrame(v30 + cs("user") + Array("a".utf8)), code: .malformedString),
    .init(name: "startup with bytes after terminator", phase: .startup, bytes: startupFrame(v30 + cs("user") + cs("a") + [0, 0x41]), code: .trailingBytes),
    .init(name: "SSLRequest with length 12", phase: .startup, bytes: [0, 0, 0, 12, 0x04, 0xD2, 0x16, 0x2F, 0, 0, 0, 0], code: .trailingBytes),
    .init(name: "CancelRequest with a 3-byte key", phase: .startup, bytes: startupFrame([0x04, 0xD2, 0x16, 0x2E] + be32(1) + [1, 2, 3]), code: .invalidLength),
    .init(
        name: "CancelRequest with a 257-byte key",
        phase: .startup,
        bytes: startupFrame([0x04, 0xD2, 0x16, 0x2E] + be32(1) + Array(repeating: 9, count: 257)),
        code: .invalidLength
    ),
    .init(name: "CancelRequest without process ID", phase: .startup, bytes: startupFrame([0x04, 0xD2, 0x16, 0x2E, 0, 0]), code: .truncated),
    .init(name: "truncated startup packet at EOF", phase: .startup, bytes: [0, 0, 0, 20] + v30 + cs("user"), code: .truncated),
]

@Suite("PostgreSQL frontend decoder")
struct PostgresFrontendMessageDecoderTests {
    @Test("malformed input gives the right error", arguments: malformedFrontendInputs)
    func malformed(_ input: MalformedFrontendInput) throws {
        let error = expectWireError(input.code, decoding: [input.bytes], with: PostgresFrontendMessageDecoder(phase: input.phase))
        if let error {
            #expect(error.messageType == (input.phase == .messages ? input.bytes.first : nil))
            #expect(!error.detail.isEmpty)
        }
        // Drip-fed, the same bytes fail the same way.
        expectWireError(input.code, decoding: input.bytes.map { [$0] }, with: PostgresFrontendMessageDecoder(phase: input.phase))
    }

    @Test("a hostile length fails before its payload arrives", arguments: [Int32.max, 1 << 30, 64 << 20 + 5] as [Int32])
    func hostileLengthFailsImmediately(length: Int32) {
        var decoder = PostgresFrontendMessageDecoder(phase: .messages)
        var input = buffer([0x51] + be32(Int(length)))
        #expect(throws: PostgresWireError.self) { _ = try decoder.decode(buffer: &input) }
        var startup = PostgresFrontendMessageDecoder()
        var packet = buffer(be32(Int(length)))
        #expect(throws: PostgresWireError.self) { _ = try startup.decode(buffer: &packet) }
    }

    @Test func incompleteFramesWait() throws {
        var decoder = PostgresFrontendMessageDecoder(phase: .messages)
        let bytes = frame("Q", cs("SELECT 1"))
        for cut in 0..<bytes.count {
            var partial = buffer(Array(bytes[..<cut]))
            #expect(try decoder.decode(buffer: &partial) == nil)
            #expect(partial.readerIndex == 0)
        }
        #expect(try runDecoder(PostgresFrontendMessageDecoder(phase: .messages), chunks: [Array(bytes.dropLast())], seenEOF: false).isEmpty)
    }

    @Test func configurableMessageLimit() {
        let decoder = PostgresFrontendMessageDecoder(phase: .messages, maximumMessageSize: 16)
        #expect(throws: Never.self) { try runDecoder(decoder, chunks: [frame("Q", cs("SELECT 1"))]) }
        expectWireError(.messageTooLarge, decoding: [frame("Q", cs("SELECT 123456789012345"))], with: decoder)
        let strict = PostgresFrontendMessageDecoder(maximumStartupPacketSize: 20, maximumStartupParameterCount: 1)
        expectWireError(.messageTooLarge, decoding: [startupFrame(v30 + cs("user") + cs("alice_in_wonderland") + [0])], with: strict)
        expectWireError(.tooManyParameters, decoding: [startupFrame(v30 + cs("a") + cs("") + cs("b") + cs("") + [0])], with: strict)
    }

    @Test func fullSessionSwitchesPhaseAfterStartup() throws {
        let startup = startupFrame(v30 + cs("user") + cs("alice") + [0])
        let extended =
            frame("P", cs("") + cs("SELECT $1") + [0, 0]) + frame("B", cs("") + cs("") + [0, 0, 0, 1] + be32(1) + [0x37] + [0, 0])
            + frame("D", [0x50, 0]) + frame("E", [0] + be32(0)) + frame("S", [])
        let bytes = startup + frame("p", cs("token")) + frame("Q", cs("SELECT 1")) + extended + frame("X", [])
        let expected: [PostgresFrontendMessage] = [
            .startup(.init(parameters: ["user": "alice"])),
            .password(.init(password: "token")),
            .query("SELECT 1"),
            .parse(.init(query: "SELECT $1")),
            .bind(.init(parameters: [buffer([0x37])])),
            .describe(.portal("")),
            .execute(.init()),
            .sync,
            .terminate,
        ]
        try verifyDecoder(PostgresFrontendMessageDecoder(), bytes: bytes, expected: expected)
    }

    @Test func sslAndGSSRequestsKeepTheStartupPhase() throws {
        let gss: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30]
        let ssl: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
        let startup = startupFrame(v30 + cs("user") + cs("u") + [0])
        // Each request is answered before the client sends the next packet: separate reads.
        let messages = try runDecoder(PostgresFrontendMessageDecoder(), chunks: [gss, ssl, startup, frame("S", [])])
        #expect(messages == [.gssEncRequest, .sslRequest, .startup(.init(parameters: ["user": "u"])), .sync])
    }

    @Test("bytes pipelined after an encryption request are refused (CVE-2021-23214)")
    func bufferStuffingIsRefused() {
        let ssl: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F]
        let injected = frame("Q", cs("DROP TABLE x"))
        expectWireError(.unexpectedDataAfterEncryptionRequest, decoding: [ssl + injected], with: PostgresFrontendMessageDecoder())
        let gss: [UInt8] = [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30]
        expectWireError(.unexpectedDataAfterEncryptionRequest, decoding: [gss + [0]], with: PostgresFrontendMessageDecoder())
    }

    @Test func startupPhaseAcceptsNewerMinorVersions() throws {
        let bytes = startupFrame([0, 3, 0, 9] + cs("user") + cs("u") + [0])
        let messages = try runDecoder(PostgresFrontendMessageDecoder(), chunks: [bytes])
        #expect(messages == [.startup(.init(protocolVersion: .init(major: 3, minor: 9), parameters: ["user": "u"]))])
    }

    @Test func errorsDescribeTheMessageWithoutPayload() {
        // A raw password frame always decodes; only its typed view can fail, and neither the
        // frame-level nor the typed error echoes the secret.
        let tooLong = expectWireError(
            .messageTooLarge,
            decoding: [frame("p", cs(String(repeating: "hunter2", count: 10_000)))],
            with: PostgresFrontendMessageDecoder(phase: .messages)
        )
        #expect(tooLong?.description.contains("hunter2") == false)
        #expect(tooLong?.description.contains("'p'") == true)
        let wire = expectWireError(.unknownMessageType, decoding: [[0x01, 0, 0, 0, 4]], with: PostgresFrontendMessageDecoder(phase: .messages))
        #expect(wire?.description.contains("0x01") == true)
        #expect(wire?.sqlState == "08P01")
    }
}
