import AuditCore
import Foundation
import PolicyEngine
import ProtocolParsers
import Testing

/// The indexed evaluator must decide exactly as a plain rule-by-rule reading of the policy.
@Suite("Policy index agrees with rule-by-rule evaluation")
struct PolicyIndexTests {
    /// A small deterministic generator (xorshift64*).
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 2_685_821_657_736_338_717
        }
    }

    static let connections = ["orders-db", "billing", "orders-replica", "hr"]
    static let connectionPatterns = connections + ["orders-*", "*-db", "*"]
    static let subjects = ["alice@example.com", "bob@contractor.example", "svc-etl"]
    static let subjectPatterns = subjects + ["*@contractor.example", "svc-*"]
    static let groups = ["dba", "contractors", "developers", "sales"]
    static let groupPatterns = groups + ["dev*", "*"]
    static let actors = ["agent:etl", "loader-3", "ci"]
    static let actorPatterns = actors + ["agent:*", "*"]
    static let classes = ["read", "write", "ddl", "dcl", "admin"]
    static let objects = ["public.orders", "orders", "billing.payments", "hr.salaries"]
    static let objectPatterns = ["public.orders", "orders", "*.payments", "hr.*", "*", #"hr\.salaries"#, "public.ord*"]

    static func pick<T>(_ values: [T], _ generator: inout Generator) -> T {
        values[Int(generator.next() % UInt64(values.count))]
    }

    static func some<T>(_ values: [T], _ generator: inout Generator, max: Int = 2) -> [T] {
        (0...Int(generator.next() % UInt64(max))).map { _ in pick(values, &generator) }
    }

    static func maybe(_ generator: inout Generator, _ percent: UInt64) -> Bool {
        generator.next() % 100 < percent
    }

    static func randomRule(_ index: Int, _ generator: inout Generator) -> PolicyRule {
        var match = PolicyMatch()
        if maybe(&generator, 50) { match.connections = some(connectionPatterns, &generator) }
        if maybe(&generator, 15) { match.protocols = some(["postgres", "mysql", "ssh"], &generator) }
        if maybe(&generator, 20) { match.subjects = some(subjectPatterns, &generator) }
        if maybe(&generator, 40) { match.groups = some(groupPatterns, &generator) }
        if maybe(&generator, 15) { match.actors = some(actorPatterns, &generator) }
        if maybe(&generator, 10) { match.minDepth = Int(generator.next() % 3) }
        if maybe(&generator, 10) { match.maxDepth = Int(generator.next() % 3) + 1 }
        if maybe(&generator, 30) { match.classes = some(classes, &generator) }
        if maybe(&generator, 20) { match.objects = some(objectPatterns, &generator) }
        if maybe(&generator, 20) { match.checks = Set(some(SQLRiskFlag.allCases, &generator)) }
        if maybe(&generator, 10) { match.time = PolicyTimeWindow(days: [.mon, .tue], startMinute: 9 * 60, endMinute: 18 * 60, timeZone: TimeZone(identifier: "UTC")!) }
        if maybe(&generator, 10) { match.grant = pick([.required, .absent], &generator) }
        let effect: PolicyEffect = pick([.allow, .allow, .deny, .requireApproval], &generator)
        return PolicyRule(
            name: "rule-\(index)", effect: effect, match: match,
            approval: effect == .requireApproval ? ApprovalRequirement(approverGroups: ["dba"]) : nil)
    }

    static func randomRequest(_ generator: inout Generator) -> PolicyRequest {
        let identity = Identity(
            subject: pick(subjects, &generator), issuer: "https://idp.example",
            groups: maybe(&generator, 20) ? [] : some(groups, &generator), actors: maybe(&generator, 50) ? [] : some(actors, &generator, max: 3),
            expiresAt: .distantFuture)
        let connection = pick(connections, &generator)
        let time = PolicyTestSupport.mondayMorning.addingTimeInterval(Double(generator.next() % 7) * 86_400 + Double(generator.next() % 24) * 3600)
        var grants: [AccessGrant] = []
        if maybe(&generator, 30) {
            grants.append(AccessGrant(requestID: "g", subject: identity.subject, connection: connection, expiresAt: time + (maybe(&generator, 70) ? 60 : -60)))
        }
        let name = pick(["postgres", "postgres", "mysql", "ssh"], &generator)
        guard maybe(&generator, 75) else {
            return PolicyRequest(identity: identity, connection: connection, protocol: name, time: time, grants: grants)
        }
        return PolicyRequest(
            identity: identity, connection: connection, protocol: name, command: "x",
            commandClass: maybe(&generator, 10) ? nil : pick(classes, &generator).uppercased(),
            objects: maybe(&generator, 20) ? [] : some(objects, &generator, max: 3),
            riskFlags: maybe(&generator, 50) ? [] : Set(some(SQLRiskFlag.allCases, &generator)), time: time, grants: grants)
    }

    /// The decision read rule by rule from `matchingRules`.
    static func reference(_ policy: PolicySet, _ request: PolicyRequest) -> PolicyDecision {
        let matching = policy.matchingRules(request)
        if let deny = matching.first(where: { $0.effect == .deny }) {
            return .deny(rule: deny.name, reason: "denied by policy rule \(deny.name)")
        }
        if let approval = matching.first(where: { $0.effect == .requireApproval }) {
            let covered = request.grants.contains { $0.subject == request.identity.subject && $0.connection == request.connection && $0.expiresAt > request.time }
            return covered
                ? .allow(rule: approval.name)
                : .requireApproval(rule: approval.name, reason: "this needs an approved access request (policy rule \(approval.name))", approval: ApprovalRequirement(approverGroups: ["dba"]))
        }
        if let allow = matching.first(where: { $0.effect == .allow }) { return .allow(rule: allow.name) }
        return policy.evaluate(request).rule == PolicySet.defaultDenyRule ? policy.evaluate(request) : .allow(rule: "(no default deny)")
    }

    @Test("Random policies and requests", arguments: [1, 2, 3, 4])
    func randomPoliciesAgree(_ seed: UInt64) throws {
        var generator = Generator(state: 0x9E37_79B9_7F4A_7C15 &* seed)
        for round in 0..<20 {
            let count = [3, 64, 65, 150][round % 4]
            let policy = try PolicySet(document: PolicyDocument(rules: (0..<count).map { Self.randomRule($0, &generator) }))
            for _ in 0..<200 {
                let request = Self.randomRequest(&generator)
                let decision = policy.evaluate(request)
                #expect(decision == Self.reference(policy, request), "seed \(seed) round \(round): \(request)")
                let settings = policy.sessionSettings(request)
                let firstAllow = policy.matchingRules(request).first { $0.effect == .allow }
                #expect(settings.maskingProfile == firstAllow?.maskingProfile)
            }
        }
    }
}
