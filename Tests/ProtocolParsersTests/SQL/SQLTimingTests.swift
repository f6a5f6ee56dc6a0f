import Testing

@testable import ProtocolParsers

/// Prints rough per-statement costs; asserts only that results are stable.
@Suite("SQL timing")
struct SQLTimingTests {
    static let typicalSelect =
        "SELECT o.id, o.total, c.email FROM public.orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1"

    @Test("Typical ~100-byte SELECT: lex, split, classify")
    func typicalSelect() {
        let sql = Self.typicalSelect
        let iterations = 20_000
        let clock = ContinuousClock()
        var sink = 0
        let lexing = clock.measure {
            for _ in 0..<iterations { sink &+= SQLLexer(dialect: .postgres).tokens(sql).count }
        }
        let splitting = clock.measure {
            for _ in 0..<iterations { sink &+= SQLStatementSplitter.split(sql).count }
        }
        let classifying = clock.measure {
            for _ in 0..<iterations { sink &+= SQLClassifier.classify(sql).tables.count }
        }
        func perCall(_ duration: Duration) -> String {
            let nanoseconds = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
            return "\(Int(nanoseconds / Double(iterations))) ns"
        }
        print(
            "SQL timing (\(sql.utf8.count) bytes): lex \(perCall(lexing)), split \(perCall(splitting)), classify \(perCall(classifying))"
        )
        #expect(sink > 0)
        #expect(SQLClassifier.classify(sql).tables == ["public.orders", "customers"])
    }
}
