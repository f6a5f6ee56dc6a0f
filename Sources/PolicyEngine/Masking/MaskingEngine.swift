/// Applies a ``MaskingProfile``: built once per profile and gateway secret, then used on
/// the hot path by any number of sessions at once. No I/O, no locks; scanning allocates
/// nothing until something matches.
///
/// - Result sets: ``plan(columns:connection:)`` once per result, then
///   ``MaskingPlan/mask(_:column:counts:)`` per value.
/// - Free text (statements, bound parameters, log lines): ``maskText(_:)``.
/// - Terminal output and other streams: ``makeStreamingMasker()``.
public struct MaskingEngine: Sendable {
    /// The shortest gateway secret accepted when a profile pseudonymises.
    public static let minimumSecretLength = 16

    public let profile: MaskingProfile
    let scanner: DetectorScanner
    let rules: MaskingRuleNames
    /// Actions by rule index (column rules, then detector rules).
    let actions: [MaskingAction]
    /// Rule index by ``MaskingDetector/ordinal``; -1 for detectors the profile does not use.
    private let detectorRules: [Int]
    private let pseudonymizer: Pseudonymizer?

    /// An engine for `profile`, pseudonymising with HMAC-SHA256 keyed by `secret`.
    ///
    /// - Throws: ``MaskingConfigurationError`` (field `secret`) when the profile has a
    ///   pseudonym rule and `secret` is shorter than ``minimumSecretLength`` bytes.
    public init(profile: MaskingProfile, secret: [UInt8]) throws(MaskingConfigurationError) {
        if profile.usesPseudonyms, secret.count < Self.minimumSecretLength {
            throw MaskingConfigurationError(
                .secretTooShort, field: "secret",
                message: "profile \(profile.name) pseudonymises values, which needs a gateway secret of at least \(Self.minimumSecretLength) bytes (got \(secret.count))")
        }
        self.profile = profile
        scanner = DetectorScanner(profile.detectorRules.map(\.detector))
        rules = MaskingRuleNames(profile.columnRules.map(\.name) + profile.detectorRules.map(\.name))
        actions = profile.columnRules.map(\.action) + profile.detectorRules.map(\.action)
        var detectorRules = Array(repeating: -1, count: MaskingDetector.allCases.count)
        for (index, rule) in profile.detectorRules.enumerated() {
            detectorRules[rule.detector.ordinal] = profile.columnRules.count + index
        }
        self.detectorRules = detectorRules
        pseudonymizer = secret.isEmpty ? nil : Pseudonymizer(secret: secret)
    }

    /// Whether the profile has detector rules (values no column rule names are scanned).
    public var scansValues: Bool { !scanner.isEmpty }

    /// Rule names, column rules first, as outcome counts use them.
    public var ruleNames: [String] { rules.names }

    /// How to treat each column of a result set on `connection`: the first column rule
    /// (limited to that connection) matching a column masks all its values; other columns
    /// are scanned by the detectors, or left alone when the profile has none.
    public func plan(columns: [MaskingColumn], connection: String) -> MaskingPlan {
        let applicable = profile.columnRules.indices.filter { profile.columnRules[$0].applies(to: connection) }
        let treatments = columns.map { column in
            applicable.first { profile.columnRules[$0].matches(column) } ?? (scansValues ? MaskingPlan.scanned : MaskingPlan.unmasked)
        }
        return MaskingPlan(engine: self, columns: treatments)
    }

    /// `text` with everything the profile's detectors find masked, and the counts.
    public func maskText(_ text: String) -> MaskedText {
        var counts = MaskingCounts()
        let masked = maskText(text, counts: &counts)
        return MaskedText(text: masked, counts: counts)
    }

    /// `text` with everything the profile's detectors find masked, counting into `counts`.
    public func maskText(_ text: String, counts: inout MaskingCounts) -> String {
        guard scansValues else { return text }
        var copy = text
        let masked = copy.withUTF8 { scan($0, counts: &counts) }
        return masked.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// The UTF-8 `bytes` with everything the detectors find masked, or nil when nothing
    /// matched (then nothing was allocated).
    public func maskText(_ bytes: UnsafeRawBufferPointer, counts: inout MaskingCounts) -> [UInt8]? {
        scan(bytes.assumingMemoryBound(to: UInt8.self), counts: &counts)
    }

    // MARK: Internals shared by plans and streams

    /// Detector scan of a whole value: the masked bytes, or nil when nothing matched.
    func scan(_ bytes: UnsafeBufferPointer<UInt8>, counts: inout MaskingCounts) -> [UInt8]? {
        let text = ScanText(bytes, isFinal: true)
        let scanner = self.scanner.narrowed(to: bytes)
        let first = scanner.next(in: text, from: 0)
        guard case .match = first else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        _ = appendMasked(text, scanner: scanner, first: first, to: &out, counts: &counts)
        return out
    }

    /// Appends `text` to `out` with what `scanner` (this engine's, perhaps narrowed) finds
    /// replaced, starting from the scan step `first` (at offset 0). Returns where it
    /// stopped: the end, or a held-back candidate.
    func appendMasked(_ text: ScanText, scanner: DetectorScanner, first: ScanStep, to out: inout [UInt8], counts: inout MaskingCounts) -> Int {
        var step = first
        var emitted = 0
        while true {
            switch step {
            case .match(let match):
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text.bytes[emitted..<match.range.lowerBound]))
                let rule = detectorRules[match.detector.ordinal]
                apply(rule: rule, to: UnsafeBufferPointer(rebasing: text.bytes[match.range]), into: &out, counts: &counts)
                emitted = match.range.upperBound
                step = scanner.next(in: text, from: emitted)
            case .end:
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text.bytes[emitted...]))
                return text.count
            case .needMore(let from):
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text.bytes[emitted..<from]))
                return from
            }
        }
    }

    /// Appends `value` masked by rule `rule` to `out` and counts it.
    @inline(__always)
    func apply(rule: Int, to value: UnsafeBufferPointer<UInt8>, into out: inout [UInt8], counts: inout MaskingCounts) {
        actions[rule].append(value, to: &out, pseudonymizer: pseudonymizer)
        counts.add(rule: rule, of: rules)
    }
}
