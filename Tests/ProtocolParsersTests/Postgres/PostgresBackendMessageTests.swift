import NIOCore
import Testing

@testable import ProtocolParsers

/// A backend message and its bytes, written out from the protocol documentation.
struct BackendVector: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var message: PostgresBackendMessage
    var testDescription: String { self.name }
}

private let key32: [UInt8] = Array(100..<132)

let backendVectors: [BackendVector] = [
    BackendVector(name: "AuthenticationOk", bytes: [0x52, 0, 0, 0, 8, 0, 0, 0, 0], message: .authentication(.ok)),
    BackendVector(
        name: "AuthenticationCleartextPassword",
        bytes: [0x52, 0, 0, 0, 8, 0, 0, 0, 3],
        message: .authentication(.cleartextPassword)
    ),
    BackendVector(
        name: "AuthenticationMD5Password",
        bytes: [0x52, 0, 0, 0, 12, 0, 0, 0, 5, 0x01, 0x02, 0x03, 0x04],
        message: .authentication(.md5Password(salt: 0x0102_0304))
    ),
    BackendVector(
        name: "AuthenticationSASL",
        bytes: frame("R", be32(10) + cs("SCRAM-SHA-256-PLUS") + cs("SCRAM-SHA-256") + [0]),
        message: .authentication(.sasl(mechanisms: ["SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"]))
    ),
    BackendVector(
        name: "AuthenticationSASLContinue",
        bytes: frame("R", be32(11) + Array("r=abc,s=c2FsdA==,i=4096".utf8)),
        message: .authentication(.saslContinue(buffer(Array("r=abc,s=c2FsdA==,i=4096".utf8))))
    ),
    BackendVector(
        name: "AuthenticationSASLFinal",
        bytes: frame("R", be32(12) + Array("v=c2lnbmF0dXJl".utf8)),
        message: .authentication(.saslFinal(buffer(Array("v=c2lnbmF0dXJl".utf8))))
    ),
    BackendVector(
        name: "AuthenticationGSS (raw)",
        bytes: [0x52, 0, 0, 0, 8, 0, 0, 0, 7],
        message: .authentication(.other(code: 7, data: buffer([])))
    ),
    BackendVector(
        name: "ParameterStatus",
        bytes: frame("S", cs("server_version") + cs("17.2")),
        message: .parameterStatus(.init(name: "server_version", value: "17.2"))
    ),
    BackendVector(
        name: "BackendKeyData 3.0",
        bytes: [0x4B, 0, 0, 0, 12, 0, 0, 0x04, 0xD2, 0xCA, 0xFE, 0xBA, 0xBE],
        message: .backendKeyData(.init(processID: 1234, secretKey: [0xCA, 0xFE, 0xBA, 0xBE]))
    ),
    BackendVector(
        name: "BackendKeyData 3.2 (32-byte key)",
        bytes: [0x4B, 0, 0, 0, 40, 0, 0, 0, 99] + key32,
        message: .backendKeyData(.init(processID: 99, secretKey: key32))
    ),
    BackendVector(name: "ReadyForQuery idle", bytes: [0x5A, 0, 0, 0, 5, 0x49], message: .readyForQuery(.idle)),
    BackendVector(
        name: "ReadyForQuery in transaction",
        bytes: [0x5A, 0, 0, 0, 5, 0x54],
        message: .readyForQuery(.inTransaction)
    ),
    BackendVector(name: "ReadyForQuery failed", bytes: [0x5A, 0, 0, 0, 5, 0x45], message: .readyForQuery(.failed)),
    BackendVector(
        name: "RowDescription",
        bytes: frame(
            "T",
            [0, 2]
                + cs("aid") + [0, 0, 0x40, 0x00] + [0, 1] + [0, 0, 0, 23] + [0, 4] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 0]
                + cs("abalance") + [0, 0, 0, 0] + [0, 0] + [0, 0, 0, 25] + [0xFF, 0xFF] + [0xFF, 0xFF, 0xFF, 0xFF]
                + [0, 1]
        ),
        message: .rowDescription(
            .init(fields: [
                .init(
                    name: "aid",
                    tableOID: 16384,
                    columnAttributeNumber: 1,
                    dataTypeOID: 23,
                    dataTypeSize: 4,
                    typeModifier: -1,
                    format: .text
                ),
                .init(name: "abalance", dataTypeOID: 25, dataTypeSize: -1, format: .binary),
            ])
        )
    ),
    BackendVector(name: "RowDescription, no fields", bytes: [0x54, 0, 0, 0, 6, 0, 0], message: .rowDescription(.init(fields: []))),
    BackendVector(
        name: "DataRow with a NULL and an empty value",
        bytes: [0x44, 0, 0, 0, 19, 0, 3, 0, 0, 0, 1, 0x31, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0],
        message: .dataRow(.init(columns: [buffer([0x31]), nil, buffer([])]))
    ),
    BackendVector(name: "DataRow, no columns", bytes: [0x44, 0, 0, 0, 6, 0, 0], message: .dataRow(.init(columns: []))),
    BackendVector(
        name: "CommandComplete SELECT",
        bytes: [0x43, 0, 0, 0, 13] + Array("SELECT 1".utf8) + [0],
        message: .commandComplete("SELECT 1")
    ),
    BackendVector(
        name: "CommandComplete INSERT",
        bytes: frame("C", cs("INSERT 0 1")),
        message: .commandComplete("INSERT 0 1")
    ),
    BackendVector(name: "EmptyQueryResponse", bytes: [0x49, 0, 0, 0, 4], message: .emptyQueryResponse),
    BackendVector(
        name: "ErrorResponse",
        bytes: frame(
            "E",
            [0x53] + cs("ERROR") + [0x56] + cs("ERROR") + [0x43] + cs("42P01") + [0x4D]
                + cs("relation \"nope\" does not exist") + [0x50] + cs("15") + [0x46] + cs("parse_relation.c")
                + [0x4C] + cs("1449") + [0x52] + cs("parserOpenTable") + [0]
        ),
        message: .errorResponse(
            .init(fields: [
                .init(code: .severity, value: "ERROR"),
                .init(code: .severityNonLocalized, value: "ERROR"),
                .init(code: .sqlState, value: "42P01"),
                .init(code: .message, value: "relation \"nope\" does not exist"),
                .init(code: .position, value: "15"),
                .init(code: .file, value: "parse_relation.c"),
                .init(code: .line, value: "1449"),
                .init(code: .routine, value: "parserOpenTable"),
            ])
        )
    ),
    BackendVector(
        name: "ErrorResponse from the convenience init",
        bytes: frame(
            "E",
            [0x53] + cs("FATAL") + [0x56] + cs("FATAL") + [0x43] + cs("08P01") + [0x4D] + cs("invalid frame") + [0]
        ),
        message: .error(severity: "FATAL", sqlstate: "08P01", message: "invalid frame")
    ),
    BackendVector(
        name: "NoticeResponse with an unknown field code",
        bytes: frame("N", [0x53] + cs("NOTICE") + [0x43] + cs("00000") + [0x4D] + cs("hi") + [0x7A] + cs("future") + [0]),
        message: .noticeResponse(
            .init(fields: [
                .init(code: .severity, value: "NOTICE"), .init(code: .sqlState, value: "00000"),
                .init(code: .message, value: "hi"), .init(code: .init(rawValue: 0x7A), value: "future"),
            ])
        )
    ),
    BackendVector(name: "ParseComplete", bytes: [0x31, 0, 0, 0, 4], message: .parseComplete),
    BackendVector(name: "BindComplete", bytes: [0x32, 0, 0, 0, 4], message: .bindComplete),
    BackendVector(name: "CloseComplete", bytes: [0x33, 0, 0, 0, 4], message: .closeComplete),
    BackendVector(name: "NoData", bytes: [0x6E, 0, 0, 0, 4], message: .noData),
    BackendVector(name: "PortalSuspended", bytes: [0x73, 0, 0, 0, 4], message: .portalSuspended),
    BackendVector(name: "CopyDone", bytes: [0x63, 0, 0, 0, 4], message: .copyDone),
    BackendVector(
        name: "ParameterDescription",
        bytes: [0x74, 0, 0, 0, 14, 0, 2, 0, 0, 0, 23, 0, 0, 0, 25],
        message: .parameterDescription([23, 25])
    ),
    BackendVector(
        name: "CopyInResponse text",
        bytes: [0x47, 0, 0, 0, 13, 0, 0, 3, 0, 0, 0, 0, 0, 0],
        message: .copyInResponse(.init(format: .text, columnFormats: [.text, .text, .text]))
    ),
    BackendVector(
        name: "CopyOutResponse binary",
        bytes: [0x48, 0, 0, 0, 11, 1, 0, 2, 0, 1, 0, 1],
        message: .copyOutResponse(.init(format: .binary, columnFormats: [.binary, .binary]))
    ),
    BackendVector(
        name: "CopyBothResponse",
        bytes: [0x57, 0, 0, 0, 7, 0, 0, 0],
        message: .copyBothResponse(.init(format: .text, columnFormats: []))
    ),
    BackendVector(
        name: "CopyData",
        bytes: frame("d", Array("1\tfoo\n2\tbar\n".utf8)),
        message: .copyData(buffer(Array("1\tfoo\n2\tbar\n".utf8)))
    ),
    BackendVector(
        name: "NegotiateProtocolVersion",
        // The whole version number (3.0 = 0x00030000), as servers send it.
        bytes: frame("v", [0, 3, 0, 0] + [0, 0, 0, 1] + cs("_pq_.unknown")),
        message: .negotiateProtocolVersion(.init(newestVersion: .v3_0, unrecognizedOptions: ["_pq_.unknown"]))
    ),
    BackendVector(
        name: "NotificationResponse",
        bytes: frame("A", [0, 0, 0, 42] + cs("jobs") + cs("{\"id\":1}")),
        message: .notificationResponse(.init(processID: 42, channel: "jobs", payload: "{\"id\":1}"))
    ),
    BackendVector(
        name: "FunctionCallResponse",
        bytes: [0x56, 0, 0, 0, 10, 0, 0, 0, 2, 0xAB, 0xCD],
        message: .functionCallResponse(buffer([0xAB, 0xCD]))
    ),
    BackendVector(
        name: "FunctionCallResponse NULL",
        bytes: [0x56, 0, 0, 0, 8, 0xFF, 0xFF, 0xFF, 0xFF],
        message: .functionCallResponse(nil)
    ),
]

@Suite("PostgreSQL backend messages")
struct PostgresBackendMessageTests {
    @Test("hand-written bytes decode, drip-fed and at once", arguments: backendVectors)
    func decodes(_ vector: BackendVector) throws {
        try verifyDecoder(PostgresBackendMessageDecoder(), bytes: vector.bytes, expected: [vector.message])
    }

    @Test("encoding gives the hand-written bytes", arguments: backendVectors)
    func encodes(_ vector: BackendVector) {
        #expect(encoded(vector.message) == vector.bytes)
        #expect(vector.message.id?.rawValue == vector.bytes.first)
    }

    @Test(
        "one-byte encryption answers",
        arguments: [
            (PostgresBackendMessageDecoder.Expectation.sslResponse, UInt8(ascii: "S"), PostgresBackendMessage.sslResponse(supported: true)),
            (.sslResponse, UInt8(ascii: "N"), .sslResponse(supported: false)),
            (.gssEncResponse, UInt8(ascii: "G"), .gssEncResponse(supported: true)),
            (.gssEncResponse, UInt8(ascii: "N"), .gssEncResponse(supported: false)),
        ] as [(PostgresBackendMessageDecoder.Expectation, UInt8, PostgresBackendMessage)]
    )
    func encryptionAnswers(expectation: PostgresBackendMessageDecoder.Expectation, byte: UInt8, message: PostgresBackendMessage) throws {
        #expect(try runDecoder(PostgresBackendMessageDecoder(expecting: expectation), chunks: [[byte]]) == [message])
        #expect(encoded(message) == [byte])
        #expect(message.id == nil)
    }

    @Test func dataRowIteratesSlicesWithoutCopying() throws {
        var decoder = PostgresBackendMessageDecoder()
        var input = buffer([0x44, 0, 0, 0, 21, 0, 3, 0, 0, 0, 2, 0x34, 0x32, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0x78])
        guard case .dataRow(let row) = try decoder.decode(buffer: &input) else {
            Issue.record("expected a DataRow")
            return
        }
        #expect(row.count == 3)
        #expect(row.columns == [buffer([0x34, 0x32]), nil, buffer([0x78])])
        #expect(row[column: 0] == buffer([0x34, 0x32]))
        #expect(row[column: 1] == nil)
        #expect(row[column: 2] == buffer([0x78]))
        // Masking: rebuild the row with column 0 replaced, the rest relayed as slices.
        var columns = Array(row)
        columns[0] = buffer(Array("***".utf8))
        let masked = PostgresBackendMessage.dataRow(.init(columns: columns))
        #expect(encoded(masked) == [0x44, 0, 0, 0, 22, 0, 3, 0, 0, 0, 3, 0x2A, 0x2A, 0x2A, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1, 0x78])
    }

    @Test func errorResponseAccessors() {
        guard case .errorResponse(let error) = PostgresBackendMessage.error(
            severity: "ERROR",
            sqlstate: "42501",
            message: "denied by policy",
            detail: "rule no-drop",
            hint: "ask for a grant"
        ) else {
            Issue.record("expected an ErrorResponse")
            return
        }
        #expect(error.severity == "ERROR")
        #expect(error.sqlState == "42501")
        #expect(error.message == "denied by policy")
        #expect(error.detail == "rule no-drop")
        #expect(error.hint == "ask for a grant")
        #expect(error[.position] == nil)
        let localized = PostgresBackendMessage.ErrorResponse(fields: [.init(code: .severity, value: "FEHLER")])
        #expect(localized.severity == "FEHLER")
        guard case .noticeResponse(let notice) = PostgresBackendMessage.notice(severity: "WARNING", sqlstate: "01000", message: "careful") else {
            Issue.record("expected a NoticeResponse")
            return
        }
        #expect(notice.severity == "WARNING")
    }

    static let commandTags: [(String, Int?)] = [
        ("SELECT 5", 5), ("INSERT 0 7", 7), ("UPDATE 0", 0), ("DELETE 12", 12), ("MERGE 3", 3),
        ("FETCH 100", 100), ("MOVE 2", 2), ("COPY 100000", 100_000), ("BEGIN", nil), ("CREATE TABLE", nil),
        ("SELECT", nil), ("", nil), ("SELECT x", nil),
    ]

    @Test("row counts from command tags", arguments: commandTags)
    func rowCounts(tag: String, count: Int?) {
        #expect(PostgresBackendMessage.rowCount(commandTag: tag) == count)
    }

    @Test func encoderConformance() {
        var out = ByteBuffer()
        PostgresBackendMessageEncoder().encode(data: .readyForQuery(.idle), out: &out)
        #expect(out.bytesArray == [0x5A, 0, 0, 0, 5, 0x49])
    }
}
