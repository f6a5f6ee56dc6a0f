import Foundation
import PolicyEngine
import Testing

/// The complete example in Docs/policy.md loads and decides as the text around it says.
@Suite("Docs/policy.md example")
struct PolicyDocsExampleTests {
    typealias T = PolicyTestSupport

    static func example() throws -> PolicySet {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Docs/policy.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "```yaml\n"))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        return try PolicySet.parse([PolicySource(name: "policy.md", text: String(text[start.upperBound..<end.lowerBound]))])
    }

    @Test func theExampleDecidesAsDocumented() throws {
        let policy = try Self.example()
        let bob = T.identity("bob@contractor.example", groups: ["contractors"])
        #expect(policy.evaluate(T.connect("orders-db", as: bob)) == .allow(rule: "contractors-read"))
        #expect(policy.sessionSettings(T.connect("orders-db", as: bob)).maskingProfile == "pii")
        #expect(policy.evaluate(T.sql("SELECT * FROM orders", as: bob)) == .allow(rule: "contractors-read"))
        #expect(policy.evaluate(T.sql("DELETE FROM orders", as: bob))
            == .deny(rule: "no-unbounded-writes", reason: "DELETE or UPDATE without WHERE is not allowed"))
        #expect(policy.evaluate(T.sql("UPDATE orders SET status = 'x' WHERE id = 7", as: bob)).rule == "contractor-writes-need-approval")
        // Saturday: outside the contractors' window.
        #expect(policy.evaluate(T.connect("orders-db", as: bob, at: T.mondayMorning + 5 * 86_400)).rule == "default-deny")
        let agent = T.identity("alice", groups: ["developers"], actors: ["agent:x"])
        #expect(policy.evaluate(T.sql("SELECT * FROM billing.payments", as: agent)).rule == "payments-are-off-limits-to-agents")
        #expect(policy.document.maskingProfile(named: "pii")?.detectors.count == 2)
    }
}
