extension MaskingProfile {
    /// A profile from a policy document's `masking_profiles` entry.
    ///
    /// - Throws: ``MaskingConfigurationError`` as ``init(name:columns:detectors:)``; the
    ///   definition's `location` gives the file and line to report it at.
    public init(_ definition: PolicyMaskingProfile) throws(MaskingConfigurationError) {
        try self.init(name: definition.name, columns: definition.columns, detectors: definition.detectors)
    }

    /// A profile from the plain values of a policy file (names, strings and numbers).
    ///
    /// - Throws: ``MaskingConfigurationError`` naming the field (`columns[1].action`,
    ///   `detectors[0].detector`, ...) for an unknown detector or action, a `keep` out of
    ///   range or given to an action other than `partial`, an empty pattern, or a duplicate.
    public init(name: String, columns: [PolicyMaskingProfile.ColumnRule], detectors: [PolicyMaskingProfile.DetectorRule]) throws(MaskingConfigurationError) {
        var columnRules: [MaskingColumnRule] = []
        for (index, entry) in columns.enumerated() {
            let action = try Self.action(entry.action, keep: entry.keep, field: "columns[\(index)]")
            columnRules.append(MaskingColumnRule(match: entry.match, action: action, connections: entry.connections, name: entry.name))
        }
        var detectorRules: [MaskingDetectorRule] = []
        for (index, entry) in detectors.enumerated() {
            let field = "detectors[\(index)]"
            guard let detector = MaskingDetector(rawValue: entry.detector) else {
                let hint = Self.detectorHints[entry.detector.lowercased()].map { "did you mean \($0)? " } ?? ""
                throw MaskingConfigurationError(.unknownDetector, field: field + ".detector",
                                                message: "unknown detector '\(entry.detector)'; \(hint)detectors are \(MaskingDetector.namesForHumans)")
            }
            let action = try Self.action(entry.action, keep: entry.keep, field: field)
            detectorRules.append(MaskingDetectorRule(detector: detector, action: action, name: entry.name))
        }
        try self.init(name: name, columnRules: columnRules, detectorRules: detectorRules)
    }

    /// Names people reach for, and the detector they mean.
    private static let detectorHints: [String: String] = [
        "credit_card": "payment_card", "card": "payment_card", "pan": "payment_card", "ssn": "us_ssn",
        "ip": "ipv4", "phone_number": "phone", "password": "password_assignment", "secret": "password_assignment",
        "aws_key": "aws_access_key", "gcp_key": "gcp_api_key", "private_key": "pem_private_key", "e-mail": "email",
        "payment-card": "payment_card", "us-ssn": "us_ssn",
    ]

    private static func action(_ name: String, keep: Int?, field: String) throws(MaskingConfigurationError) -> MaskingAction {
        switch name {
        case "redact", "pseudonym":
            if let keep {
                throw MaskingConfigurationError(.keepWithoutPartial, field: field + ".keep",
                                                message: "keep (\(keep)) applies only to action partial; remove it or use action: partial")
            }
            return name == "redact" ? .redact : .pseudonym
        case "partial":
            return .partial(keepLast: keep ?? MaskingAction.defaultKeep)
        default:
            throw MaskingConfigurationError(.unknownAction, field: field + ".action",
                                            message: "unknown action '\(name)'; actions are \(MaskingAction.names.joined(separator: ", "))")
        }
    }
}
