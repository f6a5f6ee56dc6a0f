/// For one request attribute (connection, subject, a group, ...), which rules accept which
/// values, as bit sets over rule indexes: the evaluator looks a value up once per request
/// instead of testing every rule.
struct PolicyRuleIndex: Sendable {
    /// Whether any rule has a condition on this attribute; when none does, the index is skipped.
    let isConstrained: Bool
    /// Rules without a condition on this attribute.
    let unconstrained: [UInt64]
    /// Rules by the exact values they name.
    private let literals: [String: [Int32]]
    /// Rules whose values include wildcards, with those patterns.
    private let patterns: [(rule: Int32, globs: [PolicyGlob])]
    /// Literal keys are lower case and lookups ignore case.
    private let ignoresCase: Bool

    /// - Parameters:
    ///   - conditions: Per rule, its patterns for this attribute, or nil for none.
    ///   - words: Bit-set length in 64-bit words.
    ///   - starIsUnconstrained: Whether a bare `*` is the same as no condition (true when
    ///     every request has exactly one value here; false for lists such as groups, where
    ///     `*` still needs at least one value).
    ///   - ignoresCase: Whether values compare without regard to ASCII case.
    init(_ conditions: [[PolicyGlob]?], words: Int, starIsUnconstrained: Bool, ignoresCase: Bool = false) {
        var unconstrained = [UInt64](repeating: 0, count: words)
        var literals: [String: [Int32]] = [:]
        var patterns: [(rule: Int32, globs: [PolicyGlob])] = []
        var constrained = false
        for (rule, globs) in conditions.enumerated() {
            guard let globs, !(starIsUnconstrained && globs.contains(where: \.matchesAnything)) else {
                unconstrained[rule >> 6] |= 1 << UInt64(rule & 63)
                continue
            }
            constrained = true
            var wild: [PolicyGlob] = []
            for glob in globs {
                if let value = glob.exactValue {
                    literals[ignoresCase ? value.lowercased() : value, default: []].append(Int32(rule))
                } else {
                    wild.append(glob)
                }
            }
            if !wild.isEmpty { patterns.append((Int32(rule), wild)) }
        }
        self.isConstrained = constrained
        self.unconstrained = unconstrained
        self.literals = literals
        self.patterns = patterns
        self.ignoresCase = ignoresCase
    }

    /// Sets in `bits` the rules that accept `value` through a condition (not the unconstrained ones).
    @inline(__always)
    func collect(_ value: String, into bits: UnsafeMutableBufferPointer<UInt64>) {
        var found = literals[value]
        if found == nil && ignoresCase && value.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) {
            found = literals[value.lowercased()]
        }
        if let found {
            for rule in found { bits[Int(rule) >> 6] |= 1 << UInt64(rule & 63) }
        }
        guard !patterns.isEmpty else { return }
        value.utf8.withContiguousStorageIfAvailable { text in
            for entry in patterns where entry.globs.contains(where: { $0.matches(text) }) {
                bits[Int(entry.rule) >> 6] |= 1 << UInt64(entry.rule & 63)
            }
        } ?? {
            for entry in patterns where entry.globs.contains(where: { $0.matches(value) }) {
                bits[Int(entry.rule) >> 6] |= 1 << UInt64(entry.rule & 63)
            }
        }()
    }

    /// `bits` = the unconstrained rules.
    @inline(__always)
    func start(_ bits: UnsafeMutableBufferPointer<UInt64>) {
        for word in 0..<bits.count { bits[word] = unconstrained[word] }
    }
}
