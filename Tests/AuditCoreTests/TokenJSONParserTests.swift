import Foundation
import Testing

@testable import AuditCore

@Suite("Token JSON parser and base64url")
struct TokenJSONParserTests {
    static func parse(_ text: String) -> [String: TokenJSON]? {
        try? TokenJSONParser.parseObject(Array(text.utf8))
    }

    @Test func parsesEveryJSONType() throws {
        let object = try #require(Self.parse(#" { "s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "n": -1.5e2, "i": 0, "t": true, "f": false, "z": null, "a": [1, "x", {}], "o": {"k": []} } "#))
        #expect(object["s"] == .string("a\"b\\c/d\nÃ©😀".replacingOccurrences(of: "Ã©", with: "é")))
        #expect(object["n"] == .number(-150))
        #expect(object["i"] == .number(0))
        #expect(object["t"] == .bool(true))
        #expect(object["f"] == .bool(false))
        #expect(object["z"] == .null)
        #expect(object["a"] == .array([.number(1), .string("x"), .object([:])]))
        #expect(object["o"] == .object(["k": .array([])]))
    }

    @Test(arguments: [
        "", "[]", "\"s\"", "{", "{\"a\":1,}", "{\"a\" 1}", "{'a':1}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}",
        "{\"a\":+1}", "{\"a\":1e}", "{\"a\":NaN}", "{\"a\":tru}", "{\"a\":1} x", "{\"a\":\"\u{01}\"}",
        "{\"a\":\"\\x\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}", "{\"a\":1,\"a\":2}", "{\"a\":1e999}",
    ])
    func rejectsInvalidJSON(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test func rejectsInvalidUTF8() {
        #expect((try? TokenJSONParser.parseObject([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D])) == nil)
    }

    @Test func limitsNesting() {
        let ok = "{\"a\":" + String(repeating: "[", count: 60) + String(repeating: "]", count: 60) + "}"
        #expect(Self.parse(ok) != nil)
        let deep = "{\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(Self.parse(deep) == nil)
    }

    @Test func base64URLRoundTripsAndIsStrict() throws {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let encoded = TokenBase64URL.encode(bytes)
            #expect(encoded == Data(bytes).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: ""))
            #expect(TokenBase64URL.decode(encoded) == Data(bytes))
        }
        #expect(TokenBase64URL.decode("QQ") == Data("A".utf8))
        #expect(TokenBase64URL.decode("QR") == nil)  // non-zero trailing bits
        #expect(TokenBase64URL.decode("QQ==") == nil)
        #expect(TokenBase64URL.decode("Q") == nil)
        #expect(TokenBase64URL.decode("a+b/") == nil)
        #expect(TokenBase64URL.decode("ab c") == nil)
    }
}
