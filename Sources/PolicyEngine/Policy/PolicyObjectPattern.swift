/// A compiled `objects:` pattern.
///
/// For SQL protocols an object is a dotted name (`public.orders`, `shop.orders`) and the
/// pattern is matched part by part against its *last* parts: `orders` matches a table
/// `orders` in any schema, `*.payments` any schema's `payments`, `public.*` every table in
/// `public`. A `*` never crosses a dot there. The classifier writes a quoted name with a dot
/// in it (`"a.b"`) like a qualified one (`a.b`); a pattern with an escaped dot (`a\.b`) is
/// matched against the whole name, so it finds such a table (and `a.b` too).
///
/// A table written without its schema could live in any schema on the search path. Rules
/// that refuse (`deny`, `require_approval`) treat such a name as possibly theirs, so
/// `public.orders` catches `DELETE FROM orders`; `allow` rules only count it when the
/// pattern's missing parts are `*`, so `public.orders` does not allow `SELECT * FROM orders`
/// (write `orders` or `*.orders` for that).
///
/// For other protocols (paths, resources) the whole pattern is one glob over the whole object.
final class PolicyObjectPattern: Sendable {
    /// The pattern as written.
    let pattern: String
    /// One glob per dotted part, in order.
    let parts: [PolicyGlob]
    /// The whole pattern as one glob (non-SQL protocols, and patterns with `\.`).
    let whole: PolicyGlob
    /// The pattern has an escaped dot: it is matched against whole names.
    let matchesWholeName: Bool

    /// How an object whose name has fewer parts than the pattern is judged.
    enum Qualification: Sendable {
        /// The missing parts may be anything (rules that refuse).
        case possibly
        /// The missing parts must be `*` in the pattern (rules that allow).
        case certainly
    }

    init(_ pattern: String) throws(PolicyGlob.Problem) {
        self.pattern = pattern
        self.whole = try PolicyGlob(pattern)
        var parts: [PolicyGlob] = []
        for text in Self.splitParts(pattern) {
            guard !text.isEmpty else {
                throw PolicyGlob.Problem(message: "pattern '\(pattern)' has an empty name part (two dots in a row, or a dot at an end)")
            }
            parts.append(try PolicyGlob(text))
        }
        self.parts = parts
        self.matchesWholeName = pattern.contains("\\.")
    }

    /// Whether `object` matches.
    /// - Parameters:
    ///   - sql: Whether `object` is a dotted SQL name (PostgreSQL, MySQL).
    ///   - qualification: How to judge a name with fewer parts than the pattern.
    func matches(_ object: String, sql: Bool, qualification: Qualification) -> Bool {
        guard sql && !matchesWholeName else { return whole.matches(object) }
        if let result = object.utf8.withContiguousStorageIfAvailable({ matchesDotted($0, qualification) }) {
            return result
        }
        return Array(object.utf8).withUnsafeBufferPointer { matchesDotted($0, qualification) }
    }

    private func matchesDotted(_ name: UnsafeBufferPointer<UInt8>, _ qualification: Qualification) -> Bool {
        // Walk the name's parts from the end, pairing each with the pattern's parts from the end.
        var end = name.count
        var part = parts.count - 1
        while part >= 0 {
            var start = end
            while start > 0 && name[start - 1] != UInt8(ascii: ".") { start -= 1 }
            let piece = UnsafeBufferPointer(rebasing: name[start..<end])
            guard parts[part].matches(piece) else { return false }
            part -= 1
            if start == 0 {
                // The name has no more parts; the pattern may still have some.
                guard part >= 0 else { return true }
                switch qualification {
                case .possibly:
                    return true
                case .certainly:
                    return parts[0...part].allSatisfy(\.matchesAnything)
                }
            }
            end = start - 1
        }
        return true
    }

    /// Splits at dots outside `[...]` and not escaped; escapes stay in the parts.
    private static func splitParts(_ pattern: String) -> [String] {
        var parts: [String] = []
        var current: [UInt8] = []
        var inSet = false
        var escaped = false
        for byte in pattern.utf8 {
            if escaped {
                current.append(byte)
                escaped = false
                continue
            }
            switch byte {
            case UInt8(ascii: "\\"):
                escaped = true
                current.append(byte)
            case UInt8(ascii: "["):
                inSet = true
                current.append(byte)
            case UInt8(ascii: "]"):
                inSet = false
                current.append(byte)
            case UInt8(ascii: ".") where !inSet:
                parts.append(String(decoding: current, as: UTF8.self))
                current = []
            default:
                current.append(byte)
            }
        }
        parts.append(String(decoding: current, as: UTF8.self))
        return parts
    }
}
