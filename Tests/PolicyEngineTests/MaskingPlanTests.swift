import PolicyEngine
import Testing

@Suite("Masking plans")
struct MaskingPlanTests {
    static func engine(_ columns: [MaskingColumnRule], detectors: [MaskingDetector] = []) throws -> MaskingEngine {
        let profile = try MaskingProfile(name: "p", columnRules: columns,
                                         detectorRules: detectors.map { MaskingDetectorRule(detector: $0, action: .redact) })
        return try MaskingEngine(profile: profile, secret: MaskingFixtures.secret)
    }

    /// Which rule (by name) masks `column` of `table` on `connection`, or nil.
    static func rule(_ engine: MaskingEngine, _ column: String, table: String? = nil, connection: String = "orders-db") -> String? {
        if case .rule(let name, _) = engine.plan(columns: [MaskingColumn(name: column, table: table)], connection: connection).treatment(ofColumn: 0) {
            return name
        }
        return nil
    }

    @Test func columnGlobsAreCaseInsensitive() throws {
        let engine = try Self.engine([MaskingColumnRule(match: "email", action: .redact), MaskingColumnRule(match: "*card*", action: .redact),
                                      MaskingColumnRule(match: "ssn_?", action: .redact)])
        #expect(Self.rule(engine, "EMAIL") == "column:email")
        #expect(Self.rule(engine, "email_address") == nil)
        #expect(Self.rule(engine, "credit_card_number") == "column:*card*")
        #expect(Self.rule(engine, "Card") == "column:*card*")
        #expect(Self.rule(engine, "ssn_1") == "column:ssn_?")
        #expect(Self.rule(engine, "ssn_12") == nil)
        #expect(Self.rule(engine, "name") == nil)
    }

    @Test func tableQualifiedRules() throws {
        let engine = try Self.engine([
            MaskingColumnRule(match: "orders.email", action: .redact),
            MaskingColumnRule(match: "*.card_*", action: .redact),
            MaskingColumnRule(match: "billing.invoices.iban", action: .redact),
        ])
        #expect(Self.rule(engine, "email", table: "orders") == "column:orders.email")
        #expect(Self.rule(engine, "email", table: "public.orders") == "column:orders.email", "a schema-qualified table matches by its name")
        #expect(Self.rule(engine, "email", table: "Orders") == "column:orders.email")
        #expect(Self.rule(engine, "email", table: "customers") == nil)
        #expect(Self.rule(engine, "email", table: "public.customers") == nil)
        #expect(Self.rule(engine, "email") == "column:orders.email", "unknown table: fail closed")
        #expect(Self.rule(engine, "card_number", table: "payments") == "column:*.card_*")
        #expect(Self.rule(engine, "card_number", table: "public.payments") == "column:*.card_*")
        #expect(Self.rule(engine, "cardnumber", table: "payments") == nil)
        #expect(Self.rule(engine, "iban", table: "billing.invoices") == "column:billing.invoices.iban")
        #expect(Self.rule(engine, "iban", table: "invoices") == "column:billing.invoices.iban", "the schema is optional on the result's side too")
        #expect(Self.rule(engine, "iban", table: "sales.invoices") == nil)
    }

    @Test func connectionGlobsLimitRules() throws {
        let engine = try Self.engine([
            MaskingColumnRule(match: "email", action: .partial(keepLast: 4), connections: ["prod-*", "billing"], name: "prod-email"),
            MaskingColumnRule(match: "email", action: .redact, name: "any-email"),
        ])
        #expect(Self.rule(engine, "email", connection: "prod-eu") == "prod-email")
        #expect(Self.rule(engine, "email", connection: "BILLING") == "prod-email")
        #expect(Self.rule(engine, "email", connection: "staging") == "any-email", "the first rule that applies decides")
    }

    @Test func unnamedColumnsAreScannedWhenTheProfileHasDetectors() throws {
        let columns = [MaskingColumn(name: "id"), MaskingColumn(name: "email"), MaskingColumn(name: "notes")]
        let withDetectors = try Self.engine([MaskingColumnRule(match: "email", action: .redact)], detectors: [.paymentCard])
        let plan = withDetectors.plan(columns: columns, connection: "db")
        #expect(plan.count == 3)
        #expect(plan.treatment(ofColumn: 0) == .scanned)
        #expect(plan.treatment(ofColumn: 1) == .rule(name: "column:email", action: .redact))
        #expect(plan.treatment(ofColumn: 7) == .scanned, "columns past the description are scanned")
        #expect(!plan.masksNothing)

        let columnsOnly = try Self.engine([MaskingColumnRule(match: "email", action: .redact)])
        #expect(columnsOnly.plan(columns: columns, connection: "db").treatment(ofColumn: 0) == .unmasked)
        #expect(columnsOnly.plan(columns: [MaskingColumn(name: "id")], connection: "db").masksNothing)
        #expect(!columnsOnly.plan(columns: columns, connection: "db").masksNothing)
    }

    @Test func rowsAreMaskedValueByValueAndCounted() throws {
        let engine = try Self.engine([MaskingColumnRule(match: "email", action: .redact), MaskingColumnRule(match: "*card*", action: .partial(keepLast: 4))],
                                     detectors: [.paymentCard, .email])
        let plan = engine.plan(columns: ["id", "email", "card", "notes"].map { MaskingColumn(name: $0) }, connection: "db")
        let rows = [
            ["1", "ann@example.com", "4111 1111 1111 1111", "call me"],
            ["2", "bob@example.com", "5555555555554444", "paid with 4111111111111111, mail bob@example.com"],
        ]
        var counts = MaskingCounts()
        var out: [[String]] = []
        for row in rows {
            out.append(row.enumerated().map { index, value in
                plan.mask(Array(value.utf8), column: index, counts: &counts).map { String(decoding: $0, as: UTF8.self) } ?? value
            })
        }
        #expect(out == [
            ["1", "****", "**** **** **** 1111", "call me"],
            ["2", "****", "************4444", "paid with ****, mail ****"],
        ])
        #expect(counts.byRule == ["column:email": 2, "column:*card*": 2, "detector:payment_card": 1, "detector:email": 1])
        #expect(counts["column:email"] == 2)
        #expect(counts["detector:iban"] == 0)
        #expect(counts.description == "column:*card*=2 column:email=2 detector:email=1 detector:payment_card=1")
    }

    @Test func unchangedValuesAreNil() throws {
        let engine = try Self.engine([], detectors: MaskingDetector.allCases)
        let plan = engine.plan(columns: [MaskingColumn(name: "notes")], connection: "db")
        var counts = MaskingCounts()
        #expect(plan.mask(Array("nothing to see here".utf8), column: 0, counts: &counts) == nil)
        #expect(counts.isEmpty)
    }

    @Test func countsMergeAndReset() throws {
        let engine = try Self.engine([MaskingColumnRule(match: "email", action: .redact)])
        let other = try Self.engine([MaskingColumnRule(match: "email", action: .redact), MaskingColumnRule(match: "ssn", action: .redact)])
        var counts = MaskingCounts()
        _ = engine.plan(columns: [MaskingColumn(name: "email")], connection: "db").mask(Array("a".utf8), column: 0, counts: &counts)
        _ = other.plan(columns: [MaskingColumn(name: "ssn")], connection: "db").mask(Array("b".utf8), column: 0, counts: &counts)
        _ = other.plan(columns: [MaskingColumn(name: "email")], connection: "db").mask(Array("c".utf8), column: 0, counts: &counts)
        #expect(counts.byRule == ["column:email": 2, "column:ssn": 1])
        var merged = MaskingCounts(["column:email": 1, "detector:jwt": 3])
        merged.merge(counts)
        #expect(merged.byRule == ["column:email": 3, "column:ssn": 1, "detector:jwt": 3])
        #expect(merged.total == 7)
        merged.removeAll()
        #expect(merged.isEmpty)
        #expect(merged == MaskingCounts())
    }

    @Test func freeTextCountsIntoTheSameCounts() throws {
        let engine = try Self.engine([], detectors: [.email, .passwordAssignment])
        var counts = MaskingCounts()
        let statement = engine.maskText("UPDATE users SET email = 'ann@example.com' WHERE token = 'abc'", counts: &counts)
        let parameter = engine.maskText("bob@example.com", counts: &counts)
        #expect(statement == "UPDATE users SET email = '****' WHERE token = '****'")
        #expect(parameter == "****")
        #expect(counts.byRule == ["detector:email": 2, "detector:password_assignment": 1])
        let bytes = Array("x ann@example.com".utf8)
        let masked = bytes.withUnsafeBytes { engine.maskText($0, counts: &counts) }
        #expect(masked == Array("x ****".utf8))
        let none = Array("nothing".utf8).withUnsafeBytes { engine.maskText($0, counts: &counts) }
        #expect(none == nil)
    }
}
