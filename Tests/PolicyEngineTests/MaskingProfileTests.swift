import PolicyEngine
import Testing

@Suite("Masking profiles")
struct MaskingProfileTests {
    typealias Column = PolicyMaskingProfile.ColumnRule
    typealias Detector = PolicyMaskingProfile.DetectorRule

    @Test func buildsFromPlainValues() throws {
        let profile = try MaskingProfile(name: "pii", columns: [
            Column(match: "email", action: "redact"),
            Column(match: "*card*", action: "partial", keep: 4, connections: ["prod-*"]),
            Column(match: "orders.customer", action: "pseudonym", name: "customers"),
        ], detectors: [
            Detector(detector: "payment_card", action: "partial"),
            Detector(detector: "email", action: "pseudonym"),
        ])
        #expect(profile.columnRules.map(\.name) == ["column:email", "column:*card*", "customers"])
        #expect(profile.columnRules.map(\.action) == [.redact, .partial(keepLast: 4), .pseudonym])
        #expect(profile.columnRules[1].connections == ["prod-*"])
        #expect(profile.detectorRules.map(\.name) == ["detector:payment_card", "detector:email"])
        #expect(profile.detectorRules[0].action == .partial(keepLast: MaskingAction.defaultKeep))
        #expect(profile.detectors == [.paymentCard, .email])
        #expect(profile.usesPseudonyms)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        let columns: [Column]
        let detectors: [Detector]
        let code: MaskingConfigurationError.Code
        let field: String
        let mentions: String
        var testDescription: String { "\(code) at \(field)" }
    }

    static let invalid: [Invalid] = [
        Invalid(columns: [], detectors: [Detector(detector: "credit_card", action: "redact")], code: .unknownDetector,
                field: "detectors[0].detector", mentions: "did you mean payment_card?"),
        Invalid(columns: [], detectors: [Detector(detector: "email", action: "redact"), Detector(detector: "eMail", action: "redact")],
                code: .unknownDetector, field: "detectors[1].detector", mentions: "pem_private_key, jwt"),
        Invalid(columns: [Column(match: "email", action: "hash")], detectors: [], code: .unknownAction,
                field: "columns[0].action", mentions: "redact, partial, pseudonym"),
        Invalid(columns: [Column(match: "card", action: "partial", keep: 0)], detectors: [], code: .keepOutOfRange,
                field: "columns[0].keep", mentions: "between 1 and 32"),
        Invalid(columns: [], detectors: [Detector(detector: "iban", action: "partial", keep: 40)], code: .keepOutOfRange,
                field: "detectors[0].keep", mentions: "got 40"),
        Invalid(columns: [Column(match: "email", action: "redact", keep: 4)], detectors: [], code: .keepWithoutPartial,
                field: "columns[0].keep", mentions: "only to action partial"),
        Invalid(columns: [Column(match: "", action: "redact")], detectors: [], code: .emptyPattern,
                field: "columns[0].match", mentions: "empty"),
        Invalid(columns: [Column(match: "orders.", action: "redact")], detectors: [], code: .emptyPattern,
                field: "columns[0].match", mentions: "'orders.' is not a column pattern"),
        Invalid(columns: [Column(match: "public..email", action: "redact")], detectors: [], code: .emptyPattern,
                field: "columns[0].match", mentions: "empty"),
        Invalid(columns: [Column(match: "email", action: "redact"), Column(match: "email", action: "pseudonym", connections: ["b"])],
                detectors: [], code: .duplicateRule, field: "columns[1]", mentions: "'column:email'"),
        Invalid(columns: [], detectors: [Detector(detector: "email", action: "redact"), Detector(detector: "email", action: "pseudonym", name: "x")],
                code: .duplicateRule, field: "detectors[1].detector", mentions: "detectors[0]"),
    ]

    @Test(arguments: invalid)
    func refusesWithTheFieldAndAClearMessage(_ sample: Invalid) {
        let error = #expect(throws: MaskingConfigurationError.self) {
            try MaskingProfile(name: "pii", columns: sample.columns, detectors: sample.detectors)
        }
        #expect(error?.code == sample.code)
        #expect(error?.field == sample.field)
        #expect(error?.message.contains(sample.mentions) == true, "\(error?.message ?? "")")
        #expect(error?.description.hasPrefix(sample.field + ": ") == true)
    }

    @Test func buildsFromAPolicyDocumentsDefinition() throws {
        let definition = PolicyMaskingProfile(name: "pii", columns: [Column(match: "email", action: "redact")],
                                              detectors: [Detector(detector: "jwt", action: "partial", keep: 6)])
        let profile = try MaskingProfile(definition)
        #expect(profile.name == "pii")
        #expect(profile.columnRules == [MaskingColumnRule(match: "email", action: .redact)])
        #expect(profile.detectorRules == [MaskingDetectorRule(detector: .jwt, action: .partial(keepLast: 6))])
    }

    @Test func typedRulesAreCheckedToo() {
        let error = #expect(throws: MaskingConfigurationError.self) {
            try MaskingProfile(name: "p", columnRules: [MaskingColumnRule(match: "card", action: .partial(keepLast: 99))])
        }
        #expect(error?.code == .keepOutOfRange)
    }
}
