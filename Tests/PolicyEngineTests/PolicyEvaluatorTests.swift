import AuditCore
import Foundation
import PolicyEngine
import ProtocolParsers
import Testing

@Suite("Policy evaluation: conditions")
struct PolicyEvaluatorConditionTests {
    typealias T = PolicyTestSupport

    /// One allow rule with `match`; whether `request` is allowed by it.
    func allowed(_ match: String, _ request: PolicyRequest) throws -> Bool {
        let policy = try T.policy("""
            version: 1
            rules:
              - name: r
                effect: allow
                match: \(match)
            """)
        return policy.evaluate(request).isAllowed
    }

    @Test func connectionsAreGlobs() throws {
        #expect(try allowed("{ connections: [orders-db] }", T.connect("orders-db")))
        #expect(try !allowed("{ connections: [orders-db] }", T.connect("orders-db2")))
        #expect(try allowed(#"{ connections: ["orders-*"] }"#, T.connect("orders-replica")))
        #expect(try !allowed(#"{ connections: ["orders-*"] }"#, T.connect("billing")))
        #expect(try allowed(#"{ connections: ["*-db", billing] }"#, T.connect("billing")))
        #expect(try allowed(#"{ connections: ["db-?"] }"#, T.connect("db-1")))
        #expect(try !allowed(#"{ connections: ["db-?"] }"#, T.connect("db-12")))
        #expect(try allowed(#"{ connections: ["db-[0-9]"] }"#, T.connect("db-7")))
        #expect(try !allowed(#"{ connections: ["db-[!0-9]"] }"#, T.connect("db-7")))
        #expect(try allowed(#"{ connections: ["*"] }"#, T.connect("anything")))
    }

    @Test func protocols() throws {
        #expect(try allowed("{ protocols: [postgres] }", T.connect(protocol: "postgres")))
        #expect(try !allowed("{ protocols: [postgres] }", T.connect(protocol: "mysql")))
        #expect(try allowed("{ protocols: [ssh, mysql] }", T.connect(protocol: "mysql")))
    }

    @Test func subjects() throws {
        let contractor = T.identity("bob@contractor.example")
        #expect(try allowed(#"{ subjects: ["*@contractor.example"] }"#, T.connect(as: contractor)))
        #expect(try !allowed(#"{ subjects: ["*@contractor.example"] }"#, T.connect(as: T.identity("bob@example.com"))))
        #expect(try allowed("{ subjects: [bob@contractor.example] }", T.connect(as: contractor)))
    }

    @Test func groupsMatchAnyOfTheIdentitysGroups() throws {
        let both = T.identity(groups: ["sales", "contractors"])
        #expect(try allowed("{ groups: [contractors] }", T.connect(as: both)))
        #expect(try allowed("{ groups: [dba, sales] }", T.connect(as: both)))
        #expect(try !allowed("{ groups: [dba] }", T.connect(as: both)))
        #expect(try !allowed("{ groups: [dba] }", T.connect(as: T.identity())))
        #expect(try allowed(#"{ groups: ["contract*"] }"#, T.connect(as: both)))
        // "*" still needs a group.
        #expect(try allowed(#"{ groups: ["*"] }"#, T.connect(as: both)))
        #expect(try !allowed(#"{ groups: ["*"] }"#, T.connect(as: T.identity())))
    }

    @Test func actorsMatchAnywhereInTheChain() throws {
        let chain = T.identity(actors: ["loader-3", "agent:nightly-etl"])
        #expect(try allowed(#"{ actors: ["agent:*"] }"#, T.connect(as: chain)))
        #expect(try allowed("{ actors: [loader-3] }", T.connect(as: chain)))
        #expect(try !allowed("{ actors: [other] }", T.connect(as: chain)))
        #expect(try !allowed(#"{ actors: ["*"] }"#, T.connect(as: T.identity())))
        #expect(try allowed(#"{ actors: ["*"] }"#, T.connect(as: chain)))
    }

    @Test func chainDepthBounds() throws {
        let direct = T.identity()
        let one = T.identity(actors: ["a"])
        let three = T.identity(actors: ["a", "b", "c"])
        #expect(try allowed("{ max_depth: 0 }", T.connect(as: direct)))
        #expect(try !allowed("{ max_depth: 0 }", T.connect(as: one)))
        #expect(try allowed("{ min_depth: 1, max_depth: 3 }", T.connect(as: three)))
        #expect(try !allowed("{ min_depth: 1, max_depth: 2 }", T.connect(as: three)))
        #expect(try !allowed("{ min_depth: 1 }", T.connect(as: direct)))
    }

    @Test func classesMatchTheCommandsClassIgnoringCase() throws {
        #expect(try allowed("{ classes: [read] }", T.sql("SELECT 1")))
        #expect(try !allowed("{ classes: [read] }", T.sql("DELETE FROM t WHERE id = 1")))
        #expect(try allowed("{ classes: [read, write] }", T.sql("DELETE FROM t WHERE id = 1")))
        var http = PolicyRequest(identity: T.identity(), connection: "api", protocol: "http", command: "GET /v1/x", commandClass: "GET")
        #expect(try allowed("{ classes: [get] }", http))
        http.commandClass = nil
        #expect(try !allowed("{ classes: [get] }", http))
    }

    @Test func checksMatchAnyListedRiskFlag() throws {
        #expect(try allowed("{ checks: [drop, truncate] }", T.sql("TRUNCATE orders")))
        #expect(try !allowed("{ checks: [drop] }", T.sql("TRUNCATE orders")))
        #expect(try allowed("{ checks: [write_in_cte] }", T.sql("WITH d AS (DELETE FROM t WHERE x RETURNING *) SELECT * FROM d")))
        #expect(try !allowed("{ checks: [drop] }", T.sql("SELECT 1")))
    }

    @Test func objectsMatchSchemaQualifiedTables() throws {
        #expect(try allowed("{ objects: [public.orders] }", T.sql("SELECT * FROM public.orders")))
        #expect(try allowed(#"{ objects: ["*.payments"] }"#, T.sql("SELECT * FROM billing.payments")))
        #expect(try allowed(#"{ objects: ["*.payments"] }"#, T.sql("SELECT * FROM payments")))
        #expect(try allowed("{ objects: [orders] }", T.sql("SELECT * FROM shop.orders")))
        #expect(try allowed(#"{ objects: ["public.*"] }"#, T.sql("SELECT * FROM public.orders")))
        #expect(try !allowed(#"{ objects: ["public.*"] }"#, T.sql("SELECT * FROM other.orders")))
        #expect(try !allowed(#"{ objects: ["public.ord"] }"#, T.sql("SELECT * FROM public.orders")))
        // Any touched object is enough.
        #expect(try allowed("{ objects: [secret] }", T.sql("SELECT * FROM a JOIN secret ON true")))
        // A command that touches no table matches no object condition.
        #expect(try !allowed(#"{ objects: ["*"] }"#, T.sql("SELECT 1")))
    }

    @Test("An unqualified table is possibly in any schema for deny rules, certainly only for '*' in allow rules")
    func unqualifiedTables() throws {
        // allow: public.orders does not vouch for "orders" on an unknown search_path.
        #expect(try !allowed("{ objects: [public.orders] }", T.sql("SELECT * FROM orders")))
        #expect(try allowed(#"{ objects: ["*.orders"] }"#, T.sql("SELECT * FROM orders")))
        // deny: public.orders catches "orders".
        let policy = try T.policy("""
            version: 1
            rules:
              - name: no-orders
                effect: deny
                match: { objects: [public.orders] }
              - name: everyone
                effect: allow
            """)
        #expect(policy.evaluate(T.sql("DELETE FROM orders WHERE id = 1")).rule == "no-orders")
        #expect(policy.evaluate(T.sql("DELETE FROM other.orders WHERE id = 1")).rule == "everyone")
    }

    @Test func objectsOfOtherProtocolsAreWholePaths() throws {
        let request = PolicyRequest(
            identity: T.identity(), connection: "web-1", protocol: "ssh", command: "cat /var/log/app.log", commandClass: "exec",
            objects: ["/var/log/app.log"])
        #expect(try allowed(#"{ objects: ["/var/log/*"] }"#, request))
        #expect(try !allowed(#"{ objects: ["/etc/*"] }"#, request))
        #expect(try !allowed(#"{ objects: ["app.log"] }"#, request))
    }

    @Test func timeWindows() throws {
        let monday10UTC = T.mondayMorning
        // 10:00 UTC is 11:00 in Berlin (CET, winter).
        #expect(try allowed(#"{ time: { days: [mon], hours: "09:00-18:00", timezone: Europe/Berlin } }"#, T.connect(at: monday10UTC)))
        #expect(try !allowed(#"{ time: { hours: "09:00-11:00", timezone: Europe/Berlin } }"#, T.connect(at: monday10UTC)))
        #expect(try allowed(#"{ time: { hours: "09:00-11:00" } }"#, T.connect(at: monday10UTC)))
        #expect(try !allowed("{ time: { days: [sat, sun] } }", T.connect(at: monday10UTC)))
        // New York is 05:00 on Monday.
        #expect(try !allowed(#"{ time: { days: [mon, tue], hours: "09:00-17:00", timezone: America/New_York } }"#, T.connect(at: monday10UTC)))
        // Over midnight: Sunday 22:00 - Monday 06:00 belongs to Sunday.
        let sundayNight = monday10UTC.addingTimeInterval(-8 * 3600)  // Monday 02:00 UTC
        #expect(try allowed(#"{ time: { days: [sun], hours: "22:00-06:00" } }"#, T.connect(at: sundayNight)))
        #expect(try !allowed(#"{ time: { days: [mon], hours: "22:00-06:00" } }"#, T.connect(at: sundayNight)))
        #expect(try !allowed(#"{ time: { hours: "22:00-06:00" } }"#, T.connect(at: monday10UTC)))
        #expect(try allowed(#"{ time: { hours: "10:00-24:00" } }"#, T.connect(at: monday10UTC)))
    }

    @Test func grantConditions() throws {
        let grant = AccessGrant(requestID: "req-1", subject: "alice@example.com", connection: "orders-db", expiresAt: T.mondayMorning + 3600)
        #expect(try allowed("{ grant: required }", T.connect(grants: [grant])))
        #expect(try !allowed("{ grant: required }", T.connect()))
        #expect(try allowed("{ grant: absent }", T.connect()))
        #expect(try !allowed("{ grant: absent }", T.connect(grants: [grant])))
        // Expired, other subject, other connection: none covers.
        var expired = grant
        expired.expiresAt = T.mondayMorning
        var otherSubject = grant
        otherSubject.subject = "mallory@example.com"
        var otherConnection = grant
        otherConnection.connection = "billing"
        #expect(try !allowed("{ grant: required }", T.connect(grants: [expired, otherSubject, otherConnection])))
    }

    @Test func aRuleWithoutMatchMatchesEverything() throws {
        let policy = try T.policy("version: 1\nrules:\n  - { name: all, effect: allow }\n")
        #expect(policy.evaluate(T.connect()).isAllowed)
        #expect(policy.evaluate(T.sql("DROP TABLE x")).isAllowed)
    }
}

@Suite("Policy evaluation: precedence and decisions")
struct PolicyEvaluatorPrecedenceTests {
    typealias T = PolicyTestSupport

    static let contractors = """
        version: 1
        rules:
          - name: contractors-read
            effect: allow
            masking_profile: pii
            session: { max_duration: 8h, idle_timeout: 15m, recording: true }
            match: { groups: [contractors], connections: [orders-db] }
          - name: no-unbounded-writes
            effect: deny
            reason: "DELETE or UPDATE without WHERE is not allowed"
            match: { checks: [delete_without_where, update_without_where] }
          - name: contractor-writes-need-approval
            effect: require_approval
            approvers: { groups: [dba] }
            approvals: 1
            match: { groups: [contractors], classes: [write] }
          - name: no-ddl
            effect: deny
            match: { classes: [ddl] }
          - name: late-allow
            effect: allow
            match: { groups: [contractors] }
        masking_profiles:
          pii:
            columns:
              - { match: email, action: redact }
            detectors:
              - { detector: payment_card, action: partial, keep: 4 }
        """

    let policy = try! PolicyTestSupport.policy(contractors)
    let contractor = PolicyTestSupport.identity("bob@contractor.example", groups: ["contractors"])

    @Test func anAllowWithoutCommandConditionsOpensTheSession() {
        #expect(policy.evaluate(T.connect(as: contractor)) == .allow(rule: "contractors-read"))
    }

    @Test func denyOverridesAnEarlierAllow() {
        let decision = policy.evaluate(T.sql("DELETE FROM orders", as: contractor))
        #expect(decision == .deny(rule: "no-unbounded-writes", reason: "DELETE or UPDATE without WHERE is not allowed"))
    }

    @Test func theFirstMatchingDenyNamesTheDecision() throws {
        let policy = try T.policy("""
            version: 1
            rules:
              - { name: first, effect: deny, match: { classes: [ddl] } }
              - { name: second, effect: deny, match: { checks: [drop] } }
            """)
        #expect(policy.evaluate(T.sql("DROP TABLE x")).rule == "first")
    }

    @Test func requireApprovalBeatsAllow() {
        let decision = policy.evaluate(T.sql("UPDATE orders SET x = 1 WHERE id = 2", as: contractor))
        guard case .requireApproval(let rule, let reason, let approval) = decision else {
            Issue.record("expected requireApproval, got \(decision)")
            return
        }
        #expect(rule == "contractor-writes-need-approval")
        #expect(reason.contains("contractor-writes-need-approval"))
        #expect(approval == ApprovalRequirement(approverGroups: ["dba"], approverSubjects: [], approvals: 1))
    }

    @Test func aCoveringGrantTurnsApprovalIntoAllowAndNamesTheGrant() {
        let grant = AccessGrant(requestID: "req-7", subject: contractor.subject, connection: "orders-db", expiresAt: T.mondayMorning + 600)
        let verdict = policy.decide(T.sql("UPDATE orders SET x = 1 WHERE id = 2", as: contractor, grants: [grant]))
        #expect(verdict.decision == .allow(rule: "contractor-writes-need-approval"))
        #expect(verdict.grant == grant)
        // A grant never lifts a deny.
        let denied = policy.decide(T.sql("UPDATE orders SET x = 1", as: contractor, grants: [grant]))
        #expect(denied.decision.rule == "no-unbounded-writes")
        #expect(denied.grant == nil)
        // Expired: back to approval.
        let later = policy.decide(T.sql("UPDATE orders SET x = 1 WHERE id = 2", as: contractor, at: T.mondayMorning + 601, grants: [grant]))
        #expect(later.decision.rule == "contractor-writes-need-approval")
        #expect(!later.decision.isAllowed)
    }

    @Test func aStatementGrantCoversOnlyThatStatement() {
        let grant = AccessGrant(
            requestID: "req-8", subject: contractor.subject, connection: "orders-db",
            statement: "UPDATE orders SET x = 1\n  WHERE id = 2;", expiresAt: T.mondayMorning + 600)
        #expect(policy.evaluate(T.sql("UPDATE orders SET x = 1 /* ok */ WHERE id = 2", as: contractor, grants: [grant])).isAllowed)
        #expect(!policy.evaluate(T.sql("UPDATE orders SET x = 1 WHERE id = 3", as: contractor, grants: [grant])).isAllowed)
        // The session may open so that the statement can run.
        #expect(policy.evaluate(T.connect(as: contractor, grants: [grant])).isAllowed)
    }

    @Test func statementNormalisationKeepsCommentsFromHidingWords() {
        let granted = AccessGrant.normalizedStatement("DELETE FROM t -- x\nWHERE id = 1", protocol: "postgres")
        let sneaky = AccessGrant.normalizedStatement("DELETE FROM t -- x WHERE id = 1", protocol: "postgres")
        #expect(granted == "DELETE FROM t WHERE id = 1")
        #expect(sneaky == "DELETE FROM t")
        #expect(AccessGrant.normalizedStatement("SELECT 'a  b' ;;", protocol: "postgres") == "SELECT 'a  b'")
        #expect(AccessGrant.normalizedStatement("  ls   -la\n/tmp ", protocol: "ssh") == "ls -la /tmp")
    }

    @Test func commandConditionsNeverDecideTheConnection() throws {
        let policy = try T.policy("""
            version: 1
            rules:
              - { name: no-ddl, effect: deny, match: { classes: [ddl] } }
              - { name: reads, effect: allow, match: { classes: [read] } }
            """)
        // Neither rule matches opening the connection: default deny.
        #expect(policy.evaluate(T.connect()).rule == "default-deny")
        // An allow without command conditions opens it; the deny still applies to commands.
        let withConnect = try T.policy("""
            version: 1
            rules:
              - { name: no-ddl, effect: deny, match: { classes: [ddl] } }
              - { name: connect, effect: allow, match: { connections: [orders-db] } }
            """)
        #expect(withConnect.evaluate(T.connect()) == .allow(rule: "connect"))
        #expect(withConnect.evaluate(T.sql("CREATE TABLE x (a int)")).rule == "no-ddl")
        #expect(withConnect.evaluate(T.sql("SELECT 1")) == .allow(rule: "connect"))
    }

    @Test func defaultDenySaysWhatWasNotAllowed() throws {
        let empty = try T.policy("version: 1\n")
        let connect = empty.evaluate(T.connect(as: T.identity("carol", actors: ["loader-3", "nightly-etl"])))
        #expect(connect == .deny(rule: "default-deny", reason: "no policy rule allows carol → nightly-etl → loader-3 to connect to orders-db (postgres)"))
        let command = empty.evaluate(T.sql("DELETE FROM public.orders WHERE id = 1", as: T.identity("carol")))
        #expect(command == .deny(rule: "default-deny", reason: "no policy rule allows carol to run a write command on public.orders in orders-db"))
        #expect(PolicySet.denyAll.evaluate(T.sql("ANALYZE t")).rule == "default-deny")
        #expect(PolicySet.denyAll.evaluate(T.sql("ANALYZE t")) == .deny(rule: "default-deny", reason: "no policy rule allows alice@example.com to run an admin command in orders-db"))
    }

    @Test func aDenyWithoutReasonNamesItsRule() throws {
        let policy = try T.policy("version: 1\nrules:\n  - { name: nope, effect: deny }\n")
        #expect(policy.evaluate(T.connect()) == .deny(rule: "nope", reason: "denied by policy rule nope"))
    }

    @Test func sessionSettingsComeFromTheFirstMatchingAllowRule() {
        let settings = policy.sessionSettings(T.connect(as: contractor))
        #expect(settings == SessionSettings(maskingProfile: "pii", maxDuration: 8 * 3600, idleTimeout: 15 * 60, recording: true))
        #expect(policy.sessionSettings(T.connect(as: T.identity())) == SessionSettings())
    }

    @Test func recordingCanBeTurnedOff() throws {
        let policy = try T.policy("""
            version: 1
            rules:
              - { name: quiet, effect: allow, session: { recording: false } }
            """)
        #expect(policy.sessionSettings(T.connect()).recording == false)
    }

    @Test func matchingRulesListsEveryMatchInOrder() {
        let names = policy.matchingRules(T.sql("UPDATE orders SET x = 1", as: contractor)).map(\.name)
        #expect(names == ["contractors-read", "no-unbounded-writes", "contractor-writes-need-approval", "late-allow"])
    }

    @Test func rulesMergeAcrossFilesInOrder() throws {
        let policy = try PolicySet.parse([
            PolicySource(name: "base.yaml", text: "version: 1\nrules:\n  - { name: base-allow, effect: allow }\n"),
            PolicySource(name: "guard.yaml", text: "version: 1\nrules:\n  - { name: guard, effect: deny, match: { checks: [drop] } }\n"),
        ])
        #expect(policy.rules.map(\.name) == ["base-allow", "guard"])
        #expect(policy.evaluate(T.sql("DROP TABLE x")).rule == "guard")
        #expect(policy.evaluate(T.sql("SELECT 1")).rule == "base-allow")
        #expect(policy.rules[1].location == PolicyLocation(file: "guard.yaml", line: 3))
    }
}
