import NIOCore
import Testing

@testable import ProtocolParsers

/// A frontend message and its bytes, written out from the protocol documentation.
struct FrontendVector: Sendable, CustomTestStringConvertible {
    var name: String
    var phase: PostgresFrontendMessageDecoder.Phase
    var bytes: [UInt8]
    var message: PostgresFrontendMessage
    var testDescription: String { self.name }
}

private let key32: [UInt8] = Array(0..<32)

let frontendVectors: [FrontendVector] = [
    // MARK: Startup phase
    FrontendVector(
        name: "StartupMessage 3.0",
        phase: .startup,
        bytes: [0, 0, 0, 54, 0, 3, 0, 0]
            + Array("user".utf8) + [0] + Array("alice".utf8) + [0]
            + Array("database".utf8) + [0] + Array("app".utf8) + [0]
            + Array("client_encoding".utf8) + [0] + Array("UTF8".utf8) + [0] + [0],
        message: .startup(.init(parameters: ["user": "alice", "database": "app", "client_encoding": "UTF8"]))
    ),
    FrontendVector(
        name: "StartupMessage 3.2 with protocol option",
        phase: .startup,
        bytes: startupFrame(
            [0, 3, 0, 2] + cs("user") + cs("bob#prod-db") + cs("application_name") + cs("psql")
                + cs("_pq_.test") + cs("1") + [0]
        ),
        message: .startup(
            .init(
                protocolVersion: .v3_2,
                parameters: ["user": "bob#prod-db", "application_name": "psql", "_pq_.test": "1"]
            )
        )
    ),
    FrontendVector(
        name: "StartupMessage without parameters",
        phase: .startup,
        bytes: [0, 0, 0, 9, 0, 3, 0, 0, 0],
        message: .startup(.init(parameters: [] as [PostgresFrontendMessage.Startup.Parameter]))
    ),
    FrontendVector(
        name: "SSLRequest",
        phase: .startup,
        bytes: [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x2F],
        message: .sslRequest
    ),
    FrontendVector(
        name: "GSSENCRequest",
        phase: .startup,
        bytes: [0x00, 0x00, 0x00, 0x08, 0x04, 0xD2, 0x16, 0x30],
        message: .gssEncRequest
    ),
    FrontendVector(
        name: "CancelRequest 3.0 (4-byte key)",
        phase: .startup,
        bytes: [0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E, 0x00, 0x00, 0x30, 0x39, 0xDE, 0xAD, 0xBE, 0xEF],
        message: .cancelRequest(.init(processID: 12345, secretKey: [0xDE, 0xAD, 0xBE, 0xEF]))
    ),
    FrontendVector(
        name: "CancelRequest 3.2 (32-byte key)",
        phase: .startup,
        bytes: [0, 0, 0, 44, 0x04, 0xD2, 0x16, 0x2E, 0x00, 0x00, 0x00, 0x07] + key32,
        message: .cancelRequest(.init(processID: 7, secretKey: key32))
    ),

    // MARK: Typed messages
    FrontendVector(
        name: "Query",
        phase: .messages,
        bytes: [0x51, 0, 0, 0, 13] + Array("SELECT 1".utf8) + [0],
        message: .query("SELECT 1")
    ),
    FrontendVector(
        name: "Query, multi-statement",
        phase: .messages,
        bytes: frame("Q", cs("BEGIN; SELECT 'a;b'; COMMIT")),
        message: .query("BEGIN; SELECT 'a;b'; COMMIT")
    ),
    FrontendVector(name: "Query, empty", phase: .messages, bytes: [0x51, 0, 0, 0, 5, 0], message: .query("")),
    FrontendVector(
        name: "Query, non-ASCII",
        phase: .messages,
        bytes: frame("Q", [0x53, 0x45, 0x4C, 0x45, 0x43, 0x54, 0x20, 0x27, 0xC3, 0xA9, 0x27, 0x00]),
        message: .query("SELECT 'é'")
    ),
    FrontendVector(
        name: "Parse, named with a parameter type",
        phase: .messages,
        bytes: [0x50, 0, 0, 0, 29] + cs("s1") + cs("SELECT $1::int4") + [0, 1] + [0, 0, 0, 23],
        message: .parse(.init(statementName: "s1", query: "SELECT $1::int4", parameterTypes: [23]))
    ),
    FrontendVector(
        name: "Parse, unnamed without types",
        phase: .messages,
        bytes: frame("P", [0] + cs("SELECT now()") + [0, 0]),
        message: .parse(.init(query: "SELECT now()"))
    ),
    FrontendVector(
        name: "Bind, one binary format for all, a NULL, binary results",
        phase: .messages,
        bytes: frame(
            "B",
            [0] + cs("s1") + [0, 1, 0, 1] + [0, 2] + [0, 0, 0, 4, 0, 0, 0, 42] + [0xFF, 0xFF, 0xFF, 0xFF]
                + [0, 1, 0, 1]
        ),
        message: .bind(
            .init(
                statementName: "s1",
                parameterFormats: [.binary],
                parameters: [buffer([0, 0, 0, 42]), nil],
                resultFormats: [.binary]
            )
        )
    ),
    FrontendVector(
        name: "Bind, per-parameter formats, named portal, empty value",
        phase: .messages,
        bytes: frame(
            "B",
            cs("p1") + cs("") + [0, 2, 0, 0, 0, 1] + [0, 2] + [0, 0, 0, 3] + Array("abc".utf8) + [0, 0, 0, 0]
                + [0, 0]
        ),
        message: .bind(
            .init(
                portalName: "p1",
                parameterFormats: [.text, .binary],
                parameters: [buffer(Array("abc".utf8)), buffer([])],
                resultFormats: []
            )
        )
    ),
    FrontendVector(
        name: "Bind, no parameters",
        phase: .messages,
        bytes: [0x42, 0, 0, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0],
        message: .bind(.init())
    ),
    FrontendVector(
        name: "Describe statement",
        phase: .messages,
        bytes: [0x44, 0, 0, 0, 8, 0x53, 0x73, 0x31, 0x00],
        message: .describe(.statement("s1"))
    ),
    FrontendVector(
        name: "Describe unnamed portal",
        phase: .messages,
        bytes: [0x44, 0, 0, 0, 6, 0x50, 0x00],
        message: .describe(.portal(""))
    ),
    FrontendVector(
        name: "Close statement",
        phase: .messages,
        bytes: frame("C", [0x53] + cs("s1")),
        message: .close(.statement("s1"))
    ),
    FrontendVector(
        name: "Close portal",
        phase: .messages,
        bytes: frame("C", [0x50] + cs("p1")),
        message: .close(.portal("p1"))
    ),
    FrontendVector(
        name: "Execute, unnamed, no limit",
        phase: .messages,
        bytes: [0x45, 0, 0, 0, 9, 0x00, 0, 0, 0, 0],
        message: .execute(.init())
    ),
    FrontendVector(
        name: "Execute, named, 100 rows",
        phase: .messages,
        bytes: frame("E", cs("p1") + [0, 0, 0, 100]),
        message: .execute(.init(portalName: "p1", maxRows: 100))
    ),
    FrontendVector(name: "Sync", phase: .messages, bytes: [0x53, 0, 0, 0, 4], message: .sync),
    FrontendVector(name: "Flush", phase: .messages, bytes: [0x48, 0, 0, 0, 4], message: .flush),
    FrontendVector(name: "Terminate", phase: .messages, bytes: [0x58, 0, 0, 0, 4], message: .terminate),
    FrontendVector(name: "CopyDone", phase: .messages, bytes: [0x63, 0, 0, 0, 4], message: .copyDone),
    FrontendVector(
        name: "CopyData",
        phase: .messages,
        bytes: frame("d", Array("1\tfoo\n".utf8)),
        message: .copyData(buffer(Array("1\tfoo\n".utf8)))
    ),
    FrontendVector(
        name: "CopyFail",
        phase: .messages,
        bytes: frame("f", cs("canceled by user")),
        message: .copyFail("canceled by user")
    ),
    FrontendVector(
        name: "PasswordMessage (cleartext)",
        phase: .messages,
        bytes: [0x70, 0, 0, 0, 11] + Array("secret".utf8) + [0],
        message: .password(.init(password: "secret"))
    ),
    FrontendVector(
        name: "SASLInitialResponse",
        phase: .messages,
        bytes: frame("p", cs("SCRAM-SHA-256") + be32(14) + Array("n,,n=,r=abcdef".utf8)),
        message: .password(.saslInitialResponse(mechanism: "SCRAM-SHA-256", initialResponse: buffer(Array("n,,n=,r=abcdef".utf8))))
    ),
    FrontendVector(
        name: "SASLResponse",
        phase: .messages,
        bytes: frame("p", Array("c=biws,r=abcdef,p=xyz".utf8)),
        message: .password(.saslResponse(buffer(Array("c=biws,r=abcdef,p=xyz".utf8))))
    ),
    FrontendVector(
        name: "FunctionCall",
        phase: .messages,
        bytes: frame(
            "F",
            [0, 0, 0x06, 0x3E] + [0, 1, 0, 1] + [0, 2] + [0, 0, 0, 2, 0xAB, 0xCD] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 1]
        ),
        message: .functionCall(
            .init(
                functionOID: 1598,
                argumentFormats: [.binary],
                arguments: [buffer([0xAB, 0xCD]), nil],
                resultFormat: .binary
            )
        )
    ),
]

@Suite("PostgreSQL frontend messages")
struct PostgresFrontendMessageTests {
    @Test("hand-written bytes decode, drip-fed and at once", arguments: frontendVectors)
    func decodes(_ vector: FrontendVector) throws {
        try verifyDecoder(
            PostgresFrontendMessageDecoder(phase: vector.phase),
            bytes: vector.bytes,
            expected: [vector.message]
        )
    }

    @Test("encoding gives the hand-written bytes", arguments: frontendVectors)
    func encodes(_ vector: FrontendVector) {
        #expect(encoded(vector.message) == vector.bytes)
        #expect(vector.message.id?.rawValue == (vector.phase == .messages ? vector.bytes.first : nil))
    }

    @Test("payload decoders accept the payload alone", arguments: frontendVectors.filter { $0.phase == .messages })
    func payloadDecode(_ vector: FrontendVector) throws {
        let id = try #require(PostgresFrontendMessage.ID(rawValue: vector.bytes[0]))
        var payload = buffer(Array(vector.bytes.dropFirst(5)))
        #expect(try PostgresFrontendMessage.decode(id: id, from: &payload) == vector.message)
    }

    @Test func copyDataIsASliceOfTheReceivedBuffer() throws {
        var decoder = PostgresFrontendMessageDecoder(phase: .messages)
        var input = buffer(frame("d", Array(repeating: 7, count: 1000)))
        let message = try decoder.decode(buffer: &input)
        guard case .copyData(let data) = message else {
            Issue.record("expected CopyData")
            return
        }
        // A slice shares storage: its capacity is the payload, not a fresh allocation's.
        #expect(data.readableBytes == 1000)
        data.withUnsafeReadableBytes { payload in
            input.withUnsafeReadableBytes { whole in
                #expect(payload.baseAddress == whole.baseAddress! - 1000)
            }
        }
    }

    @Test func startupParameterLookups() {
        var startup = PostgresFrontendMessage.Startup(
            parameters: [
                .init(name: "user", value: "first"), .init(name: "database", value: "db"),
                .init(name: "user", value: "second"),
            ]
        )
        #expect(startup.user == "second")
        #expect(startup.database == "db")
        #expect(startup.applicationName == nil)
        startup[parameter: "user"] = "gateway"
        #expect(startup.parameters == [.init(name: "user", value: "gateway"), .init(name: "database", value: "db")])
        startup[parameter: "application_name"] = "psql"
        #expect(startup.parameters.last == .init(name: "application_name", value: "psql"))
        startup[parameter: "database"] = nil
        #expect(startup.database == nil)
        #expect(startup.parameters.count == 2)
    }

    @Test func bindFormatRules() {
        let none = PostgresFrontendMessage.Bind(parameters: [nil, nil])
        #expect(none.parameterFormat(at: 1) == .text)
        let one = PostgresFrontendMessage.Bind(parameterFormats: [.binary], parameters: [nil, nil], resultFormats: [.binary])
        #expect(one.parameterFormat(at: 0) == .binary && one.parameterFormat(at: 1) == .binary)
        #expect(one.resultFormat(at: 5) == .binary)
        let each = PostgresFrontendMessage.Bind(parameterFormats: [.text, .binary], parameters: [nil, nil])
        #expect(each.parameterFormat(at: 0) == .text && each.parameterFormat(at: 1) == .binary)
        #expect(each.resultFormat(at: 0) == .text)
        let call = PostgresFrontendMessage.FunctionCall(functionOID: 1, argumentFormats: [.binary], arguments: [nil])
        #expect(call.argumentFormat(at: 0) == .binary)
    }

    @Test func passwordMessageTypedViews() throws {
        let cleartext = PostgresFrontendMessage.PasswordMessage(bytes: buffer(cs("eyJhbGciOi.token")))
        #expect(try cleartext.password() == "eyJhbGciOi.token")

        let initial = PostgresFrontendMessage.PasswordMessage(
            bytes: buffer(cs("SCRAM-SHA-256") + be32(8) + Array("n,,n=,r=".utf8))
        )
        let parsed = try initial.saslInitialResponse()
        #expect(parsed.mechanism == "SCRAM-SHA-256")
        #expect(parsed.initialResponse == buffer(Array("n,,n=,r=".utf8)))

        let noData = PostgresFrontendMessage.PasswordMessage(bytes: buffer(cs("SCRAM-SHA-256") + [0xFF, 0xFF, 0xFF, 0xFF]))
        #expect(try noData.saslInitialResponse() == .init(mechanism: "SCRAM-SHA-256", initialResponse: nil))

        let response = PostgresFrontendMessage.PasswordMessage.saslResponse(buffer([1, 2, 3]))
        #expect(response.saslResponseData == buffer([1, 2, 3]))
    }

    static let malformedPasswords: [([UInt8], PostgresWireError.Code)] = [
        (Array("secret".utf8), .malformedString),
        (cs("secret") + [0x41], .trailingBytes),
    ]

    @Test("typed password views reject malformed payloads", arguments: malformedPasswords)
    func passwordMalformed(bytes: [UInt8], code: PostgresWireError.Code) {
        let message = PostgresFrontendMessage.PasswordMessage(bytes: buffer(bytes))
        #expect {
            _ = try message.password()
        } throws: { error in
            let error = error as! PostgresWireError
            return error.code == code && error.messageType == ascii("p") && !error.description.contains("secret")
        }
    }

    static let malformedSASLInitialResponses: [([UInt8], PostgresWireError.Code)] = [
        (cs("SCRAM-SHA-256") + be32(10) + [1, 2], .truncated),
        (cs("SCRAM-SHA-256") + [0, 0], .truncated),
        (cs("SCRAM-SHA-256") + be32(-5), .invalidValue),
        (cs("SCRAM-SHA-256") + be32(1) + [1, 2], .trailingBytes),
        (Array("SCRAM".utf8), .malformedString),
    ]

    @Test("SASLInitialResponse view rejects malformed payloads", arguments: malformedSASLInitialResponses)
    func saslInitialMalformed(bytes: [UInt8], code: PostgresWireError.Code) {
        let message = PostgresFrontendMessage.PasswordMessage(bytes: buffer(bytes))
        #expect {
            _ = try message.saslInitialResponse()
        } throws: { error in
            (error as? PostgresWireError)?.code == code
        }
    }

    @Test func passwordsNeverReachDescriptions() {
        let message = PostgresFrontendMessage.password(.init(password: "hunter2-token"))
        #expect(!String(describing: message).contains("hunter2"))
        #expect(!String(reflecting: message).contains("hunter2"))
        var dumped = ""
        dump(message, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(!dumped.contains("0x68"))  // nor its bytes in hex
    }

    @Test func embeddedNULsAreDroppedWhenEncoding() {
        #expect(encoded(.query("SELECT\u{0} 1")) == frame("Q", cs("SELECT 1")))
    }

    @Test func encoderConformance() {
        var out = ByteBuffer()
        PostgresFrontendMessageEncoder().encode(data: .sync, out: &out)
        #expect(out.bytesArray == [0x53, 0, 0, 0, 4])
    }
}
