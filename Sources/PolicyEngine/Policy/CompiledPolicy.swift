import ProtocolParsers

/// The evaluator behind ``PolicySet``: rules compiled once, with bit-set indexes over the
/// request attributes most rules name, so a request costs a handful of hash lookups and a
/// walk over the few rules that can still match, without allocating.
final class CompiledPolicy: Sendable {
    let rules: [CompiledPolicyRule]
    /// Bit-set length in 64-bit words (at least 1).
    let words: Int

    private let connections: PolicyRuleIndex
    private let protocols: PolicyRuleIndex
    private let subjects: PolicyRuleIndex
    private let groups: PolicyRuleIndex
    private let actors: PolicyRuleIndex
    private let classes: PolicyRuleIndex
    /// Rules by the last name part of their SQL object patterns (a table's own name): a
    /// statement's tables must meet one before the full patterns are tried.
    private let objectNames: PolicyRuleIndex
    /// Rules without a `checks` condition.
    private let checksUnconstrained: [UInt64]
    /// Per risk flag (in `SQLRiskFlag.allCases` order), the rules whose checks name it.
    private let checkRules: [[Int32]]
    private let anyChecks: Bool
    /// Rules with command conditions (they never match a request without a command).
    private let commandRules: [UInt64]
    /// `deny` rules.
    private let denyRules: [UInt64]

    init(rules: [CompiledPolicyRule]) {
        self.rules = rules
        let words = max(1, (rules.count + 63) / 64)
        self.words = words
        connections = PolicyRuleIndex(rules.map(\.connections), words: words, starIsUnconstrained: true)
        protocols = PolicyRuleIndex(
            rules.map { $0.protocols.map { $0.sorted().map(PolicyGlob.init(literal:)) } },
            words: words, starIsUnconstrained: true)
        subjects = PolicyRuleIndex(rules.map(\.subjects), words: words, starIsUnconstrained: true)
        groups = PolicyRuleIndex(rules.map(\.groups), words: words, starIsUnconstrained: false)
        actors = PolicyRuleIndex(rules.map(\.actors), words: words, starIsUnconstrained: false)
        classes = PolicyRuleIndex(
            rules.map { $0.classes.map { $0.sorted().map(PolicyGlob.init(literal:)) } },
            words: words, starIsUnconstrained: false, ignoresCase: true)
        objectNames = PolicyRuleIndex(rules.map(\.objectNameGlobs), words: words, starIsUnconstrained: false)
        var checksUnconstrained = [UInt64](repeating: 0, count: words)
        var checkRules = [[Int32]](repeating: [], count: Self.flagOrder.count)
        var commandRules = [UInt64](repeating: 0, count: words)
        var denyRules = [UInt64](repeating: 0, count: words)
        for (index, rule) in rules.enumerated() {
            let bit: UInt64 = 1 << UInt64(index & 63)
            if let checks = rule.checks {
                for flag in checks { checkRules[Self.flagOrder.firstIndex(of: flag)!].append(Int32(index)) }
            } else {
                checksUnconstrained[index >> 6] |= bit
            }
            if rule.hasCommandConditions { commandRules[index >> 6] |= bit }
            if rule.effect == .deny { denyRules[index >> 6] |= bit }
        }
        self.checksUnconstrained = checksUnconstrained
        self.checkRules = checkRules
        self.anyChecks = rules.contains { $0.checks != nil }
        self.commandRules = commandRules
        self.denyRules = denyRules
    }

    /// Risk flags in a fixed order (indexes into `checkRules`).
    private static let flagOrder = SQLRiskFlag.allCases

    /// What the evaluation found: the deciding rules and the covering grant (if it was looked up).
    struct Outcome {
        var deny: Int?
        var approval: Int?
        var allow: Int?
        var grant: AccessGrant?
    }

    /// Finds the first matching deny, require_approval and allow rules.
    /// - Parameter stopAtAllow: Stop at the first matching allow rule (for session settings,
    ///   which only need that one).
    func evaluate(_ request: PolicyRequest, stopAtAllow: Bool = false) -> Outcome {
        var outcome = Outcome()
        var grants = PolicyGrantLookup()
        let isSQL = PolicyVocabulary.isSQL(request.protocol)
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 2 * words) { buffer in
            let candidates = UnsafeMutableBufferPointer(rebasing: buffer[0..<words])
            let scratch = UnsafeMutableBufferPointer(rebasing: buffer[words..<(2 * words)])
            guard candidateRules(request, into: candidates, scratch: scratch) else { return }
            for word in 0..<words {
                var bits = candidates[word]
                while bits != 0 {
                    let index = word << 6 | bits.trailingZeroBitCount
                    bits &= bits - 1
                    let rule = rules[index]
                    switch rule.effect {
                    case .deny:
                        if rule.residualMatches(request, isSQL: isSQL, grants: &grants) {
                            outcome.deny = index
                            return
                        }
                    case .requireApproval:
                        if outcome.approval == nil && rule.residualMatches(request, isSQL: isSQL, grants: &grants) {
                            outcome.approval = index
                        }
                    case .allow:
                        if outcome.allow == nil && rule.residualMatches(request, isSQL: isSQL, grants: &grants) {
                            outcome.allow = index
                            if stopAtAllow { return }
                        }
                    }
                    if outcome.approval != nil && outcome.allow != nil {
                        // Only a deny can change the answer now: skip the rest.
                        bits &= denyRules[word]
                        for later in (word + 1)..<words { candidates[later] &= denyRules[later] }
                    }
                }
            }
        }
        if outcome.deny == nil && outcome.approval != nil { outcome.grant = grants.grant(for: request) }
        return outcome
    }

    /// Fills `candidates` with the rules whose indexed conditions accept the request;
    /// false when there are none.
    private func candidateRules(
        _ request: PolicyRequest, into candidates: UnsafeMutableBufferPointer<UInt64>, scratch: UnsafeMutableBufferPointer<UInt64>
    ) -> Bool {
        let ruleCount = rules.count
        guard ruleCount > 0 else { return false }
        for word in 0..<words { candidates[word] = ~0 }
        if ruleCount & 63 != 0 { candidates[words - 1] = (1 << UInt64(ruleCount & 63)) - 1 }
        if request.command == nil {
            for word in 0..<words { candidates[word] &= ~commandRules[word] }
        }
        func intersect() -> Bool {
            var any: UInt64 = 0
            for word in 0..<words {
                candidates[word] &= scratch[word]
                any |= candidates[word]
            }
            return any != 0
        }
        /// Keeps the candidates that `index` accepts for any of `values`.
        func narrow<Values: Sequence<String>>(_ index: PolicyRuleIndex, _ values: Values) -> Bool {
            guard index.isConstrained else { return true }
            index.start(scratch)
            for value in values { index.collect(value, into: scratch) }
            return intersect()
        }
        let identity = request.identity
        guard narrow(connections, CollectionOfOne(request.connection)), narrow(protocols, CollectionOfOne(request.protocol)),
            narrow(subjects, CollectionOfOne(identity.subject)), narrow(groups, identity.groups), narrow(actors, identity.actors)
        else { return false }
        guard request.command != nil else { return true }
        let classAccepted = request.commandClass.map { narrow(classes, CollectionOfOne($0)) } ?? narrow(classes, EmptyCollection())
        guard classAccepted else { return false }
        if anyChecks {
            for word in 0..<words { scratch[word] = checksUnconstrained[word] }
            for flag in request.riskFlags {
                for rule in checkRules[Self.flagOrder.firstIndex(of: flag)!] {
                    scratch[Int(rule) >> 6] |= 1 << UInt64(rule & 63)
                }
            }
            guard intersect() else { return false }
        }
        if objectNames.isConstrained && PolicyVocabulary.isSQL(request.protocol) {
            objectNames.start(scratch)
            for object in request.objects {
                let name = object.utf8.lastIndex(of: UInt8(ascii: ".")).map { String(object[object.utf8.index(after: $0)...]) } ?? object
                objectNames.collect(name, into: scratch)
            }
            guard intersect() else { return false }
        }
        return true
    }
}
