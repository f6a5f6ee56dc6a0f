import Foundation
import Yams

/// Reads one YAML mapping key by key, collecting issues (with key path and line) instead of
/// stopping at the first; reports keys nobody asked for as unknown.
struct YAMLMappingReader {
    let path: String
    let line: Int?
    private var entries: [(key: String, line: Int?, value: Node)] = []
    private var consumed: Set<String> = []

    /// Shared sink for every reader made from one file.
    final class Issues {
        var list: [ConfigurationIssue] = []
        func add(_ key: String, _ line: Int?, _ message: String) {
            list.append(ConfigurationIssue(key: key, line: line, message: message))
        }
    }
    let issues: Issues

    init?(node: Node, path: String, issues: Issues) {
        self.path = path
        self.issues = issues
        self.line = node.mark?.line
        guard case .mapping(let mapping) = node else {
            issues.add(path.isEmpty ? "(top level)" : path, node.mark?.line, "must be a mapping of keys to values")
            return nil
        }
        for (key, value) in mapping {
            entries.append((key.string ?? "\(key)", key.mark?.line, value))
        }
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private mutating func node(_ key: String) -> (Node, Int?)? {
        consumed.insert(key)
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        if case .scalar(let scalar) = entry.value, scalar.tag == Tag(.null) || (scalar.string.isEmpty && scalar.style == .plain) {
            return nil
        }
        return (entry.value, entry.value.mark?.line ?? entry.line)
    }

    /// Reports every key that no accessor asked for.
    func reportUnknownKeys() {
        for entry in entries where !consumed.contains(entry.key) {
            issues.add(keyPath(entry.key), entry.line, "unknown key (check the spelling against Docs/configuration.md)")
        }
    }

    mutating func string(_ key: String, required: Bool = false) -> String? {
        guard let (value, line) = node(key) else {
            if required { issues.add(keyPath(key), self.line, "is required") }
            return nil
        }
        guard case .scalar(let scalar) = value else {
            issues.add(keyPath(key), line, "must be a single value, not a list or mapping")
            return nil
        }
        return scalar.string
    }

    /// The line of `key`'s value (or of this mapping when the key is absent), for messages.
    mutating func lineOf(_ key: String) -> Int? {
        entries.first(where: { $0.key == key })?.value.mark?.line ?? self.line
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let text = string(key) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            issues.add(keyPath(key), lineOf(key), "must be true or false, not '\(text)'")
            return nil
        }
    }

    mutating func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let text = string(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            issues.add(keyPath(key), lineOf(key), "must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
            return nil
        }
        return value
    }

    /// Durations: `250ms`, `30s`, `10m`, `2h`, or a plain number of seconds.
    mutating func duration(_ key: String) -> TimeInterval? {
        guard let text = string(key) else { return nil }
        guard let seconds = Self.parseDuration(text), seconds >= 0 else {
            issues.add(keyPath(key), lineOf(key), "must be a duration like 30s, 10m or 2h, not '\(text)'")
            return nil
        }
        return seconds
    }

    static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)) { return value * factor }
        }
        return Double(text)
    }

    mutating func address(_ key: String, required: Bool = false) -> HostAndPort? {
        guard let text = string(key, required: required) else { return nil }
        guard let address = HostAndPort(parsing: text) else {
            issues.add(keyPath(key), lineOf(key), "'\(text)' is not an address of the form HOST:PORT (IPv6 as [::1]:PORT, port 0-65535)")
            return nil
        }
        return address
    }

    mutating func stringList(_ key: String) -> [String]? {
        guard let (value, line) = node(key) else { return nil }
        switch value {
        case .scalar(let scalar):
            return [scalar.string]
        case .sequence(let sequence):
            var result: [String] = []
            for item in sequence {
                guard case .scalar(let scalar) = item else {
                    issues.add(keyPath(key), item.mark?.line ?? line, "must be a list of strings")
                    return nil
                }
                result.append(scalar.string)
            }
            return result
        default:
            issues.add(keyPath(key), line, "must be a string or a list of strings")
            return nil
        }
    }

    mutating func mapping(_ key: String) -> YAMLMappingReader? {
        guard let (value, _) = node(key) else { return nil }
        return YAMLMappingReader(node: value, path: keyPath(key), issues: issues)
    }

    mutating func sequence(_ key: String) -> [YAMLMappingReader] {
        guard let (value, line) = node(key) else { return [] }
        guard case .sequence(let sequence) = value else {
            issues.add(keyPath(key), line, "must be a list")
            return []
        }
        return sequence.enumerated().compactMap { index, item in
            YAMLMappingReader(node: item, path: "\(keyPath(key))[\(index)]", issues: issues)
        }
    }
}
