import Foundation
import ProtocolParsers
import Yams

/// Reads one policy file into rules and masking profiles, checking everything that can be
/// checked within the file; cross-file checks (duplicate names, profile references) are
/// ``PolicyDocument``'s.
struct PolicyDocumentParser {
    let source: PolicySource
    let issues: PolicyIssueCollector

    private var file: String { source.name }

    static let topLevelKeys = ["version", "rules", "masking_profiles"]
    static let ruleKeys = ["name", "effect", "reason", "description", "match", "approvers", "approvals", "masking_profile", "session"]
    static let matchKeys = [
        "connections", "protocols", "subjects", "groups", "actors", "min_depth", "max_depth", "classes", "objects", "checks",
        "time", "grant",
    ]
    static let timeKeys = ["days", "hours", "timezone"]
    static let sessionKeys = ["max_duration", "idle_timeout", "recording"]
    static let approverKeys = ["groups", "subjects"]
    static let profileKeys = ["description", "columns", "detectors"]
    static let columnRuleKeys = ["match", "action", "keep", "connections", "name"]
    static let detectorRuleKeys = ["detector", "action", "keep", "name"]

    /// The deepest actor chain a rule may name.
    static let maximumDepth = 32

    /// Parses the file; problems go to `issues`.
    func parse() -> (rules: [PolicyRule], profiles: [PolicyMaskingProfile]) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: source.text)
        } catch {
            reportSyntax(error)
            return ([], [])
        }
        guard let root else {
            issues.add(file, nil, "(file)", "the file is empty; a policy file starts with 'version: 1'")
            return ([], [])
        }
        guard let top = PolicyYAMLMapping(root, file: file, field: "", known: Self.topLevelKeys, issues: issues) else { return ([], []) }
        if let version = top.string("version", required: true), version != "1" {
            issues.add(file, top.lineOf("version"), "version", "must be 1 (the only policy format so far), not '\(version)'")
        }
        let rules = top.list("rules").compactMap(parseRule)
        let profiles = top.entriesOf("masking_profiles").compactMap { parseProfile(name: $0.key, $0.value) }
        return (rules, profiles)
    }

    private func reportSyntax(_ error: Error) {
        guard let error = error as? YamlError else {
            issues.add(file, nil, "(syntax)", "cannot read the YAML: \(error)")
            return
        }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            issues.add(file, mark.line, "(syntax)", "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = Set(duplicates).sorted().map { "'\($0)'" }.joined(separator: ", ")
            issues.add(file, context.mark.line, "(syntax)", "key \(keys) appears more than once in one mapping")
        default:
            issues.add(file, nil, "(syntax)", "cannot read the YAML: \(error)")
        }
    }

    // MARK: - Rules

    private func parseRule(_ item: PolicyYAMLValue) -> PolicyRule? {
        guard let entry = PolicyYAMLMapping(item.node, file: file, field: item.field, line: item.line, known: Self.ruleKeys, issues: issues) else {
            return nil
        }
        let name = entry.string("name", required: true)
        if let name { checkName(name, field: entry.path("name"), line: entry.lineOf("name"), what: "rule") }
        var effect: PolicyEffect?
        if let text = entry.string("effect", required: true) {
            effect = PolicyEffect(rawValue: text)
            if effect == nil {
                issues.add(file, entry.lineOf("effect"), entry.path("effect"), PolicyVocabulary.oneOf(PolicyEffect.allCases.map(\.rawValue), not: text))
            }
        }
        let reason = entry.string("reason")
        let description = entry.string("description")
        let match = entry.mapping("match", known: Self.matchKeys).map(parseMatch) ?? PolicyMatch()
        let approval = parseApproval(entry, effect: effect)
        let maskingProfile = entry.string("masking_profile")
        if let maskingProfile { checkName(maskingProfile, field: entry.path("masking_profile"), line: entry.lineOf("masking_profile"), what: "masking profile") }
        let session = entry.mapping("session", known: Self.sessionKeys).map(parseSession)
        if let effect {
            if effect == .allow, reason != nil {
                issues.add(file, entry.lineOf("reason"), entry.path("reason"),
                           "allow rules show no reason to anyone; use description for notes")
            }
            if effect != .allow {
                for key in ["masking_profile", "session"] where entry.has(key) {
                    issues.add(file, entry.lineOf(key), entry.path(key),
                               "only allow rules attach \(key == "session" ? "session limits" : "a masking profile"); a \(effect.rawValue) rule opens no session")
                }
            }
        }
        guard let name, let effect else { return nil }
        var rule = PolicyRule(
            name: name, effect: effect, reason: reason, description: description, match: match, approval: approval,
            maskingProfile: maskingProfile, session: session, location: PolicyLocation(file: file, line: entry.lineOf("name"))
        )
        rule.fieldPath = item.field
        rule.fieldLines = ["name": entry.lineOf("name"), "masking_profile": entry.lineOf("masking_profile")].compactMapValues { $0 }
        return rule
    }

    private func checkName(_ name: String, field: String, line: Int?, what: String) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                || byte == UInt8(ascii: ".")
        }
        if name.isEmpty || name.utf8.count > 128 || !allowed {
            issues.add(file, line, field, "a \(what) name is 1-128 letters, digits, '-', '_' or '.', not '\(name)'")
        } else if what == "rule" && name == PolicySet.defaultDenyRule {
            issues.add(file, line, field, "'\(name)' is reserved for the decision no rule makes; choose another name")
        }
    }

    private func parseApproval(_ entry: PolicyYAMLMapping, effect: PolicyEffect?) -> ApprovalRequirement? {
        let approvers = entry.mapping("approvers", known: Self.approverKeys)
        let approvals = entry.integer("approvals", in: 1...100)
        guard effect == .requireApproval else {
            if effect != nil {
                for key in ["approvers", "approvals"] where entry.has(key) {
                    issues.add(file, entry.lineOf(key), entry.path(key), "only require_approval rules take \(key)")
                }
            }
            return nil
        }
        guard let approvers else {
            issues.add(file, entry.line, entry.path("approvers"),
                       "a require_approval rule needs approvers: { groups: [...], subjects: [...] }")
            return nil
        }
        let groups = approvers.strings("groups", allowEmpty: true)?.compactMap { $0.scalar(in: file, issues) } ?? []
        let subjects = approvers.strings("subjects", allowEmpty: true)?.compactMap { $0.scalar(in: file, issues) } ?? []
        if groups.isEmpty && subjects.isEmpty {
            issues.add(file, approvers.line, approvers.field, "names no approver; give at least one group or subject")
        }
        let needed = approvals ?? 1
        if groups.isEmpty && !subjects.isEmpty && Set(subjects).count < needed {
            issues.add(file, entry.lineOf("approvals"), entry.path("approvals"),
                       "needs \(needed) approvals but only \(Set(subjects).count) approver subject(s) and no group are named, so it can never be approved")
        }
        return ApprovalRequirement(approverGroups: groups, approverSubjects: subjects, approvals: needed)
    }

    private func parseSession(_ mapping: PolicyYAMLMapping) -> PolicySessionLimits {
        PolicySessionLimits(
            maxDuration: mapping.duration("max_duration"), idleTimeout: mapping.duration("idle_timeout"),
            recording: mapping.boolean("recording"))
    }

    // MARK: - Match

    private func parseMatch(_ mapping: PolicyYAMLMapping) -> PolicyMatch {
        var match = PolicyMatch()
        match.connections = globs(mapping, "connections")
        match.protocols = words(mapping, "protocols", PolicyVocabulary.protocols)
        match.subjects = globs(mapping, "subjects")
        match.groups = globs(mapping, "groups")
        match.actors = globs(mapping, "actors")
        match.minDepth = mapping.integer("min_depth", in: 0...Self.maximumDepth)
        match.maxDepth = mapping.integer("max_depth", in: 0...Self.maximumDepth)
        if let low = match.minDepth, let high = match.maxDepth, low > high {
            issues.add(file, mapping.lineOf("max_depth"), mapping.path("max_depth"),
                       "is \(high), below min_depth \(low), so the rule could never match")
        }
        match.classes = words(mapping, "classes", PolicyVocabulary.commandClasses, ignoringCase: true)?.map { $0.lowercased() }
        match.objects = objectPatterns(mapping, "objects")
        if let names = words(mapping, "checks", PolicyVocabulary.checkNames) {
            match.checks = Set(names.compactMap { PolicyVocabulary.checks[$0] })
        }
        match.time = mapping.mapping("time", known: Self.timeKeys).flatMap(parseTime)
        if let text = mapping.string("grant") {
            match.grant = PolicyGrantCondition(rawValue: text)
            if match.grant == nil {
                issues.add(file, mapping.lineOf("grant"), mapping.path("grant"),
                           PolicyVocabulary.oneOf(PolicyGrantCondition.allCases.map(\.rawValue), not: text))
            }
        }
        return match
    }

    /// A list of values, each checked by `problem` (nil when fine); bad ones are reported and left out.
    private func checkedList(_ mapping: PolicyYAMLMapping, _ key: String, _ problem: (String) -> String?) -> [String]? {
        guard let values = mapping.strings(key) else { return nil }
        var result: [String] = []
        for value in values {
            guard let text = value.scalar(in: file, issues) else { continue }
            if let message = problem(text) {
                issues.add(file, value.line, value.field, message)
            } else {
                result.append(text)
            }
        }
        return result
    }

    /// A list of globs.
    private func globs(_ mapping: PolicyYAMLMapping, _ key: String) -> [String]? {
        checkedList(mapping, key) { text in
            do throws(PolicyGlob.Problem) {
                _ = try PolicyGlob(text)
                return nil
            } catch {
                return error.message
            }
        }
    }

    /// A list of object patterns.
    private func objectPatterns(_ mapping: PolicyYAMLMapping, _ key: String) -> [String]? {
        checkedList(mapping, key) { text in
            do throws(PolicyGlob.Problem) {
                _ = try PolicyObjectPattern(text)
                return nil
            } catch {
                return error.message
            }
        }
    }

    /// A list of words from `vocabulary`.
    private func words(_ mapping: PolicyYAMLMapping, _ key: String, _ vocabulary: [String], ignoringCase: Bool = false) -> [String]? {
        checkedList(mapping, key) { text in
            vocabulary.contains(ignoringCase ? text.lowercased() : text) ? nil : PolicyVocabulary.oneOf(vocabulary, not: text)
        }
    }

    private func parseTime(_ mapping: PolicyYAMLMapping) -> PolicyTimeWindow? {
        let problemsBefore = issues.issues.count
        let dayNames = words(mapping, "days", PolicyWeekday.allCases.map(\.rawValue), ignoringCase: true) ?? []
        let days = Set(dayNames.compactMap { PolicyWeekday(rawValue: $0.lowercased()) })
        var span = (start: 0, end: 1440)
        if let text = mapping.string("hours") {
            if let parsed = PolicyTimeWindow.parseHours(text) {
                span = parsed
            } else {
                issues.add(file, mapping.lineOf("hours"), mapping.path("hours"),
                           "must be a span of local time like \"09:00-18:00\" (or \"22:00-06:00\" over midnight) whose ends differ, not '\(text)'")
            }
        }
        var zone = TimeZone(identifier: "UTC")!
        if let text = mapping.string("timezone") {
            if let parsed = TimeZone(identifier: text) {
                zone = parsed
            } else {
                issues.add(file, mapping.lineOf("timezone"), mapping.path("timezone"),
                           "'\(text)' is not a time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC")
            }
        }
        if !mapping.has("days") && !mapping.has("hours") {
            issues.add(file, mapping.line, mapping.field, "names neither days nor hours; give at least one, or leave time out")
        }
        guard issues.issues.count == problemsBefore else { return nil }
        return PolicyTimeWindow(days: days, startMinute: span.start, endMinute: span.end, timeZone: zone)
    }

    // MARK: - Masking profiles

    private func parseProfile(name: String, _ value: PolicyYAMLValue) -> PolicyMaskingProfile? {
        checkName(name, field: value.field, line: value.line, what: "masking profile")
        guard let mapping = PolicyYAMLMapping(value.node, file: file, field: value.field, line: value.line, known: Self.profileKeys, issues: issues) else {
            return nil
        }
        let columnItems = mapping.list("columns")
        let detectorItems = mapping.list("detectors")
        if columnItems.isEmpty && detectorItems.isEmpty {
            issues.add(file, mapping.line, mapping.field, "masks nothing; give columns (name globs) or detectors, each with an action")
        }
        var ruleNames: [String: String] = [:]
        func claim(_ name: String?, _ field: String, _ line: Int?) {
            guard let name else { return }
            if let first = ruleNames[name] {
                issues.add(file, line, field, "the name '\(name)' is already used by \(first) in this profile")
            } else {
                ruleNames[name] = field
            }
        }
        var columns: [PolicyMaskingProfile.ColumnRule] = []
        for item in columnItems {
            guard let entry = PolicyYAMLMapping(item.node, file: file, field: item.field, line: item.line, known: Self.columnRuleKeys, issues: issues) else {
                continue
            }
            let match = entry.string("match", required: true)
            if let match, match.isEmpty || match.hasPrefix(".") || match.hasSuffix(".") || match.contains("..") {
                issues.add(file, entry.lineOf("match"), entry.path("match"),
                           "'\(match)' is not a column pattern; write a column name or glob such as email, orders.email or *card*")
            }
            let (action, keep) = maskingAction(entry)
            let connections = globs(entry, "connections") ?? []
            let ruleName = entry.string("name")
            claim(ruleName, entry.path("name"), entry.lineOf("name"))
            if let match, let action {
                columns.append(PolicyMaskingProfile.ColumnRule(match: match, action: action, keep: keep, connections: connections, name: ruleName))
            }
        }
        var detectors: [PolicyMaskingProfile.DetectorRule] = []
        var seenDetectors: [String: String] = [:]
        for item in detectorItems {
            guard let entry = PolicyYAMLMapping(item.node, file: file, field: item.field, line: item.line, known: Self.detectorRuleKeys, issues: issues) else {
                continue
            }
            var detector = entry.string("detector", required: true)
            if let name = detector {
                if !PolicyVocabulary.detectors.contains(name) {
                    issues.add(file, entry.lineOf("detector"), entry.path("detector"), PolicyVocabulary.oneOf(PolicyVocabulary.detectors, not: name))
                    detector = nil
                } else if let first = seenDetectors[name] {
                    issues.add(file, entry.lineOf("detector"), entry.path("detector"), "detector \(name) is already listed at \(first); each detector takes one action")
                } else {
                    seenDetectors[name] = entry.field
                }
            }
            let (action, keep) = maskingAction(entry)
            let ruleName = entry.string("name")
            claim(ruleName, entry.path("name"), entry.lineOf("name"))
            if let detector, let action {
                detectors.append(PolicyMaskingProfile.DetectorRule(detector: detector, action: action, keep: keep, name: ruleName))
            }
        }
        return PolicyMaskingProfile(name: name, description: mapping.string("description"), columns: columns, detectors: detectors,
                                    location: PolicyLocation(file: file, line: value.line))
    }

    /// A masking rule's `action` and `keep`.
    private func maskingAction(_ entry: PolicyYAMLMapping) -> (action: String?, keep: Int?) {
        var action = entry.string("action", required: true)
        if let text = action, !PolicyVocabulary.maskingActions.contains(text) {
            issues.add(file, entry.lineOf("action"), entry.path("action"), PolicyVocabulary.oneOf(PolicyVocabulary.maskingActions, not: text))
            action = nil
        }
        let keep = entry.integer("keep", in: PolicyVocabulary.maskingKeepRange)
        if entry.has("keep"), let action, action != "partial" {
            issues.add(file, entry.lineOf("keep"), entry.path("keep"), "keep applies only to action partial; remove it or use action: partial")
        }
        return (action, keep)
    }
}
