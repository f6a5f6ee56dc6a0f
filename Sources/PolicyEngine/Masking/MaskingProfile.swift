/// A named set of masking rules a policy attaches to sessions: column rules mask whole
/// values by column name; detector rules mask what detectors find in any other column and
/// in free text (statements, bound parameters, terminal output).
///
/// Column rules are tried in order and the first that matches a column decides it; a
/// column no rule names is scanned by the detectors.
public struct MaskingProfile: Sendable, Hashable {
    public let name: String
    public let columnRules: [MaskingColumnRule]
    public let detectorRules: [MaskingDetectorRule]

    /// A profile from typed rules.
    ///
    /// - Throws: ``MaskingConfigurationError`` for a column pattern with an empty part, a `partial` keep
    ///   outside ``MaskingAction/keepRange``, two rules with one name, or one detector listed twice.
    public init(name: String, columnRules: [MaskingColumnRule] = [], detectorRules: [MaskingDetectorRule] = []) throws(MaskingConfigurationError) {
        var names: [String: String] = [:]  // rule name → field that used it first
        func claim(_ name: String, _ field: String) throws(MaskingConfigurationError) {
            if let first = names[name] {
                throw MaskingConfigurationError(.duplicateRule, field: field,
                                                message: "another rule (\(first)) is already named '\(name)'; give one of them a distinct name")
            }
            names[name] = field
        }
        for (index, rule) in columnRules.enumerated() {
            let field = "columns[\(index)]"
            let match = rule.match
            guard !match.isEmpty, !match.hasPrefix("."), !match.hasSuffix("."), !match.contains("..") else {
                throw MaskingConfigurationError(.emptyPattern, field: field + ".match",
                                                message: "'\(match)' is not a column pattern (a name or part is empty); write a column name or glob such as email, orders.email or *card*")
            }
            try Self.validate(rule.action, field: field)
            try claim(rule.name, field)
        }
        var detectors: [MaskingDetector: Int] = [:]
        for (index, rule) in detectorRules.enumerated() {
            let field = "detectors[\(index)]"
            if let first = detectors[rule.detector] {
                throw MaskingConfigurationError(.duplicateRule, field: field + ".detector",
                                                message: "detector \(rule.detector) is already listed at detectors[\(first)]; each detector takes one action")
            }
            detectors[rule.detector] = index
            try Self.validate(rule.action, field: field)
            try claim(rule.name, field)
        }
        self.name = name
        self.columnRules = columnRules
        self.detectorRules = detectorRules
    }

    /// The detectors the profile uses.
    public var detectors: Set<MaskingDetector> { Set(detectorRules.map(\.detector)) }

    /// Whether any rule pseudonymises (the engine then needs a secret).
    public var usesPseudonyms: Bool {
        columnRules.contains { $0.action == .pseudonym } || detectorRules.contains { $0.action == .pseudonym }
    }

    private static func validate(_ action: MaskingAction, field: String) throws(MaskingConfigurationError) {
        if case .partial(let keep) = action, !MaskingAction.keepRange.contains(keep) {
            throw MaskingConfigurationError(
                .keepOutOfRange, field: field + ".keep",
                message: "keep must be between \(MaskingAction.keepRange.lowerBound) and \(MaskingAction.keepRange.upperBound) (got \(keep))")
        }
    }
}
