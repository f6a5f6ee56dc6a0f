import AuditCore
import Crypto
import Foundation
import Testing

@Suite("Event canonical encoding")
struct EventCanonicalTests {
    static let time = Date(timeIntervalSince1970: 1_764_234_000.25)

    @Test func fullEventEncodesToTheDocumentedBytes() {
        let identity = Identity(subject: "alice", issuer: "https://issuer", actors: ["agent:planner"], tokenID: "tok-1",
                                expiresAt: Self.time)
        let event = AuditEvent(type: .command, time: Self.time, sessionID: "s-1", identity: identity, connection: "orders-db",
                               protocol: "postgres", fields: [AuditField.statement: "SELECT 1", "rows": 3])
        #expect(event.canonicalJSONString == """
            {"actors":["agent:planner"],"connection":"orders-db","fields":{"rows":3,"statement":"SELECT 1"},"issuer":"https://issuer",\
            "protocol":"postgres","session_id":"s-1","subject":"alice","time_us":1764234000250000,"token_id":"tok-1","type":"command"}
            """)
    }

    @Test func absentMembersAreOmitted() {
        let event = AuditEvent(type: .tokenRevoked, time: Date(timeIntervalSince1970: 0))
        #expect(event.canonicalJSONString == #"{"actors":[],"fields":{},"time_us":0,"type":"token.revoked"}"#)
    }

    @Test func stringsAreEscapedExactlyAsDocumented() {
        let event = AuditEvent(type: .command, time: Date(timeIntervalSince1970: 0),
                               fields: ["s": .string("q\" b\\ n\n r\r t\t bs\u{8} ff\u{C} c\u{1} us\u{1F} del\u{7F} / é 😀")])
        #expect(event.canonicalJSONString == #"{"actors":[],"fields":{"s":"q\" b\\ n\n r\r t\t bs\b ff\f c\u0001 us\u001f del"# + "\u{7F}" + #" / é 😀"},"time_us":0,"type":"command"}"#)
    }

    @Test func keysSortByUTF8Bytes() {
        let event = AuditEvent(type: .adminAction, time: Date(timeIntervalSince1970: 0),
                               fields: ["b": 1, "a": 2, "B": 3, "é": 4, "aa": 5, "z": ["y": 1, "x": 2]])
        #expect(event.canonicalJSONString.contains(#""fields":{"B":3,"a":2,"aa":5,"b":1,"z":{"x":2,"y":1},"é":4}"#))
    }

    @Test func numbersAreDeterministic() {
        let fields: [String: AuditValue] = [
            "a": 0, "b": -42, "c": .int(Int64.max), "d": .int(Int64.min), "e": 1.0, "f": 0.1, "g": 1e-5, "h": 5e20,
            "i": .double(.nan), "j": .double(-.infinity), "k": true, "l": false, "m": nil,
        ]
        let event = AuditEvent(type: .command, time: Date(timeIntervalSince1970: 0), fields: fields)
        #expect(event.canonicalJSONString.contains(
            #"{"a":0,"b":-42,"c":9223372036854775807,"d":-9223372036854775808,"e":1.0,"f":0.1,"g":1e-05,"h":5e+20,"i":null,"j":null,"k":true,"l":false,"m":null}"#
        ))
    }

    @Test func timeIsRoundedToTheMicrosecond() {
        let event = AuditEvent(type: .command, time: Date(timeIntervalSince1970: 1_764_234_000.1234567))
        #expect(event.timeMicroseconds == 1_764_234_000_123_457)
        let before1970 = AuditEvent(type: .command, time: Date(timeIntervalSince1970: -1.5))
        #expect(before1970.timeMicroseconds == -1_500_000)
    }

    @Test func chainHashFollowsTheDocumentedRule() {
        let body = Array(AuditEvent(type: .command, time: Date(timeIntervalSince1970: 0)).canonicalJSON())
        var input = [UInt8](repeating: 0, count: 32)
        input += [0, 0, 0, 0, 0, 0, 0, 1]
        input += body
        #expect(AuditChain.hash(previous: AuditChain.genesis, seq: 1, body: body) == Array(SHA256.hash(data: input)))
        #expect(AuditChain.hex([0x00, 0xAB, 0xFF]) == "00abff")
        #expect(AuditChain.bytes(hex: "00abFF") == [0x00, 0xAB, 0xFF])
        #expect(AuditChain.bytes(hex: "0g") == nil)
    }

    @Test func checkpointMessageIsDocumented() {
        #expect(String(decoding: Checkpoint.signedMessage(node: "node-a", seq: 42, hash: "ab"), as: UTF8.self)
                == "auditgateway-checkpoint-v1\nnode-a\n42\nab")
    }

    @Test func auditValueCodableIsPlainJSON() throws {
        let value: AuditValue = ["list": [1, 2.5, "x", true, nil], "n": 7]
        let data = try JSONEncoder().encode(value)
        let decoded = try JSONDecoder().decode(AuditValue.self, from: data)
        #expect(decoded == value)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["n"] as? Int == 7)
    }

    @Test func eventCodableRoundTrips() throws {
        let event = AuditEvent(type: .policyDecision, time: Self.time, sessionID: "s", fields: ["decision": "deny"])
        let decoded = try JSONDecoder().decode(AuditEvent.self, from: JSONEncoder().encode(event))
        #expect(decoded == event)
    }
}
