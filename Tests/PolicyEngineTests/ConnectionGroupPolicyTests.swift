import AuditCore
import Foundation
import PolicyEngine
import Testing

@Suite("Interim connection-group policy")
struct ConnectionGroupPolicyTests {
    static func identity(_ groups: [String]) -> Identity {
        Identity(subject: "carol", issuer: "https://idp.example.com", groups: groups, actors: [], tokenID: "t-1",
                 expiresAt: Date().addingTimeInterval(60))
    }

    let policy = ConnectionGroupPolicy(rules: ["orders": .init(groups: ["developers"], readOnlyGroups: ["contractors"])])

    @Test func groupsDecideWhoConnects() {
        #expect(policy.evaluate(PolicyRequest(identity: Self.identity(["developers"]), connection: "orders", protocol: "postgres")).isAllowed)
        #expect(!policy.evaluate(PolicyRequest(identity: Self.identity(["sales"]), connection: "orders", protocol: "postgres")).isAllowed)
        let unknown = policy.evaluate(PolicyRequest(identity: Self.identity(["developers"]), connection: "billing", protocol: "postgres"))
        #expect(unknown.rule == "default-deny")
    }

    @Test func readOnlyGroupsMayOnlyRead() {
        let contractor = Self.identity(["contractors"])
        #expect(policy.evaluate(PolicyRequest(identity: contractor, connection: "orders", protocol: "postgres", command: "select 1", commandClass: "read")).isAllowed)
        let write = policy.evaluate(PolicyRequest(identity: contractor, connection: "orders", protocol: "postgres", command: "delete from t", commandClass: "write"))
        guard case .deny(let rule, let reason) = write else {
            Issue.record("a write by a read-only group must be denied, got \(write)")
            return
        }
        #expect(rule == "connection:orders:read-only")
        #expect(reason.contains("read-only"))
    }

    @Test func defaultSessionSettingsRecordWithoutMasking() {
        let settings = policy.sessionSettings(PolicyRequest(identity: Self.identity(["developers"]), connection: "orders", protocol: "postgres"))
        #expect(settings == SessionSettings(maskingProfile: nil, maxDuration: nil, idleTimeout: nil, recording: true))
    }
}
