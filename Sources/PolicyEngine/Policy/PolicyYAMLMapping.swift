import Foundation
import Yams

/// Collects the problems of one load, from every file, so all of them can be reported at once.
final class PolicyIssueCollector {
    private(set) var issues: [PolicyIssue] = []

    func add(_ file: String, _ line: Int?, _ field: String, _ message: String) {
        issues.append(PolicyIssue(location: PolicyLocation(file: file, line: line), field: field, message: message))
    }
}

/// A YAML value with the line it starts on.
struct PolicyYAMLValue {
    var node: Node
    var line: Int?
    /// The value's field path (`rules[0].match.classes[2]`).
    var field: String

    /// The scalar's text, or nil (after reporting) when the value is a list or mapping.
    func scalar(in file: String, _ issues: PolicyIssueCollector) -> String? {
        guard case .scalar(let scalar) = node else {
            issues.add(file, line, field, "must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }
}

/// Reads one YAML mapping of a policy file key by key, recording problems (with file, line
/// and field) rather than stopping at the first. Keys outside `known` are reported as
/// unknown, with a suggestion when one is close.
struct PolicyYAMLMapping {
    let file: String
    /// This mapping's field path; empty at the top level.
    let field: String
    /// The line the mapping starts on.
    let line: Int?
    let issues: PolicyIssueCollector
    private var entries: [String: (keyLine: Int?, value: Node)] = [:]

    /// Reads `node` as a mapping; reports and returns nil when it is something else.
    init?(_ node: Node, file: String, field: String, line: Int? = nil, known: [String], issues: PolicyIssueCollector) {
        self.file = file
        self.field = field
        self.line = node.mark?.line ?? line
        self.issues = issues
        guard case .mapping(let mapping) = node else {
            issues.add(file, self.line, field.isEmpty ? "(top level)" : field,
                       "must be a mapping of keys to values (\(known.joined(separator: ", ")))")
            return nil
        }
        for (key, value) in mapping {
            let name = key.string ?? ""
            if known.contains(name) {
                entries[name] = (key.mark?.line, value)
            } else {
                var message = "unknown key; expected one of \(known.joined(separator: ", "))"
                if let suggestion = PolicyVocabulary.suggestion(for: name, among: known) {
                    message = "unknown key (did you mean '\(suggestion)'?)"
                }
                issues.add(file, key.mark?.line, path(name), message)
            }
        }
    }

    /// The field path of `key` in this mapping.
    func path(_ key: String) -> String {
        field.isEmpty ? key : "\(field).\(key)"
    }

    /// Whether `key` is present with a non-null value.
    func has(_ key: String) -> Bool {
        value(key) != nil
    }

    /// The line of `key` (its value's line), or of the mapping when absent.
    func lineOf(_ key: String) -> Int? {
        guard let entry = entries[key] else { return line }
        return entry.value.mark?.line ?? entry.keyLine
    }

    /// `key`'s value; nil when absent or null (`key:` or `key: ~`).
    func value(_ key: String) -> PolicyYAMLValue? {
        guard let entry = entries[key] else { return nil }
        if case .scalar(let scalar) = entry.value, scalar.tag == Tag(.null) { return nil }
        return PolicyYAMLValue(node: entry.value, line: entry.value.mark?.line ?? entry.keyLine, field: path(key))
    }

    /// A single text value.
    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key) else {
            if required { issues.add(file, line, path(key), "is required") }
            return nil
        }
        return value.scalar(in: file, issues)
    }

    /// A list of text values, each with its line and field; a lone value counts as a list
    /// of one. An empty list is reported (as a condition it would match nothing) unless
    /// `allowEmpty`.
    func strings(_ key: String, allowEmpty: Bool = false) -> [PolicyYAMLValue]? {
        guard let value = value(key) else { return nil }
        switch value.node {
        case .scalar:
            return [value]
        case .sequence(let sequence):
            guard !sequence.isEmpty || allowEmpty else {
                issues.add(file, value.line, value.field, "is an empty list, which matches nothing; leave the key out to match anything")
                return nil
            }
            var result: [PolicyYAMLValue] = []
            for (index, item) in sequence.enumerated() {
                let element = PolicyYAMLValue(node: item, line: item.mark?.line ?? value.line, field: "\(value.field)[\(index)]")
                guard case .scalar = item else {
                    issues.add(file, element.line, element.field, "must be a single value, not a list or mapping")
                    continue
                }
                result.append(element)
            }
            return result
        default:
            issues.add(file, value.line, value.field, "must be a value or a list of values")
            return nil
        }
    }

    /// A whole number in `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(key) else { return nil }
        guard let number = Int(text), range.contains(number) else {
            issues.add(file, lineOf(key), path(key), "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            return nil
        }
        return number
    }

    /// `true`/`false` (also `yes`/`no`, `on`/`off`).
    func boolean(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            issues.add(file, lineOf(key), path(key), "must be true or false, not '\(text)'")
            return nil
        }
    }

    /// A positive duration: `90s`, `15m`, `8h`, `1d`, or plain seconds.
    func duration(_ key: String) -> TimeInterval? {
        guard let text = string(key) else { return nil }
        guard let seconds = Self.parseDuration(text), seconds > 0 else {
            issues.add(file, lineOf(key), path(key), "must be a positive duration like 90s, 15m, 8h or 1d, not '\(text)'")
            return nil
        }
        return seconds
    }

    /// A nested mapping.
    func mapping(_ key: String, known: [String]) -> PolicyYAMLMapping? {
        guard let value = value(key) else { return nil }
        return PolicyYAMLMapping(value.node, file: file, field: value.field, line: value.line, known: known, issues: issues)
    }

    /// A list's items, each with its field path (`rules[3]`).
    func list(_ key: String) -> [PolicyYAMLValue] {
        guard let value = value(key) else { return [] }
        guard case .sequence(let sequence) = value.node else {
            issues.add(file, value.line, value.field, "must be a list")
            return []
        }
        return sequence.enumerated().map { index, item in
            PolicyYAMLValue(node: item, line: item.mark?.line ?? value.line, field: "\(value.field)[\(index)]")
        }
    }

    /// A mapping's entries in file order, each as a key and its value (at the key's line).
    func entriesOf(_ key: String) -> [(key: String, value: PolicyYAMLValue)] {
        guard let value = value(key) else { return [] }
        guard case .mapping(let mapping) = value.node else {
            issues.add(file, value.line, value.field, "must be a mapping of names to definitions")
            return []
        }
        return mapping.map { key, item in
            let name = key.string ?? ""
            return (name, PolicyYAMLValue(node: item, line: key.mark?.line ?? item.mark?.line, field: "\(value.field).\(name)"))
        }
    }

    static func parseDuration(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            if let number = Double(trimmed.dropLast(unit.suffix.count)), number.isFinite { return number * unit.seconds }
        }
        if let number = Double(trimmed), number.isFinite { return number }
        return nil
    }
}
