import Foundation
import Testing

/// Policy files through the real gateway and psql: guardrails, masking by profile (results
/// and the trail), approvals with `auditctl access`, grants that expire, and hot reload.
@Suite("PostgreSQL gateway with policy files", .serialized)
final class PostgresPolicyTests {
    static let policy = """
    version: 1
    rules:
      - name: no-unbounded-writes
        effect: deny
        reason: "DELETE or UPDATE without WHERE is not allowed"
        match: { checks: [delete_without_where, update_without_where] }
      - name: contractor-writes-need-approval
        effect: require_approval
        reason: "contractor writes need a DBA's approval"
        approvers: { groups: [dba] }
        approvals: 1
        match: { groups: [contractors], classes: [write] }
      - name: contractors
        effect: allow
        masking_profile: pii
        match: { groups: [contractors], connections: [orders-policy] }
    masking_profiles:
      pii:
        columns:
          - { match: email, action: redact }
        detectors:
          - { detector: payment_card, action: partial, keep: 4 }
    """

    let gateway: PostgresGateway
    let card = "4111 1111 1111 1111"

    init() throws {
        gateway = try PostgresGateway.start(variants: ["orders-policy": []], policyYAML: Self.policy)
        let setup = try gateway.superuser("""
            drop table if exists customers; create table customers(id int primary key, name text, email text, note text);
            insert into customers values (1, 'Ann', 'ann@example.com', 'card \(card) on file'), (2, 'Bo', 'bo@example.com', 'no card');
            grant all on customers to app;
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    private func auditctl(_ token: String, _ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", arguments, environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": token])
    }

    @Test func guardrailsMaskingAndApprovals() throws {
        let carol = try gateway.token("carol", groups: ["contractors"])
        let dan = try gateway.token("dan", groups: ["dba"])

        // Reads are allowed and masked: the email column by name, card numbers anywhere.
        let read = try gateway.psql("orders-policy", token: carol, ["-At", "-F", "|", "-c", "select name, email, note from customers where note = 'card \(card) on file'"])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.hasPrefix("Ann|****|card "), "\(read.stdout)")
        #expect(!read.stdout.contains(card) && !read.stdout.contains("ann@example.com"), "\(read.stdout)")
        #expect(read.stdout.contains("1111 on file"), "partial keeps the last four digits: \(read.stdout)")

        // The trail holds the statement with the card number masked, never the number.
        #expect(try gateway.events(["--text", card]).isEmpty)
        let reads = try gateway.events(["--subject", "carol", "--type", "command", "--text", "from customers where note"])
        #expect(reads.count == 1)
        let outcomes = try gateway.events(["--subject", "carol", "--type", "command.outcome"])
        let masked = outcomes.compactMap { (($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["masked_values"] as? Int }
        #expect(masked.contains(2), "one email and one card were masked: \(outcomes)")

        // A guardrail refuses an unbounded delete, with the policy's reason.
        let delete = try gateway.psql("orders-policy", token: carol, ["-c", "DELETE FROM customers"])
        #expect(delete.status != 0)
        #expect(delete.stderr.contains("42501") || delete.stderr.contains("permission denied by policy (no-unbounded-writes)"), "\(delete.stderr)")
        #expect(delete.stderr.contains("DELETE or UPDATE without WHERE is not allowed"), "\(delete.stderr)")

        // A write needs approval: refused, with the request the gateway filed.
        let update = "UPDATE customers SET name = 'Anna' WHERE id = 1"
        let refused = try gateway.psql("orders-policy", token: carol, ["-c", update])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("approval needed: access request ar-"), "\(refused.stderr)")
        let id = try #require(refused.stderr.range(of: #"ar-[0-9a-f]{8}"#, options: .regularExpression).map { String(refused.stderr[$0]) })

        // The requester cannot approve; a DBA can.
        #expect(try auditctl(carol, ["access", "approve", id]).status == 3)
        let approved = try auditctl(dan, ["access", "approve", id])
        #expect(approved.status == 0, "\(approved.stderr)")
        let granted = try gateway.psql("orders-policy", token: carol, ["-c", update])
        #expect(granted.status == 0 && granted.stdout.contains("UPDATE 1"), "\(granted.stderr)")
        #expect(try gateway.superuser("select name from customers where id = 1").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "Anna")

        // A grant ends: ask for a short one, use it, and be refused again after it expires.
        let other = "UPDATE customers SET name = 'Bob' WHERE id = 2"
        let request = try auditctl(carol, ["access", "request", "--connection", "orders-policy", "--duration", "4s", "--reason", "fix Bo", "--statement", other])
        #expect(request.status == 0, "\(request.stderr)")
        let shortID = request.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try auditctl(dan, ["access", "approve", shortID]).status == 0)
        #expect(try gateway.psql("orders-policy", token: carol, ["-c", other]).status == 0)
        Thread.sleep(forTimeInterval: 5)
        let expired = try gateway.psql("orders-policy", token: carol, ["-c", other])
        #expect(expired.status != 0 && expired.stderr.contains("approval needed"), "\(expired.stderr)")

        // Every step is in the trail.
        let steps = try gateway.events(["--type", "access.requested,access.approved"]).compactMap { ($0["event"] as? [String: Any])?["type"] as? String }
        #expect(steps.filter { $0 == "access.approved" }.count == 2 && steps.filter { $0 == "access.requested" }.count >= 2, "\(steps)")
    }

    @Test func hotReloadRefusesABrokenEditAndAppliesAGoodOneWithoutDroppingSessions() throws {
        let carol = try gateway.token("carol", groups: ["contractors"])
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-At", "-d", gateway.dsn("orders-policy"), "-f", "-"],
                                          environment: ["PGPASSWORD": carol], input: true)
        psql.send("select 'before';\n")
        _ = try psql.waitForOutput(containing: "before")

        // A broken edit: refused, logged, the old policy stays in force for the open session.
        try gateway.directory.write("policy.yaml", Self.policy.replacingOccurrences(of: "effect: allow", with: "effect: permit"))
        _ = try gateway.process.waitForOutput(containing: "policy reload refused", timeout: 30, inStandardError: true)
        psql.send("select 'still allowed' from customers limit 1;\n")
        _ = try psql.waitForOutput(containing: "still allowed")

        // A good edit takes effect on the session's next statement.
        let stricter = Self.policy.replacingOccurrences(of: "rules:\n", with: """
            rules:
              - name: customers-closed
                effect: deny
                reason: "customers are closed for maintenance"
                match: { objects: ["*customers"] }

            """)
        try gateway.directory.write("policy.yaml", stricter)
        _ = try gateway.process.waitForOutput(containing: "policy reloaded", timeout: 30, inStandardError: true)
        psql.send("select 'after' from customers limit 1;\nselect 'session alive';\n")
        _ = try psql.waitForOutput(containing: "session alive")
        psql.closeInput()
        _ = psql.wait(timeout: 30)
        #expect(psql.stderr.contains("customers are closed for maintenance"), "\(psql.stderr)")
        #expect(!psql.stdout.contains("after"), "\(psql.stdout)")
        let reloads = try gateway.events(["--type", "admin.action", "--text", "policy.reload"])
        #expect(reloads.count == 2, "one refused and one applied reload are in the trail")
    }
}
