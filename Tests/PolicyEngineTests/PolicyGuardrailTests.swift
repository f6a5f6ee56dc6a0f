import AuditCore
import Foundation
import PolicyEngine
import ProtocolParsers
import Testing

@Suite("Policy guardrails over tricky SQL")
struct PolicyGuardrailTests {
    @Test("The guardrail table has at least 150 statements, each once")
    func tableSize() {
        #expect(PolicyGuardrailCases.all.count >= 150)
        let keys = PolicyGuardrailCases.all.map { "\($0.dialect) \($0.sql)" }
        #expect(Set(keys).count == keys.count)
    }

    @Test("Every risk flag and every command class appears in the table")
    func coverage() {
        let flags = PolicyGuardrailCases.all.reduce(into: Set<SQLRiskFlag>()) { $0.formUnion($1.flags) }
        #expect(flags == Set(SQLRiskFlag.allCases))
        let classes = Set(PolicyGuardrailCases.all.map(\.commandClass))
        #expect(classes.isSuperset(of: [.read, .write, .ddl, .dcl, .admin, .utility]))
    }

    @Test("Classifies", arguments: PolicyGuardrailCases.all)
    func classifies(_ row: PolicyGuardrailCase) {
        let info = SQLClassifier.classify(row.sql, dialect: row.dialect)
        #expect(info.commandClass == row.commandClass)
        #expect(info.tables == row.tables)
        #expect(info.flags == row.flags)
        if let verb = row.verb { #expect(info.verb == row.verb!, "verb \(info.verb)") }
    }

    @Test("Statement by statement, the splitter finds what the summary reports", arguments: PolicyGuardrailCases.all)
    func splitAgreesWithSummary(_ row: PolicyGuardrailCase) {
        let statements = SQLStatementSplitter.split(row.sql, dialect: row.dialect)
        var flags: Set<SQLRiskFlag> = statements.count > 1 ? [.multipleStatements] : []
        for statement in statements {
            flags.formUnion(SQLClassifier.classify(statement.text, dialect: row.dialect).flags)
        }
        #expect(flags == row.flags)
    }

    /// One deny rule per check, in this order, then an allow for everything else.
    static let guardrails = try! PolicySet.parse([PolicySource(name: "guardrails.yaml", text: """
        version: 1
        rules:
          - name: no-unbounded-writes
            effect: deny
            reason: DELETE or UPDATE without WHERE is not allowed
            match: { checks: [delete_without_where, update_without_where] }
          - name: no-drops
            effect: deny
            match: { checks: [drop, truncate] }
          - name: no-server-programs
            effect: deny
            match: { checks: [copy_program, alter_system, server_file_access, side_effect_function] }
          - name: no-privilege-changes
            effect: deny
            match: { checks: [role_or_grant_change] }
          - name: writes-in-ctes-need-approval
            effect: require_approval
            approvers: { groups: [dba] }
            match: { checks: [write_in_cte, select_for_update] }
          - name: developers
            effect: allow
            match: { groups: [developers] }
        """)])

    /// The rule that must decide a statement with `flags`, by the table's order of rules.
    static func expectedRule(_ flags: Set<SQLRiskFlag>) -> String {
        if !flags.isDisjoint(with: [.deleteWithoutWhere, .updateWithoutWhere]) { return "no-unbounded-writes" }
        if !flags.isDisjoint(with: [.drop, .truncate]) { return "no-drops" }
        if !flags.isDisjoint(with: [.copyProgram, .alterSystem, .serverFileAccess, .sideEffectFunction]) { return "no-server-programs" }
        if flags.contains(.roleOrGrantChange) { return "no-privilege-changes" }
        if !flags.isDisjoint(with: [.writeInCTE, .selectForUpdate]) { return "writes-in-ctes-need-approval" }
        return "developers"
    }

    @Test("Each statement gets the guardrail rule its flags call for", arguments: PolicyGuardrailCases.all)
    func guardrailDecision(_ row: PolicyGuardrailCase) {
        let info = SQLClassifier.classify(row.sql, dialect: row.dialect)
        let identity = Identity(subject: "dev@example.com", issuer: "https://idp.example", groups: ["developers"], expiresAt: .distantFuture)
        let request = PolicyRequest(
            identity: identity, connection: "app", protocol: row.dialect == .mysql ? "mysql" : "postgres", command: row.sql,
            commandClass: info.commandClass.rawValue, objects: info.tables, riskFlags: info.flags)
        let decision = Self.guardrails.evaluate(request)
        #expect(decision.rule == Self.expectedRule(row.flags))
        switch decision {
        case .allow: #expect(Self.expectedRule(row.flags) == "developers")
        case .requireApproval(_, _, let approval): #expect(approval.approverGroups == ["dba"])
        case .deny(let rule, let reason):
            if rule == "no-unbounded-writes" { #expect(reason == "DELETE or UPDATE without WHERE is not allowed") }
        }
    }
}
