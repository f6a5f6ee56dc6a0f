import Foundation
import Testing

/// Exec commands decided by policy files: a denied command never reaches the server.
@Suite("SSH gateway with a policy", .serialized)
final class SSHPolicyTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start(policyYAML: """
        version: 1
        rules:
          - name: no-touching
            effect: deny
            reason: "creating files is not allowed on web hosts"
            match:
              protocols: [ssh]
              classes: [exec]
              objects: ["touch *"]
          - name: developers
            effect: allow
            match:
              groups: [developers]
        """)
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    @Test func aDeniedExecNeverReachesTheServer() throws {
        let token = try gateway.token("alice")
        let denied = "/tmp/agw-ssh-denied-\(UUID().uuidString.prefix(8))"
        let result = try gateway.run("web-1", token: token, "touch \(denied)")
        #expect(result.status == 126, "stderr: \(result.stderr)")
        #expect(result.stderr.contains("denied by policy (no-touching)"), "stderr: \(result.stderr)")
        #expect(result.stderr.contains("creating files is not allowed"))
        #expect(!FileManager.default.fileExists(atPath: denied), "the command must not have run on the server")

        // The same server runs what the policy allows.
        let allowed = "/tmp/agw-ssh-allowed-\(UUID().uuidString.prefix(8))"
        let ok = try gateway.run("web-1", token: token, "sh -c ': > \(allowed)'")
        #expect(ok.status == 0, "stderr: \(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: allowed))
        try? FileManager.default.removeItem(atPath: allowed)

        let decision = try gateway.waitForEvent(["--type", "policy.decision", "--connection", "web-1"]) { $0.field("statement") as? String == "touch \(denied)" }
        #expect(decision.field("rule") as? String == "no-touching")
        #expect(decision.field("decision") as? String == "deny")
    }
}
