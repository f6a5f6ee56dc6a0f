import ArgumentParser
import AuditCore
import Foundation
import GatewayKit
import PolicyEngine
import ProtocolParsers

/// `auditctl policy check|test`: develop policy files like code, offline.
struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Validate policy files and try requests against them, offline (no gateway needed).",
        discussion: "See Docs/policy.md for the file format and how decisions are made.",
        subcommands: [Check.self, Test.self]
    )

    /// Exit code of `test` when a decision is not allow.
    static let notAllowed = ExitCode(6)

    /// Loads `files`, or prints every problem (one `file:line: field: message` per line, on
    /// standard error) and exits 1.
    static func load(_ files: [String]) throws -> PolicySet {
        do {
            return try PolicySet.load(files: files)
        } catch {
            for issue in error.issues { FileHandle.standardError.write(Data("\(issue)\n".utf8)) }
            let count = error.issues.count
            FileHandle.standardError.write(Data("\(count) problem\(count == 1 ? "" : "s") in \(files.joined(separator: ", "))\n".utf8))
            throw ExitCode(1)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate policy files (merged in order).",
            discussion: """
            Prints every problem as `file:line: field: message` on standard error and exits 1, or \
            prints a summary and exits 0.
            """
        )
        @Argument(help: "Policy files, merged in order.")
        var files: [String]
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one policy file") }
        }

        func run() async throws {
            if output.json {
                struct Report: Encodable {
                    struct Problem: Encodable { var file: String; var line: Int?; var field: String; var message: String }
                    var ok: Bool
                    var rules: Int?
                    var maskingProfiles: Int?
                    var digest: String?
                    var problems: [Problem]
                }
                let policy: PolicySet
                do throws(PolicyLoadError) {
                    policy = try PolicySet.load(files: files)
                } catch {
                    try Format.printJSON(Report(ok: false, problems: error.issues.map {
                        Report.Problem(file: $0.location.file, line: $0.location.line, field: $0.field, message: $0.message)
                    }))
                    throw ExitCode(1)
                }
                try Format.printJSON(Report(ok: true, rules: policy.rules.count, maskingProfiles: policy.document.maskingProfiles.count,
                                            digest: policy.sourceDigest, problems: []))
                return
            }
            let policy = try PolicyCommand.load(files)
            let effects = Dictionary(grouping: policy.rules, by: \.effect).mapValues(\.count)
            print("policy OK: \(policy.rules.count) rule\(policy.rules.count == 1 ? "" : "s") "
                + "(\(effects[.allow] ?? 0) allow, \(effects[.deny] ?? 0) deny, \(effects[.requireApproval] ?? 0) require_approval), "
                + "\(policy.document.maskingProfiles.count) masking profile(s) from \(files.joined(separator: ", "))")
        }
    }

    struct Test: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the decision and the rule for a request: opening a connection, and each SQL statement or command.",
            discussion: """
            Decides the opening of the connection first, then each statement of --sql (split and \
            classified as the gateway does: class, tables, checks), or the one --command. Lists every \
            rule that matched, to explain the decision. Exits 0 when every decision allows, 6 when one \
            denies or needs approval, 1 when the policy files have problems.
            """
        )
        @Argument(help: "Policy files, merged in order.")
        var files: [String]
        @Option(help: "The root subject (the human or service at the start of the chain).")
        var subject: String
        @Option(help: "The token issuer (informational).")
        var issuer = "https://policy-test.invalid"
        @Option(name: .customLong("group"), help: "A group of the subject; repeat for more.")
        var groups: [String] = []
        @Option(name: .customLong("actor"), help: "An actor in the delegation chain, most recent first; repeat for more.")
        var actors: [String] = []
        @Option(help: "The connection asked for.")
        var connection: String
        @Option(name: .customLong("protocol"), help: "The protocol: postgres, mysql, ssh, http, kubernetes.")
        var protocolName = "postgres"
        @Option(help: "SQL to decide, statement by statement (postgres and mysql).")
        var sql: String?
        @Option(help: "A non-SQL command to decide (with --class and --object).")
        var command: String?
        @Option(name: .customLong("class"), help: "With --command: its class (exec, shell, file, forward, an HTTP or Kubernetes verb).")
        var commandClass: String?
        @Option(name: .customLong("object"), help: "With --command: an object it touches (path, resource); repeat for more.")
        var objects: [String] = []
        @Option(help: "When the request happens: ISO 8601 (2026-11-30T10:00:00Z). Default: now.")
        var time: String?
        @Option(name: .customLong("grant"), help: "An approved access request the subject holds on this connection (its id); repeat for more.")
        var grants: [String] = []
        @Option(help: "With --grant: the one statement the grants cover (default: any).")
        var grantStatement: String?
        @Option(help: "With --grant: when the grants expire, ISO 8601 or a duration after --time (default 1h).")
        var grantExpires: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("name at least one policy file") }
            guard PolicyVocabulary.protocols.contains(protocolName) else {
                throw ValidationError("--protocol must be one of \(PolicyVocabulary.protocols.joined(separator: ", "))")
            }
            if sql != nil && command != nil { throw ValidationError("give --sql or --command, not both") }
            if sql != nil && protocolName != "postgres" && protocolName != "mysql" {
                throw ValidationError("--sql needs --protocol postgres or mysql; use --command for \(protocolName)")
            }
            if command == nil && (commandClass != nil || !objects.isEmpty) { throw ValidationError("--class and --object go with --command") }
            if let time, TimeArgument.parseAbsolute(time) == nil {
                throw ValidationError("--time '\(time)' is not an ISO 8601 time such as 2026-11-30T10:00:00Z")
            }
            if let grantExpires, TimeArgument.parseAbsolute(grantExpires) == nil && TimeArgument.duration(grantExpires) == nil {
                throw ValidationError("--grant-expires '\(grantExpires)' is neither an ISO 8601 time nor a duration like 30m")
            }
            if grants.isEmpty && (grantStatement != nil || grantExpires != nil) {
                throw ValidationError("--grant-statement and --grant-expires describe a --grant; give one")
            }
        }

        func run() async throws {
            let policy = try PolicyCommand.load(files)
            let when = time.flatMap(TimeArgument.parseAbsolute) ?? Date()
            let expires = grantExpires.map { TimeArgument.parseAbsolute($0) ?? when.addingTimeInterval(TimeArgument.duration($0) ?? 3600) }
                ?? when.addingTimeInterval(3600)
            let identity = Identity(subject: subject, issuer: issuer, groups: groups, actors: actors, expiresAt: when.addingTimeInterval(3600))
            let accessGrants = grants.map {
                AccessGrant(requestID: $0, subject: subject, connection: connection, statement: grantStatement, expiresAt: expires)
            }
            let base = PolicyRequest(identity: identity, connection: connection, protocol: protocolName, time: when, grants: accessGrants)

            var report = Report(
                files: files, rules: policy.rules.count, who: identity.delegationPath.joined(separator: " → "), groups: groups,
                connection: connection, protocol: protocolName, time: TimeArgument.format(when),
                connect: Outcome(policy, base), session: SessionReport(policy.sessionSettings(base)))
            for request in commandRequests(base) {
                var outcome = Outcome(policy, request)
                outcome.text = request.command
                outcome.commandClass = request.commandClass
                outcome.objects = request.objects
                outcome.checks = request.riskFlags.map(PolicyVocabulary.checkName).sorted()
                report.commands.append(outcome)
            }
            if output.json {
                try Format.printJSON(report)
            } else {
                report.print()
            }
            if !report.allowed { throw PolicyCommand.notAllowed }
        }

        /// One request per SQL statement (classified), or for the one command.
        private func commandRequests(_ base: PolicyRequest) -> [PolicyRequest] {
            if let sql {
                let dialect: SQLDialect = protocolName == "mysql" ? .mysql : .postgres
                return SQLStatementSplitter.split(sql, dialect: dialect).map { statement in
                    let info = SQLClassifier.classify(statement.text, dialect: dialect)
                    var request = base
                    request.command = statement.text
                    request.commandClass = info.commandClass.rawValue
                    request.objects = info.tables
                    request.riskFlags = info.flags
                    return request
                }
            }
            guard let command else { return [] }
            var request = base
            request.command = command
            request.commandClass = commandClass
            request.objects = objects
            return [request]
        }
    }
}

extension PolicyCommand.Test {
    /// What `test` prints (and, with --json, writes as JSON).
    struct Report: Encodable {
        var files: [String]
        var rules: Int
        var who: String
        var groups: [String]
        var connection: String
        var `protocol`: String
        var time: String
        var connect: Outcome
        var session: SessionReport
        var commands: [Outcome] = []

        var allowed: Bool { connect.decision == "allow" && commands.allSatisfy { $0.decision == "allow" } }

        enum CodingKeys: String, CodingKey {
            case files, rules, who, groups, connection, `protocol`, time, connect, session, commands, allowed
        }

        func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(files, forKey: .files)
            try container.encode(rules, forKey: .rules)
            try container.encode(who, forKey: .who)
            try container.encode(groups, forKey: .groups)
            try container.encode(connection, forKey: .connection)
            try container.encode(self.protocol, forKey: .protocol)
            try container.encode(time, forKey: .time)
            try container.encode(connect, forKey: .connect)
            try container.encode(session, forKey: .session)
            try container.encode(commands, forKey: .commands)
            try container.encode(allowed, forKey: .allowed)
        }

        func print() {
            Swift.print("policy: \(rules) rule\(rules == 1 ? "" : "s") from \(files.joined(separator: ", "))")
            let groupText = groups.isEmpty ? "" : " (groups: \(groups.joined(separator: ", ")))"
            Swift.print("request: \(who)\(groupText) → \(connection) over \(self.protocol) at \(time)")
            Swift.print("")
            Swift.print("connect: \(connect.summary)")
            if connect.decision == "allow" { Swift.print("  session: \(session.summary)") }
            Swift.print("  matching rules: \(connect.matching.isEmpty ? "none" : connect.matching.joined(separator: ", "))")
            for (index, command) in commands.enumerated() {
                Swift.print("")
                Swift.print("\(commands.count > 1 ? "statement \(index + 1)" : "command"): \(Table.clip(command.text ?? "", 200))")
                let tables = command.objects ?? []
                let checks = command.checks ?? []
                Swift.print("  class: \(command.commandClass ?? "-")  objects: \(tables.isEmpty ? "-" : tables.joined(separator: ", "))"
                    + "  checks: \(checks.isEmpty ? "-" : checks.joined(separator: ", "))")
                Swift.print("  \(command.summary)")
                Swift.print("  matching rules: \(command.matching.isEmpty ? "none" : command.matching.joined(separator: ", "))")
            }
        }
    }

    /// One decision.
    struct Outcome: Encodable {
        var text: String?
        var commandClass: String?
        var objects: [String]?
        var checks: [String]?
        var decision: String
        var rule: String
        var reason: String?
        var grant: String?
        var approvers: ApprovalRequirement?
        var matching: [String]

        init(_ policy: PolicySet, _ request: PolicyRequest) {
            let verdict = policy.decide(request)
            rule = verdict.decision.rule
            grant = verdict.grant?.requestID
            matching = policy.matchingRules(request).map(\.name)
            switch verdict.decision {
            case .allow:
                decision = "allow"
            case .deny(_, let reason):
                decision = "deny"
                self.reason = reason
            case .requireApproval(_, let reason, let approval):
                decision = "require_approval"
                self.reason = reason
                approvers = approval
            }
        }

        var summary: String {
            var text = "\(decision) by \(rule)"
            if let grant { text += " (grant \(grant))" }
            if let reason { text += ": \(reason)" }
            if let approvers {
                let who = approvers.approverGroups.map { "group \($0)" } + approvers.approverSubjects
                text += " [approvers: \(who.joined(separator: ", ")); \(approvers.approvals) approval\(approvers.approvals == 1 ? "" : "s")]"
            }
            return text
        }
    }

    /// The session settings of an allowed connection.
    struct SessionReport: Encodable {
        var maskingProfile: String?
        var maxDuration: TimeInterval?
        var idleTimeout: TimeInterval?
        var recording: Bool

        init(_ settings: SessionSettings) {
            maskingProfile = settings.maskingProfile
            maxDuration = settings.maxDuration
            idleTimeout = settings.idleTimeout
            recording = settings.recording
        }

        var summary: String {
            [
                "masking profile \(maskingProfile ?? "none")",
                maxDuration.map { "max duration \(Self.duration($0))" },
                idleTimeout.map { "idle timeout \(Self.duration($0))" },
                "recording \(recording ? "on" : "off")",
            ].compactMap { $0 }.joined(separator: ", ")
        }

        static func duration(_ seconds: TimeInterval) -> String {
            for (unit, size) in [("d", 86_400.0), ("h", 3600.0), ("m", 60.0)] where seconds >= size && seconds.truncatingRemainder(dividingBy: size) == 0 {
                return "\(Int(seconds / size))\(unit)"
            }
            return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
        }
    }
}
