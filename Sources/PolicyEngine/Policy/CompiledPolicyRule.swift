import Foundation
import ProtocolParsers

/// A rule ready for evaluation: patterns compiled, decision texts prepared. A class, so the
/// evaluator's walk over candidates retains one reference per rule rather than every field.
final class CompiledPolicyRule: Sendable {
    let name: String
    let effect: PolicyEffect
    let denyReason: String
    let approval: ApprovalRequirement
    let settings: SessionSettings

    let connections: [PolicyGlob]?
    let protocols: Set<String>?
    let subjects: [PolicyGlob]?
    let groups: [PolicyGlob]?
    let actors: [PolicyGlob]?
    let minDepth: Int
    let maxDepth: Int
    let classes: Set<String>?
    let objects: [PolicyObjectPattern]?
    let checks: Set<SQLRiskFlag>?
    let time: PolicyTimeWindow?
    let grant: PolicyGrantCondition?
    let hasCommandConditions: Bool

    /// Whether the conditions the rule index does not cover (depth, objects, time, grant) are
    /// checked per rule.
    let hasResidualConditions: Bool

    /// For SQL objects: globs one of which a touched table's own name (its last part) must
    /// match; nil when the rule has no object condition or one matched on whole names.
    let objectNameGlobs: [PolicyGlob]?

    /// How unqualified SQL names meet qualified object patterns for this rule.
    let qualification: PolicyObjectPattern.Qualification

    /// Compiles `rule`; a bad pattern (possible only in a document built in code) is thrown
    /// as the problem's message.
    init(_ rule: PolicyRule) throws(PolicyGlob.Problem) {
        name = rule.name
        effect = rule.effect
        switch rule.effect {
        case .deny:
            denyReason = rule.reason ?? "denied by policy rule \(rule.name)"
        case .requireApproval:
            denyReason = rule.reason ?? "this needs an approved access request (policy rule \(rule.name))"
        case .allow:
            denyReason = ""
        }
        approval = rule.approval ?? ApprovalRequirement()
        settings = SessionSettings(
            maskingProfile: rule.maskingProfile, maxDuration: rule.session?.maxDuration, idleTimeout: rule.session?.idleTimeout,
            recording: rule.session?.recording ?? true)
        let match = rule.match
        func globs(_ patterns: [String]?) throws(PolicyGlob.Problem) -> [PolicyGlob]? {
            guard let patterns else { return nil }
            var result: [PolicyGlob] = []
            for pattern in patterns { result.append(try PolicyGlob(pattern)) }
            return result
        }
        connections = try globs(match.connections)
        protocols = match.protocols.map(Set.init)
        subjects = try globs(match.subjects)
        groups = try globs(match.groups)
        actors = try globs(match.actors)
        minDepth = match.minDepth ?? 0
        maxDepth = match.maxDepth ?? Int.max
        classes = match.classes.map { Set($0.map { $0.lowercased() }) }
        if let patterns = match.objects {
            var compiled: [PolicyObjectPattern] = []
            for pattern in patterns { compiled.append(try PolicyObjectPattern(pattern)) }
            objects = compiled
            objectNameGlobs = compiled.contains(where: \.matchesWholeName) ? nil : compiled.map { $0.parts[$0.parts.count - 1] }
        } else {
            objects = nil
            objectNameGlobs = nil
        }
        checks = match.checks
        time = match.time
        grant = match.grant
        hasCommandConditions = match.hasCommandConditions
        hasResidualConditions = match.minDepth != nil || match.maxDepth != nil || objects != nil || time != nil || grant != nil
        qualification = rule.effect == .allow ? .certainly : .possibly
    }

    /// The conditions outside the rule index: chain depth, objects, time window and grant.
    @inline(__always)
    func residualMatches(_ request: PolicyRequest, isSQL: Bool, grants: inout PolicyGrantLookup) -> Bool {
        guard hasResidualConditions else { return true }
        let depth = request.identity.actors.count
        guard depth >= minDepth && depth <= maxDepth else { return false }
        if let objects {
            var found = false
            search: for object in request.objects {
                for pattern in objects where pattern.matches(object, sql: isSQL, qualification: qualification) {
                    found = true
                    break search
                }
            }
            guard found else { return false }
        }
        if let time, !time.contains(request.time) { return false }
        switch grant {
        case .required?: return grants.grant(for: request) != nil
        case .absent?: return grants.grant(for: request) == nil
        case nil: return true
        }
    }

    /// Every condition, tested directly (no index): the reference the indexed evaluator must
    /// agree with, and what `matchingRules` uses.
    func matches(_ request: PolicyRequest, grants: inout PolicyGrantLookup) -> Bool {
        if hasCommandConditions && request.command == nil { return false }
        let identity = request.identity
        if let connections, !connections.contains(where: { $0.matches(request.connection) }) { return false }
        if let protocols, !protocols.contains(request.protocol) { return false }
        if let subjects, !subjects.contains(where: { $0.matches(identity.subject) }) { return false }
        if let groups, !identity.groups.contains(where: { group in groups.contains { $0.matches(group) } }) { return false }
        if let actors, !identity.actors.contains(where: { actor in actors.contains { $0.matches(actor) } }) { return false }
        if let classes {
            guard let commandClass = request.commandClass, classes.contains(commandClass.lowercased()) else { return false }
        }
        if let checks, checks.isDisjoint(with: request.riskFlags) { return false }
        return residualMatches(request, isSQL: PolicyVocabulary.isSQL(request.protocol), grants: &grants)
    }
}
