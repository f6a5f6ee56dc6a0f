import Testing

@testable import PolicyEngine

@Suite("Policy globs and object patterns")
struct PolicyGlobTests {
    func glob(_ pattern: String) -> PolicyGlob { try! PolicyGlob(pattern) }

    @Test("Matches", arguments: [
        ("*", "", true), ("*", "anything", true), ("orders", "orders", true), ("orders", "Orders", false),
        ("orders-*", "orders-", true), ("orders-*", "orders-eu", true), ("orders-*", "order", false),
        ("*@contractor.example", "bob@contractor.example", true), ("*@contractor.example", "bob@example.com", false),
        ("*db*", "mydb1", true), ("*db*", "d-b", false), ("a*b*c", "abc", true), ("a*b*c", "aXbYbZc", true),
        ("a*b*c", "acb", false), ("a?c", "abc", true), ("a?c", "ac", false), ("a?c", "aéc", true),
        ("[abc]x", "bx", true), ("[abc]x", "dx", false), ("[a-c]x", "cx", true), ("[!a-c]x", "dx", true),
        ("[!a-c]x", "ax", false), ("[^a-c]x", "éx", true), ("a\\*b", "a*b", true), ("a\\*b", "axb", false),
        ("*.payments", "billing.payments", true), ("**", "x", true), ("*a", "bbbba", true), ("*a*a", "aa", true),
        ("*a*a", "a", false), ("x*y?z", "xABy1z", true), ("x*y?z", "xABy12z", false), ("é*", "été", true),
    ])
    func matches(_ pattern: String, _ text: String, _ expected: Bool) {
        #expect(glob(pattern).matches(text) == expected)
    }

    @Test func exactValuesAndWildcards() {
        #expect(glob("orders").exactValue == "orders")
        #expect(glob("a\\*b").exactValue == "a*b")
        #expect(glob("a*").exactValue == nil)
        #expect(glob("*").matchesAnything)
        #expect(!glob("*x").matchesAnything)
        #expect(PolicyGlob(literal: "[x").matches("[x"))
    }

    @Test("Refuses", arguments: ["", "a\\", "[abc", "x[]", "[z-a]", "[é]"])
    func refuses(_ pattern: String) {
        #expect(throws: PolicyGlob.Problem.self) { try PolicyGlob(pattern) }
    }

    @Test func objectPatternsMatchTheLastParts() throws {
        let qualified = try PolicyObjectPattern("public.orders")
        #expect(qualified.matches("public.orders", sql: true, qualification: .certainly))
        #expect(qualified.matches("db.public.orders", sql: true, qualification: .certainly))
        #expect(!qualified.matches("other.orders", sql: true, qualification: .possibly))
        #expect(!qualified.matches("orders", sql: true, qualification: .certainly))
        #expect(qualified.matches("orders", sql: true, qualification: .possibly))
        let anySchema = try PolicyObjectPattern("*.orders")
        #expect(anySchema.matches("orders", sql: true, qualification: .certainly))
        let bare = try PolicyObjectPattern("orders")
        #expect(bare.matches("x.y.orders", sql: true, qualification: .certainly))
        let escaped = try PolicyObjectPattern(#"a\.b"#)
        #expect(escaped.matches("a.b", sql: true, qualification: .certainly))
        #expect(escaped.parts.count == 1)
        let path = try PolicyObjectPattern("/var/log/*.log")
        #expect(path.matches("/var/log/app.log", sql: false, qualification: .certainly))
        #expect(!path.matches("/etc/passwd", sql: false, qualification: .possibly))
    }

    @Test("Object patterns refuse empty parts", arguments: [".orders", "public.", "a..b"])
    func objectPatternsRefuseEmptyParts(_ pattern: String) {
        #expect(throws: PolicyGlob.Problem.self) { try PolicyObjectPattern(pattern) }
    }
}
