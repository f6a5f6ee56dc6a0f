import ArgumentParser
import AuditCore
import Foundation
import PolicyEngine
import ProtocolParsers

/// `audit-bench policy`: per-statement cost of SQL classification and policy evaluation with
/// a policy of `--rules` rules, as the gateway pays it for every statement.
struct PolicyBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Measure SQL classification and policy evaluation per statement (µs) with a 100-rule policy.",
        discussion: """
        Two policies: 'teams' (rules spread over connections and groups, as real policies are) and \
        'flat' (every rule names the caller, so every rule is a candidate: the worst case for the \
        index). Each row is the best of --repetitions runs of --iterations statements (the machine \
        may be shared). Build with -c release for meaningful numbers.
        """
    )

    @Option(help: "Rules in each policy.")
    var rules: Int = 100

    @Option(help: "Statements per run.")
    var iterations: Int = 100_000

    @Option(help: "Runs per row; the fastest counts.")
    var repetitions: Int = 5

    @Option(help: "Only this policy: teams or flat.")
    var only: String?

    func validate() throws {
        guard rules >= 10 else { throw ValidationError("--rules must be at least 10") }
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
        if let only, only != "teams" && only != "flat" { throw ValidationError("--only takes teams or flat") }
    }

    /// Statements a contractor's session typically sends.
    static let statements: [(name: String, sql: String)] = [
        ("select join", "SELECT o.id, o.total, c.email FROM public.orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1"),
        ("update where", "UPDATE orders SET status = 'shipped', updated_at = now() WHERE id = $1"),
        ("insert", "INSERT INTO order_items (order_id, sku, qty) VALUES ($1, $2, $3)"),
        ("delete no where", "DELETE FROM orders"),
    ]

    func run() throws {
        let identity = Identity(subject: "bob@contractor.example", issuer: "https://idp.example", groups: ["team-7", "contractors"],
                                actors: ["agent:etl"], expiresAt: .distantFuture)
        let now = Date(timeIntervalSince1970: 1_796_032_800)  // a Monday, 10:00 UTC
        print("policy evaluation: \(rules) rules, best of \(repetitions) × \(iterations) statements")
        print(Self.row("policy", "statement", "classify µs", "evaluate µs", "both µs", "decision"))
        for (label, yaml) in [("teams", Self.teamsPolicy(rules)), ("flat", Self.flatPolicy(rules))] where only == nil || only == label {
            let compileStart = ContinuousClock.now
            let policy = try PolicySet.parse([PolicySource(name: "\(label).yaml", text: yaml)])
            let compileTime = ContinuousClock.now - compileStart
            for (name, sql) in Self.statements {
                let info = SQLClassifier.classify(sql)
                let request = PolicyRequest(identity: identity, connection: "svc-7-db", protocol: "postgres", command: sql,
                                            commandClass: info.commandClass.rawValue, objects: info.tables, riskFlags: info.flags, time: now)
                let decision = policy.evaluate(request)
                let classify = best {
                    var sink = 0
                    for _ in 0..<iterations { sink &+= SQLClassifier.classify(sql).tables.count }
                    return sink
                }
                let evaluate = best {
                    var sink = 0
                    for _ in 0..<iterations { sink &+= policy.evaluate(request).rule.utf8.count }
                    return sink
                }
                let both = best {
                    var sink = 0
                    for _ in 0..<iterations {
                        let info = SQLClassifier.classify(sql)
                        let request = PolicyRequest(identity: identity, connection: "svc-7-db", protocol: "postgres", command: sql,
                                                    commandClass: info.commandClass.rawValue, objects: info.tables, riskFlags: info.flags,
                                                    time: now)
                        sink &+= policy.evaluate(request).rule.utf8.count
                    }
                    return sink
                }
                print(Self.row(label, name, Self.micro(classify), Self.micro(evaluate), Self.micro(both), "\(Self.kind(decision)) \(decision.rule)"))
            }
            let connect = PolicyRequest(identity: identity, connection: "svc-7-db", protocol: "postgres", time: now)
            let opening = best {
                var sink = 0
                for _ in 0..<iterations { sink &+= policy.evaluate(connect).rule.utf8.count }
                return sink
            }
            print(Self.row(label, "(connect)", "-", Self.micro(opening), Self.micro(opening), "\(Self.kind(policy.evaluate(connect))) \(policy.evaluate(connect).rule)"))
            print("  \(label): parsed, validated and compiled in \(String(format: "%.2f", Self.seconds(compileTime) * 1000)) ms")
        }
    }

    /// The fastest of `repetitions` runs of `body`, in µs per statement.
    private func best(_ body: () -> Int) -> Double {
        var fastest = Double.infinity
        var sink = 0
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            sink &+= body()
            fastest = min(fastest, Self.seconds(ContinuousClock.now - start))
        }
        if sink == 42 { print("") }  // keep the work observable
        return fastest / Double(iterations) * 1e6
    }

    /// Guardrails, approvals and per-team rules over 20 connections, with globs, objects,
    /// actors and time windows, as a real policy spreads them.
    static func teamsPolicy(_ count: Int) -> String {
        var yaml = """
            version: 1
            rules:
              - { name: no-unbounded-writes, effect: deny, reason: "DELETE or UPDATE without WHERE is not allowed", match: { checks: [delete_without_where, update_without_where] } }
              - { name: no-drops, effect: deny, match: { checks: [drop, truncate] } }
              - { name: no-server-programs, effect: deny, match: { checks: [copy_program, alter_system, server_file_access] } }
              - { name: no-privilege-changes, effect: deny, match: { checks: [role_or_grant_change] } }
              - { name: deep-agents, effect: deny, match: { min_depth: 3 } }
              - { name: contractor-writes, effect: require_approval, approvers: { groups: [dba] }, match: { groups: [contractors], classes: [write, ddl] } }

            """
        for index in 6..<count {
            let team = (index / 5) % 20
            let rule: String
            switch index % 5 {
            case 0:
                rule = #"{ name: team-\#(index)-connect, effect: allow, match: { groups: [team-\#(team)], connections: ["svc-\#(team)-db"] } }"#
            case 1:
                rule = #"{ name: team-\#(index)-read, effect: allow, match: { groups: [team-\#(team)], connections: ["svc-\#(team)-*"], classes: [read] } }"#
            case 2:
                rule = #"{ name: team-\#(index)-payments, effect: deny, match: { connections: ["svc-\#(team)-db"], objects: ["*.payments_\#(team)"], classes: [write] } }"#
            case 3:
                rule = #"{ name: team-\#(index)-office-hours, effect: allow, match: { groups: [team-\#(team)], time: { days: [mon, tue, wed, thu, fri], hours: "08:00-18:00", timezone: Europe/Berlin } } }"#
            default:
                rule = #"{ name: team-\#(index)-agents, effect: allow, match: { actors: ["agent:team-\#(team)-*"], connections: ["svc-\#(team)-db"], max_depth: 2 } }"#
            }
            yaml += "  - \(rule)\n"
        }
        return yaml
    }

    /// Every rule names the caller's group and connection, so the index lets them all through
    /// and each one's object patterns are tried against the statement's tables before the
    /// allow at the end decides.
    static func flatPolicy(_ count: Int) -> String {
        var yaml = "version: 1\nrules:\n"
        for index in 0..<(count - 1) {
            yaml += #"  - { name: flat-\#(index), effect: deny, match: { groups: [contractors], connections: ["svc-*"], objects: ["*.other_\#(index)"] } }"# + "\n"
        }
        yaml += #"  - { name: flat-allow, effect: allow, match: { groups: [contractors], connections: ["svc-*"] } }"# + "\n"
        return yaml
    }

    static func kind(_ decision: PolicyDecision) -> String {
        switch decision {
        case .allow: "allow"
        case .deny: "deny"
        case .requireApproval: "approval"
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func micro(_ value: Double) -> String { String(format: "%.3f", value) }

    private static func row(_ columns: String...) -> String {
        let widths = [7, 16, 12, 12, 10, 30]
        return zip(columns, widths).map { column, width in
            column.count >= width ? column : column + String(repeating: " ", count: width - column.count)
        }.joined(separator: " ")
    }
}
