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
          - name: directories-need-approval
            effect: require_approval
            reason: "new directories on web hosts need a lead's approval"
            approvers: { groups: [leads] }
            match:
              protocols: [ssh]
              classes: [exec]
              objects: ["mkdir *"]
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

    @Test func anExecThatNeedsApprovalFilesARequestAndRunsOnceApproved() throws {
        let alice = try gateway.token("alice")
        let lead = try gateway.token("lee", groups: ["leads"])
        let directory = "/tmp/agw-ssh-approval-\(UUID().uuidString.prefix(8))"
        let command = "mkdir \(directory)"

        let refused = try gateway.run("web-1", token: alice, command)
        #expect(refused.status == 126, "stderr: \(refused.stderr)")
        #expect(refused.stderr.contains("needs approval (directories-need-approval)"), "stderr: \(refused.stderr)")
        #expect(refused.stderr.contains("approval needed: access request ar-"), "stderr: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory), "the command must not have run before approval")
        let id = try #require(refused.stderr.range(of: #"ar-[0-9a-f]{8}"#, options: .regularExpression).map { String(refused.stderr[$0]) })

        // A retry finds the same request instead of filing another.
        let retried = try gateway.run("web-1", token: alice, command)
        #expect(retried.status == 126 && retried.stderr.contains(id), "stderr: \(retried.stderr)")

        // The requester cannot approve; a lead can, and then the command runs.
        let approver = { (token: String) in
            try ChildProcess.run("auditctl", ["access", "approve", id], environment: ["AUDIT_SERVER": self.gateway.adminServer, "AUDIT_TOKEN": token])
        }
        #expect(try approver(alice).status == 3)
        let approved = try approver(lead)
        #expect(approved.status == 0, "\(approved.stderr)")
        let granted = try gateway.run("web-1", token: alice, command)
        #expect(granted.status == 0, "stderr: \(granted.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory), "the approved command ran on the server")
        try? FileManager.default.removeItem(atPath: directory)

        let requested = try gateway.events(["--type", "access.requested"]).filter { $0.field("statement") as? String == command }
        #expect(requested.count == 1, "one request for the command, however often it was retried: \(requested)")
        let ran = try gateway.waitForEvent(["--type", "command", "--connection", "web-1"]) { $0.field("statement") as? String == command }
        #expect(ran.field("grant") as? String == id, "the command event names the grant: \(ran)")
    }
}
