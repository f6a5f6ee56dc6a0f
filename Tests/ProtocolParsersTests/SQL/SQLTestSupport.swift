@testable import ProtocolParsers

enum SQLTestSupport {
    /// Why `tokens` do not cover `0..<count` exactly, in order, without gaps or overlaps.
    static func coverageProblem(_ tokens: [SQLToken], count: Int) -> String? {
        var expected = 0
        for (index, token) in tokens.enumerated() {
            if token.range.lowerBound != expected {
                return "token \(index) starts at \(token.range.lowerBound), expected \(expected)"
            }
            if token.range.isEmpty { return "token \(index) is empty" }
            expected = token.range.upperBound
        }
        return expected == count ? nil : "tokens end at \(expected) of \(count)"
    }

    /// A small deterministic generator (SplitMix64) so failures reproduce.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
