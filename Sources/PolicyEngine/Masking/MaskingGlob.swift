/// A case-insensitive name pattern: `*` matches any run of characters (also none), `?`
/// exactly one byte; everything else matches itself, ignoring ASCII case.
///
/// Matching is linear-time in practice (one backtracking point, the last `*`) and allocates
/// nothing beyond lower-casing the name.
struct MaskingGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    let pattern: String
    private let bytes: [UInt8]

    init(_ pattern: String) {
        self.pattern = pattern
        self.bytes = pattern.utf8.map(ByteClass.lower)
    }

    var description: String { pattern }

    /// Whether the pattern is a lone `*`.
    var matchesAnything: Bool { bytes == [UInt8(ascii: "*")] }

    /// Whether `name` matches the whole pattern.
    func matches(_ name: some StringProtocol) -> Bool {
        let text = name.utf8.map(ByteClass.lower)
        var p = 0, t = 0
        var resumePattern = -1, resumeText = 0
        while t < text.count {
            if p < bytes.count, bytes[p] == UInt8(ascii: "*") {
                resumePattern = p + 1
                resumeText = t
                p += 1
            } else if p < bytes.count, bytes[p] == UInt8(ascii: "?") || bytes[p] == text[t] {
                p += 1
                t += 1
            } else if resumePattern >= 0 {
                // Let the last `*` swallow one more byte and try again from there.
                resumeText += 1
                p = resumePattern
                t = resumeText
            } else {
                return false
            }
        }
        while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }

}
