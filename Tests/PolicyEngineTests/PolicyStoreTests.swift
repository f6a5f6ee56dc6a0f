import Foundation
import PolicyEngine
import Testing

@Suite("Policy store: hot reload")
struct PolicyStoreTests {
    typealias T = PolicyTestSupport

    /// A temporary directory with a policy file that allows everything by rule `name`.
    final class Files: Sendable {
        let directory: URL
        let policy: String

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("policy-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            policy = directory.appendingPathComponent("policy.yaml").path
            try write(allowing: "first")
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func write(allowing name: String) throws {
            try "version: 1\nrules:\n  - { name: \(name), effect: allow }\n".write(toFile: policy, atomically: true, encoding: .utf8)
        }

        func write(_ text: String) throws {
            try text.write(toFile: policy, atomically: true, encoding: .utf8)
        }
    }

    @Test func aCleanReloadTakesEffectOnTheNextRequest() throws {
        let files = try Files()
        let store = try PolicyStore(files: [files.policy])
        #expect(store.evaluate(T.connect()) == .allow(rule: "first"))
        try files.write(allowing: "second")
        let outcome = store.reload()
        guard case .applied(let rules, let names, let digest) = outcome else {
            Issue.record("expected applied, got \(outcome)")
            return
        }
        #expect(rules == 1)
        #expect(names == [files.policy])
        #expect(digest == store.policy.sourceDigest)
        #expect(outcome.description == "policy reloaded: 1 rule from \(files.policy)")
        #expect(store.evaluate(T.connect()) == .allow(rule: "second"))
    }

    @Test func aBrokenEditIsRefusedAndThePreviousPolicyStays() throws {
        let files = try Files()
        let store = try PolicyStore(files: [files.policy])
        try files.write("version: 1\nrules:\n  - { name: second, effect: allw }\n")
        let outcome = store.reload()
        guard case .rejected(let error, let kept) = outcome else {
            Issue.record("expected rejected, got \(outcome)")
            return
        }
        #expect(kept == 1)
        #expect(!outcome.isInForce)
        #expect(error.issues.map(\.description) == [
            "\(files.policy):3: rules[0].effect: must be one of allow, deny, require_approval, not 'allw' (did you mean 'allow'?)",
        ])
        #expect(outcome.description.hasPrefix("policy reload refused, the previous policy (1 rule) stays in force; 1 problem:\n"))
        #expect(store.evaluate(T.connect()) == .allow(rule: "first"))
        // A deleted file is refused the same way.
        try FileManager.default.removeItem(atPath: files.policy)
        #expect(!store.reload().isInForce)
        #expect(store.evaluate(T.connect()) == .allow(rule: "first"))
    }

    @Test func anUnchangedFileChangesNothing() throws {
        let files = try Files()
        let store = try PolicyStore(files: [files.policy])
        let outcome = store.reload()
        guard case .unchanged(let rules, _) = outcome else {
            Issue.record("expected unchanged, got \(outcome)")
            return
        }
        #expect(rules == 1)
        #expect(outcome.isInForce)
    }

    @Test func reloadCanSwitchToOtherFiles() throws {
        let files = try Files()
        let store = try PolicyStore(files: [files.policy])
        let extra = files.directory.appendingPathComponent("extra.yaml").path
        try "version: 1\nrules:\n  - { name: guard, effect: deny, match: { checks: [drop] } }\n".write(toFile: extra, atomically: true, encoding: .utf8)
        #expect(store.reload(files: [files.policy, extra]).isInForce)
        #expect(store.files == [files.policy, extra])
        #expect(store.evaluate(T.sql("DROP TABLE x")).rule == "guard")
    }

    @Test func theFirstLoadMustSucceed() throws {
        let files = try Files()
        try files.write("version: 1\nrules: nope\n")
        #expect(throws: PolicyLoadError.self) { try PolicyStore(files: [files.policy]) }
    }

    @Test func requestsRunWhileReloadsSwapPolicies() async throws {
        let files = try Files()
        let store = try PolicyStore(files: [files.policy])
        let request = T.connect()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for _ in 0..<5_000 {
                        let rule = store.evaluate(request).rule
                        #expect(rule == "first" || rule == "second" || rule == "third")
                    }
                }
            }
            group.addTask {
                for index in 0..<50 {
                    try files.write(allowing: ["second", "third"][index % 2])
                    _ = store.reload()
                }
            }
            try await group.waitForAll()
        }
    }

    @Test func replacePutsAPolicyInForce() throws {
        let store = PolicyStore(policy: .denyAll, files: [])
        #expect(store.evaluate(T.connect()).rule == "default-deny")
        store.replace(with: try T.policy("version: 1\nrules:\n  - { name: open, effect: allow }\n"))
        #expect(store.evaluate(T.connect()) == .allow(rule: "open"))
        #expect(store.decide(T.connect()).decision == .allow(rule: "open"))
        #expect(store.sessionSettings(T.connect()) == SessionSettings())
    }
}
