/// How many values each masking rule masked: rule names and numbers, never the values.
///
/// A value masked by a column rule counts once; in scanned text every detector match counts
/// once. Counting into a ``MaskingCounts`` from one engine is an array increment; counts
/// from different engines can be merged by name.
public struct MaskingCounts: Sendable, Hashable, CustomStringConvertible {
    /// The rule names of the engine counted first, shared (never copied per count).
    private var rules: MaskingRuleNames?
    private var values: [Int] = []
    /// Counts for rules of other engines, by name.
    private var others: [String: Int] = [:]

    public init() {}

    /// Counts given by rule name (zeros are dropped).
    public init(_ byRule: [String: Int]) {
        others = byRule.filter { $0.value != 0 }
    }

    /// Count per rule name, only rules that masked something.
    public var byRule: [String: Int] {
        var result = others
        if let rules {
            for (index, value) in values.enumerated() where value > 0 { result[rules.names[index], default: 0] += value }
        }
        return result
    }

    /// How many values were masked in all.
    public var total: Int { values.reduce(0, +) + others.values.reduce(0, +) }

    public var isEmpty: Bool { total == 0 }

    /// How many values the rule named `rule` masked.
    public subscript(rule: String) -> Int {
        var count = others[rule] ?? 0
        if let rules, let index = rules.names.firstIndex(of: rule) { count += values[index] }
        return count
    }

    /// Adds `other`'s counts to these.
    public mutating func merge(_ other: MaskingCounts) {
        if let rules = other.rules {
            for (index, value) in other.values.enumerated() where value > 0 { add(rule: index, of: rules, count: value) }
        }
        for (name, value) in other.others { others[name, default: 0] += value }
    }

    /// Back to zero (keeps its storage, for reuse per command).
    public mutating func removeAll() {
        for index in values.indices { values[index] = 0 }
        others.removeAll(keepingCapacity: true)
    }

    /// Counts `count` values masked by rule `index` of `rules`.
    mutating func add(rule index: Int, of rules: MaskingRuleNames, count: Int = 1) {
        if self.rules === rules {
            values[index] += count
        } else if self.rules == nil {
            self.rules = rules
            values = Array(repeating: 0, count: rules.names.count)
            values[index] = count
        } else {
            others[rules.names[index], default: 0] += count
        }
    }

    public var description: String {
        byRule.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    public static func == (lhs: MaskingCounts, rhs: MaskingCounts) -> Bool { lhs.byRule == rhs.byRule }

    public func hash(into hasher: inout Hasher) { hasher.combine(byRule) }
}

/// The rule names of one engine: column rules first, then detector rules. A class so
/// counts can tell engines apart by identity.
final class MaskingRuleNames: Sendable {
    let names: [String]
    init(_ names: [String]) { self.names = names }
}
