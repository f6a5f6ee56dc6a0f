import Crypto
import Foundation

/// A compiled policy: the rules of one or more policy files, ready to decide requests in
/// microseconds without I/O.
///
/// Decisions, in order of precedence (see Docs/policy.md):
/// 1. Any matching `deny` rule denies; the first such rule (in file order) names the decision.
/// 2. Else a matching `require_approval` rule asks for approval, unless a grant in the
///    request covers it: then it allows, naming the rule (and ``PolicyVerdict/grant``).
/// 3. Else the first matching `allow` rule allows.
/// 4. Else the request is denied by `default-deny`, with a reason saying what was not allowed.
///
/// A request without a command (opening a connection) is matched only by rules without
/// command conditions (`classes`, `objects`, `checks`).
///
/// ```swift
/// let policy = try PolicySet.load(files: ["/etc/auditgateway/policy.yaml"])
/// let decision = policy.evaluate(request)
/// ```
public struct PolicySet: PolicyEvaluating {
    /// The rule name of a decision no rule made.
    public static let defaultDenyRule = "default-deny"

    /// The validated rules and profiles this policy was compiled from.
    public let document: PolicyDocument
    /// SHA-256 (hex) over the names and texts of the files the policy was read from; nil
    /// for a policy built from a document in code. Equal digests mean identical files.
    public let sourceDigest: String?
    let compiled: CompiledPolicy

    /// Compiles `document`.
    /// - Throws: ``PolicyLoadError`` when the document (built in code) has problems the
    ///   parser would have refused: bad patterns, duplicate names, unknown masking profiles.
    public init(document: PolicyDocument) throws(PolicyLoadError) {
        try self.init(document: document, sourceDigest: nil)
    }

    init(document: PolicyDocument, sourceDigest: String?) throws(PolicyLoadError) {
        var issues = document.crossReferenceIssues()
        var rules: [CompiledPolicyRule] = []
        rules.reserveCapacity(document.rules.count)
        for rule in document.rules {
            do throws(PolicyGlob.Problem) {
                rules.append(try CompiledPolicyRule(rule))
            } catch {
                issues.append(PolicyIssue(location: rule.location, field: rule.field("match"), message: error.message))
            }
        }
        guard issues.isEmpty else { throw PolicyLoadError(issues: issues) }
        self.document = document
        self.sourceDigest = sourceDigest
        self.compiled = CompiledPolicy(rules: rules)
    }

    /// A policy without rules: everything is denied by `default-deny`.
    public static let denyAll: PolicySet = try! PolicySet(document: PolicyDocument())

    /// Reads, validates and compiles `files`, merged in order.
    /// - Throws: ``PolicyLoadError`` with every problem in every file.
    public static func load(files: [String]) throws(PolicyLoadError) -> PolicySet {
        let (sources, unreadable) = PolicyDocument.readSources(files)
        return try PolicyDocument.reporting(unreadable) { () throws(PolicyLoadError) in try parse(sources) }
    }

    /// Parses, validates and compiles policy texts, merged in order.
    /// - Throws: ``PolicyLoadError`` with every problem found.
    public static func parse(_ sources: [PolicySource]) throws(PolicyLoadError) -> PolicySet {
        let document = try PolicyDocument.parse(sources)
        var hash = SHA256()
        for source in sources {
            hash.update(data: Data(source.name.utf8))
            hash.update(data: [0])
            hash.update(data: Data(source.text.utf8))
            hash.update(data: [0])
        }
        let digest = hash.finalize().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        return try PolicySet(document: document, sourceDigest: digest)
    }

    /// The rules, in order.
    public var rules: [PolicyRule] { document.rules }

    // MARK: - PolicyEvaluating

    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        decide(request).decision
    }

    public func decide(_ request: PolicyRequest) -> PolicyVerdict {
        verdict(compiled.evaluate(request), request)
    }

    /// The masking profile and limits of the first `allow` rule that matches `request`
    /// (normally the opening of a connection); the defaults when none does.
    public func sessionSettings(_ request: PolicyRequest) -> SessionSettings {
        guard let allow = compiled.evaluate(request, stopAtAllow: true).allow else { return SessionSettings() }
        return compiled.rules[allow].settings
    }

    /// Every rule whose conditions match `request`, in order, whatever its effect: what
    /// `auditctl policy test` shows to explain a decision.
    public func matchingRules(_ request: PolicyRequest) -> [PolicyRule] {
        var grants = PolicyGrantLookup()
        return compiled.rules.indices.filter { compiled.rules[$0].matches(request, grants: &grants) }.map { document.rules[$0] }
    }

    /// The decision from the first deny, approval and allow rule found.
    func verdict(_ outcome: CompiledPolicy.Outcome, _ request: PolicyRequest) -> PolicyVerdict {
        if let index = outcome.deny {
            let rule = compiled.rules[index]
            return PolicyVerdict(decision: .deny(rule: rule.name, reason: rule.denyReason))
        }
        if let index = outcome.approval {
            let rule = compiled.rules[index]
            if let grant = outcome.grant { return PolicyVerdict(decision: .allow(rule: rule.name), grant: grant) }
            return PolicyVerdict(decision: .requireApproval(rule: rule.name, reason: rule.denyReason, approval: rule.approval))
        }
        if let index = outcome.allow {
            return PolicyVerdict(decision: .allow(rule: compiled.rules[index].name))
        }
        return PolicyVerdict(decision: .deny(rule: Self.defaultDenyRule, reason: Self.defaultDenyReason(request)))
    }

    /// What was not allowed, for the client and the trail.
    static func defaultDenyReason(_ request: PolicyRequest) -> String {
        let who = request.identity.delegationPath.joined(separator: " → ")
        guard request.command != nil else {
            return "no policy rule allows \(who) to connect to \(request.connection) (\(request.protocol))"
        }
        var what = "no policy rule allows \(who) to run "
        if let commandClass = request.commandClass {
            what += (commandClass.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + "\(commandClass) command"
        } else {
            what += "this command"
        }
        if !request.objects.isEmpty {
            let shown = request.objects.prefix(5).joined(separator: ", ")
            what += " on \(shown)\(request.objects.count > 5 ? ", …" : "")"
        }
        return what + " in \(request.connection)"
    }
}
