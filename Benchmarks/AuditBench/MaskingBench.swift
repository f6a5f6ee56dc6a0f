import ArgumentParser
import PolicyEngine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `audit-bench masking`: masking throughput in MB/s over generated result rows (names,
/// e-mail addresses, card numbers, phone numbers, addresses, amounts, timestamps, free text
/// that sometimes holds a secret) and over the same rows as terminal output.
struct MaskingBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "masking",
        abstract: "Measure masking throughput (column rules, all detectors, streaming) in MB/s.",
        discussion: """
        Each scenario runs --repetitions times over the same rows; the best run is reported. MB/s counts \
        the bytes of the values (or text) going in, per second of wall-clock time and per second of the \
        process's CPU time (steadier when the machine is shared: other processes do not count).
        """
    )

    @Option(help: "Result rows generated.")
    var rows: Int = 100_000

    @Option(help: "Runs per scenario; the fastest counts.")
    var repetitions: Int = 5

    @Option(help: "Seed for the generated rows.")
    var seed: UInt64 = 42

    func validate() throws {
        guard rows > 0 else { throw ValidationError("--rows must be positive") }
        guard repetitions > 0 else { throw ValidationError("--repetitions must be positive") }
    }

    static let columns = ["id", "name", "email", "phone", "card_number", "notes", "amount", "created_at", "client_ip", "status"]

    func run() throws {
        let secret = Array("benchmark gateway secret, 32 b..".utf8)
        var generator = SampleRows(seed: seed)
        let table = (0..<rows).map { _ in generator.row() }
        let bytes = table.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        print("masking: \(rows) rows of \(Self.columns.count) columns, \(String(format: "%.1f", Double(bytes) / 1e6)) MB of values, best of \(repetitions)")
        print(Self.line("scenario", "MB", "seconds", "MB/s", "CPU MB/s", "masked"))

        let columnRules = try MaskingProfile(name: "columns", columns: [
            .init(match: "email", action: "redact"),
            .init(match: "*card*", action: "partial", keep: 4),
            .init(match: "phone", action: "partial", keep: 2),
            .init(match: "*_ip", action: "redact"),
        ], detectors: [])
        let allDetectors = try MaskingProfile(
            name: "detectors", columns: [],
            detectors: MaskingDetector.allCases.map { .init(detector: $0.rawValue, action: $0 == .paymentCard ? "partial" : "redact") })
        let pii = try MaskingProfile(name: "pii", columns: columnRules.columnRules.map {
            .init(match: $0.match, action: $0.action == .redact ? "redact" : "partial", keep: $0.action == .redact ? nil : 4)
        } + [.init(match: "name", action: "pseudonym")], detectors: MaskingDetector.allCases.map { .init(detector: $0.rawValue, action: "redact") })

        for (label, profile) in [("column rules only", columnRules), ("all detectors, every column", allDetectors),
                                 ("column rules + all detectors + pseudonym", pii)] {
            let engine = try MaskingEngine(profile: profile, secret: secret)
            let plan = engine.plan(columns: Self.columns.map { MaskingColumn(name: $0, table: "customers") }, connection: "orders")
            report(label, bytes: bytes) {
                var counts = MaskingCounts()
                var produced = 0
                for row in table {
                    for (index, value) in row.enumerated() {
                        produced &+= value.withUnsafeBytes { plan.mask($0, column: index, counts: &counts)?.count ?? 0 }
                    }
                }
                return (counts.total, produced)
            }
        }

        let engine = try MaskingEngine(profile: allDetectors, secret: secret)
        let terminal = Array(table.map { row in row.map { String(decoding: $0, as: UTF8.self) }.joined(separator: " | ") }
            .joined(separator: "\r\n").utf8)
        for chunkSize in [4096, 256] {
            report("streaming, \(chunkSize)-byte chunks", bytes: terminal.count) {
                var masker = engine.makeStreamingMasker()
                var produced = 0
                var start = 0
                while start < terminal.count {
                    let end = min(start + chunkSize, terminal.count)
                    produced &+= masker.feed(terminal[start..<end]).count
                    start = end
                }
                produced &+= masker.finish().count
                return (masker.counts.total, produced)
            }
        }

        let statements = table.prefix(20_000).map { row in
            "INSERT INTO customers (" + Self.columns.joined(separator: ", ") + ") VALUES ('"
                + row.map { String(decoding: $0, as: UTF8.self) }.joined(separator: "', '") + "')"
        }
        report("statement text (INSERTs)", bytes: statements.reduce(0) { $0 + $1.utf8.count }) {
            var counts = MaskingCounts()
            var produced = 0
            for statement in statements { produced &+= engine.maskText(statement, counts: &counts).utf8.count }
            return (counts.total, produced)
        }
    }

    /// Runs `body` `repetitions` times and prints the fastest run; `body` returns values
    /// masked and bytes produced (so the work cannot be optimised away).
    private func report(_ label: String, bytes: Int, _ body: () -> (masked: Int, produced: Int)) {
        var wall = Double.infinity, cpu = Double.infinity
        var masked = 0
        for _ in 0..<repetitions {
            let start = ContinuousClock.now
            let cpuStart = Self.cpuSeconds()
            let result = body()
            cpu = min(cpu, Self.cpuSeconds() - cpuStart)
            let elapsed = ContinuousClock.now - start
            wall = min(wall, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            masked = result.masked
            precondition(result.produced >= 0)
        }
        let megabytes = Double(bytes) / 1e6
        print(Self.line(label, String(format: "%.1f", megabytes), String(format: "%.3f", wall), String(format: "%.0f", megabytes / wall),
                        String(format: "%.0f", megabytes / cpu), "\(masked)"))
    }

    /// CPU time this process has used (the benchmark is single-threaded).
    private static func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    private static func line(_ columns: String...) -> String {
        let widths = [42, 6, 8, 6, 9, 8]
        return zip(columns, widths).map { column, width in
            column.count >= width ? column : column + String(repeating: " ", count: width - column.count)
        }.joined(separator: " ")
    }
}

/// Deterministic customer-like rows (SplitMix64), about 200 bytes each.
struct SampleRows {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    private mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    private mutating func pick(_ items: [String]) -> String { items[below(items.count)] }
    private mutating func digits(_ count: Int) -> String { String((0..<count).map { _ in Character(String(below(10))) }) }

    static let first = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Günter", "Hiro", "Ines", "Jamal", "Keiko", "Luis"]
    static let last = ["Smith", "Okafor", "Müller", "Tanaka", "Rossi", "Nguyen", "Kowalski", "García", "Dubois", "Ivanova"]
    static let words = ["customer", "asked", "about", "the", "refund", "for", "order", "shipped", "late", "please", "call", "back",
                        "before", "friday", "invoice", "attached", "address", "changed", "to", "new", "office", "in", "berlin",
                        "priority", "ticket", "resolved", "via", "chat", "and", "email", "follow-up", "needed", "on", "monday"]
    static let cards = ["4111 1111 1111 1111", "5555555555554444", "378282246310005", "6011-1111-1111-1117", "4242424242424242"]

    /// A Luhn-valid 16-digit Visa-like number.
    private mutating func card() -> String {
        let body = "4" + digits(14)
        var sum = 0
        for (index, char) in body.reversed().enumerated() {
            var digit = char.wholeNumberValue ?? 0
            if index % 2 == 0 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return body + String((10 - sum % 10) % 10)
    }

    private mutating func notes() -> String {
        var parts = (0..<(8 + below(16))).map { _ in pick(Self.words) }
        switch below(10) {
        case 0: parts.insert("reach me at \(pick(Self.first).lowercased())@example.org", at: below(parts.count))
        case 1: parts.insert("card \(pick(Self.cards))", at: below(parts.count))
        case 2: parts.insert("phone +44 20 \(digits(4)) \(digits(4))", at: below(parts.count))
        case 3: parts.insert("from 10.\(below(256)).\(below(256)).\(below(256))", at: below(parts.count))
        default: break
        }
        return parts.joined(separator: " ")
    }

    mutating func row() -> [[UInt8]] {
        let first = pick(Self.first), last = pick(Self.last)
        let values = [
            String(100_000 + below(900_000)),
            "\(first) \(last)",
            "\(first.lowercased()).\(last.lowercased())\(below(100))@example.com",
            "+1 \(digits(3)) \(digits(3)) \(digits(4))",
            card(),
            notes(),
            "\(below(10_000)).\(digits(2))",
            "2026-11-\(10 + below(18)) \(10 + below(12)):\(10 + below(50)):\(10 + below(50))+00",
            "192.168.\(below(256)).\(below(256))",
            pick(["paid", "pending", "refunded", "shipped"]),
        ]
        return values.map { Array($0.utf8) }
    }
}
