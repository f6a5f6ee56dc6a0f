import NIOCore
import Testing

@testable import ProtocolParsers

/// A malformed server input and the error it must produce.
struct MalformedBackendInput: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var code: PostgresWireError.Code
    var testDescription: String { self.name }
}

let malformedBackendInputs: [MalformedBackendInput] = [
    .init(name: "length 0", bytes: [0x5A, 0, 0, 0, 0], code: .invalidLength),
    .init(name: "length 3", bytes: [0x44, 0, 0, 0, 3], code: .invalidLength),
    .init(name: "DataRow length 2^31-1", bytes: [0x44, 0x7F, 0xFF, 0xFF, 0xFF, 0, 1], code: .messageTooLarge),
    .init(name: "ReadyForQuery over libpq's small limit", bytes: [0x5A] + be32(30_005), code: .messageTooLarge),
    .init(name: "unknown type 'x'", bytes: [0x78, 0, 0, 0, 4], code: .unknownMessageType),
    .init(name: "truncated at EOF", bytes: [0x43, 0, 0, 0, 13] + Array("SELE".utf8), code: .truncated),
    .init(name: "ReadyForQuery 'X'", bytes: [0x5A, 0, 0, 0, 5, 0x58], code: .invalidValue),
    .init(name: "ReadyForQuery without status", bytes: [0x5A, 0, 0, 0, 4], code: .truncated),
    .init(name: "ReadyForQuery with extra byte", bytes: [0x5A, 0, 0, 0, 6, 0x49, 0x49], code: .trailingBytes),
    .init(name: "DataRow column length -2", bytes: frame("D", [0, 1] + be32(-2)), code: .invalidValue),
    .init(name: "DataRow column beyond the frame", bytes: frame("D", [0, 1] + be32(100) + [1, 2, 3]), code: .truncated),
    .init(name: "DataRow with fewer columns than counted", bytes: frame("D", [0, 3] + be32(1) + [0x31] + be32(-1)), code: .truncated),
    .init(name: "DataRow with trailing bytes", bytes: frame("D", [0, 1] + be32(1) + [0x31, 0x32]), code: .trailingBytes),
    .init(name: "DataRow claiming 65535 columns", bytes: frame("D", [0xFF, 0xFF] + be32(-1)), code: .truncated),
    .init(name: "RowDescription claiming 65535 fields", bytes: frame("T", [0xFF, 0xFF] + cs("a")), code: .truncated),
    .init(name: "RowDescription field cut short", bytes: frame("T", [0, 1] + cs("a") + Array(repeating: 0, count: 18) + [0, 0]), code: .trailingBytes),
    .init(name: "RowDescription name without NUL", bytes: frame("T", [0, 1] + Array(repeating: 0x61, count: 20)), code: .malformedString),
    .init(name: "BackendKeyData with a 3-byte key", bytes: frame("K", be32(1) + [1, 2, 3]), code: .invalidLength),
    .init(name: "BackendKeyData with a 257-byte key", bytes: frame("K", be32(1) + Array(repeating: 1, count: 257)), code: .invalidLength),
    .init(name: "ErrorResponse without final NUL", bytes: frame("E", [0x53] + cs("ERROR")), code: .truncated),
    .init(name: "ErrorResponse value without NUL", bytes: frame("E", [0x53] + Array("ERROR".utf8)), code: .malformedString),
    .init(name: "CommandComplete without NUL", bytes: frame("C", Array("SELECT 1".utf8)), code: .malformedString),
    .init(name: "AuthenticationMD5Password with a 3-byte salt", bytes: frame("R", be32(5) + [1, 2, 3]), code: .truncated),
    .init(name: "AuthenticationMD5Password with a 5-byte salt", bytes: frame("R", be32(5) + [1, 2, 3, 4, 5]), code: .trailingBytes),
    .init(name: "AuthenticationOk with extra bytes", bytes: frame("R", be32(0) + [0]), code: .trailingBytes),
    .init(name: "AuthenticationSASL without terminator", bytes: frame("R", be32(10) + cs("SCRAM-SHA-256")), code: .malformedString),
    .init(
        name: "AuthenticationSASL with 65 mechanisms",
        bytes: frame("R", be32(10) + (0..<65).flatMap { cs("M\($0)") } + [0]),
        code: .tooManyParameters
    ),
    .init(name: "Authentication without code", bytes: frame("R", [0, 0]), code: .truncated),
    .init(name: "NegotiateProtocolVersion negative count", bytes: frame("v", be32(0) + be32(-1)), code: .invalidValue),
    .init(name: "NegotiateProtocolVersion huge count", bytes: frame("v", be32(0) + be32(Int(Int32.max)) + cs("x")), code: .truncated),
    .init(name: "ParameterDescription claiming 65535 types", bytes: frame("t", [0xFF, 0xFF] + be32(23)), code: .truncated),
    .init(name: "ParameterStatus missing value", bytes: frame("S", cs("TimeZone")), code: .malformedString),
    .init(name: "CopyOutResponse counts more formats than sent", bytes: frame("H", [0, 0, 3, 0, 0]), code: .truncated),
    .init(name: "EmptyQueryResponse with payload", bytes: frame("I", [0]), code: .trailingBytes),
    .init(name: "FunctionCallResponse length -3", bytes: frame("V", be32(-3)), code: .invalidValue),
    .init(name: "NotificationResponse without payload", bytes: frame("A", be32(1) + cs("chan")), code: .malformedString),
]

@Suite("PostgreSQL backend decoder")
struct PostgresBackendMessageDecoderTests {
    @Test("malformed input gives the right error", arguments: malformedBackendInputs)
    func malformed(_ input: MalformedBackendInput) {
        let error = expectWireError(input.code, decoding: [input.bytes], with: PostgresBackendMessageDecoder())
        #expect(error == nil || error?.messageType == input.bytes.first)
        expectWireError(input.code, decoding: input.bytes.map { [$0] }, with: PostgresBackendMessageDecoder())
    }

    @Test func simpleQueryResponseDripFed() throws {
        let bytes =
            frame("T", [0, 1] + cs("?column?") + be32(0) + [0, 0] + be32(23) + [0, 4] + be32(-1) + [0, 0])
            + frame("D", [0, 1] + be32(1) + [0x31]) + frame("C", cs("SELECT 1")) + [0x5A, 0, 0, 0, 5, 0x49]
        try verifyDecoder(
            PostgresBackendMessageDecoder(),
            bytes: bytes,
            expected: [
                .rowDescription(.init(fields: [.init(name: "?column?", dataTypeOID: 23, dataTypeSize: 4)])),
                .dataRow(.init(columns: [buffer([0x31])])),
                .commandComplete("SELECT 1"),
                .readyForQuery(.idle),
            ]
        )
    }

    @Test func configurableMessageLimit() {
        let decoder = PostgresBackendMessageDecoder(maximumMessageSize: 100)
        expectWireError(.messageTooLarge, decoding: [[0x44] + be32(105)], with: decoder)
        // The small limit never exceeds the configured one.
        expectWireError(.messageTooLarge, decoding: [[0x53] + be32(105)], with: decoder)
    }

    @Test func sslRefusalThenMessages() throws {
        let messages = try runDecoder(
            PostgresBackendMessageDecoder(expecting: .sslResponse),
            chunks: [[0x4E], [0x52, 0, 0, 0, 8, 0, 0, 0, 3]]
        )
        #expect(messages == [.sslResponse(supported: false), .authentication(.cleartextPassword)])
    }

    @Test("an ErrorResponse instead of the SSL answer is decoded as one")
    func errorInsteadOfSSLAnswer() throws {
        let error = frame("E", [0x53] + cs("FATAL") + [0x4D] + cs("unsupported frontend protocol") + [0])
        let messages = try runDecoder(PostgresBackendMessageDecoder(expecting: .sslResponse), chunks: [error])
        #expect(
            messages == [
                .errorResponse(.init(fields: [.init(code: .severity, value: "FATAL"), .init(code: .message, value: "unsupported frontend protocol")]))
            ]
        )
    }

    @Test("bytes after the server's 'S' are refused (CVE-2021-23222)")
    func injectionAfterSSLAnswer() {
        expectWireError(
            .unexpectedDataAfterEncryptionRequest,
            decoding: [[0x53] + [0x52, 0, 0, 0, 8, 0, 0, 0, 0]],
            with: PostgresBackendMessageDecoder(expecting: .sslResponse)
        )
        expectWireError(.unexpectedDataAfterEncryptionRequest, decoding: [[0x47, 0x00]], with: PostgresBackendMessageDecoder(expecting: .gssEncResponse))
    }

    @Test("an answer that is neither yes, no nor an error", arguments: [UInt8(ascii: "G"), UInt8(ascii: "X"), 0x00])
    func invalidSSLAnswer(byte: UInt8) {
        let error = expectWireError(.invalidValue, decoding: [[byte]], with: PostgresBackendMessageDecoder(expecting: .sslResponse))
        #expect(error?.messageType == nil)
    }

    @Test func hostileLengthFailsBeforeThePayload() {
        var decoder = PostgresBackendMessageDecoder()
        var input = buffer([0x44, 0x7F, 0xFF, 0xFF, 0xFF])
        #expect(throws: PostgresWireError.self) { _ = try decoder.decode(buffer: &input) }
    }
}
