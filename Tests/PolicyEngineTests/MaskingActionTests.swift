import PolicyEngine
import Testing

@Suite("Masking actions")
struct MaskingActionTests {
    /// The value of a single column masked by one column rule with `action`.
    static func masked(_ value: String, _ action: MaskingAction, secret: [UInt8] = MaskingFixtures.secret) throws -> String {
        let profile = try MaskingProfile(name: "p", columnRules: [MaskingColumnRule(match: "v", action: action)])
        let plan = try MaskingEngine(profile: profile, secret: secret).plan(columns: [MaskingColumn(name: "v")], connection: "db")
        var counts = MaskingCounts()
        let bytes = try #require(plan.mask(Array(value.utf8), column: 0, counts: &counts))
        #expect(counts.total == 1)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func redactGivesTheFixedMarker() throws {
        #expect(try Self.masked("ann@example.com", .redact) == "****")
        #expect(try Self.masked("", .redact) == "****")
        #expect(MaskingAction.redactedMarker == ColumnMasker.redacted)
    }

    @Test(arguments: [
        ("4111 1111 1111 1111", 4, "**** **** **** 1111"),
        ("4111-1111-1111-1111", 4, "****-****-****-1111"),
        ("4111111111111111", 4, "************1111"),
        ("ann@example.com", 4, "***@******e.com"),
        ("+1 (555) 123-4567", 2, "+* (***) ***-**67"),
        ("123456", 4, "***456"),  // never more than half
        ("12", 4, "*2"),
        ("1", 4, "*"),
        ("Zoë Müller", 3, "*** ***ler"),  // characters, not bytes
        ("", 4, ""),
    ])
    func partialKeepsTheLastCharacters(_ value: String, keep: Int, expected: String) throws {
        #expect(try Self.masked(value, .partial(keepLast: keep)) == expected)
    }

    @Test func pseudonymsAreDeterministicPerSecret() throws {
        let first = try Self.masked("ann@example.com", .pseudonym)
        #expect(first.hasPrefix("pseud_"))
        #expect(first.count == "pseud_".count + 12)
        #expect(first.dropFirst(6).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(try Self.masked("ann@example.com", .pseudonym) == first, "same value, same secret: same pseudonym")
        #expect(try Self.masked("bob@example.com", .pseudonym) != first, "another value: another pseudonym")
        let otherSecret = Array("another gateway secret, 32 bytes".utf8)
        #expect(try Self.masked("ann@example.com", .pseudonym, secret: otherSecret) != first, "another secret: another pseudonym")
    }

    /// Pseudonyms agree between a column rule and a detector rule, so joins across both work.
    @Test func pseudonymsAgreeAcrossColumnsAndText() throws {
        let profile = try MaskingProfile(name: "p", columnRules: [MaskingColumnRule(match: "email", action: .pseudonym)],
                                         detectorRules: [MaskingDetectorRule(detector: .email, action: .pseudonym)])
        let engine = try MaskingEngine(profile: profile, secret: MaskingFixtures.secret)
        var counts = MaskingCounts()
        let column = try #require(engine.plan(columns: [MaskingColumn(name: "email")], connection: "db")
            .mask(Array("ann@example.com".utf8), column: 0, counts: &counts))
        let text = engine.maskText("WHERE email = 'ann@example.com'").text
        #expect(text == "WHERE email = '\(String(decoding: column, as: UTF8.self))'")
    }

    @Test func detectorActionsApplyToTheMatchOnly() throws {
        let profile = try MaskingProfile(name: "p", detectorRules: [
            MaskingDetectorRule(detector: .paymentCard, action: .partial(keepLast: 4)),
            MaskingDetectorRule(detector: .email, action: .pseudonym),
        ])
        let engine = try MaskingEngine(profile: profile, secret: MaskingFixtures.secret)
        let result = engine.maskText("card 4111 1111 1111 1111 of ann@example.com.")
        #expect(result.text.hasPrefix("card **** **** **** 1111 of pseud_"))
        #expect(result.text.hasSuffix("."))
        #expect(!result.text.contains("ann"))
    }

    @Test func aPseudonymProfileNeedsASecret() throws {
        let profile = try MaskingProfile(name: "pii", detectorRules: [MaskingDetectorRule(detector: .email, action: .pseudonym)])
        let error = #expect(throws: MaskingConfigurationError.self) { try MaskingEngine(profile: profile, secret: Array("short".utf8)) }
        #expect(error?.code == .secretTooShort)
        #expect(error?.field == "secret")
        // Without pseudonyms no secret is needed.
        let redacting = try MaskingProfile(name: "pii", detectorRules: [MaskingDetectorRule(detector: .email, action: .redact)])
        #expect(try MaskingEngine(profile: redacting, secret: []).maskText("ann@example.com").text == "****")
    }
}
