/// A significant token (not whitespace, not a comment) as the classifier sees it.
struct SQLWord {
    var kind: SQLToken.Kind
    var range: Range<Int>
    /// The keyword, for keywords/identifiers the classifier knows; ``SQLKeyword/none`` otherwise.
    var keyword: SQLKeyword
    /// The byte of a one-byte operator or punctuation token (`(`, `,`, `=`), else 0.
    var punct: UInt8
    /// Parenthesis depth: tokens inside `( ... )` are one deeper than the parentheses.
    var depth: Int

    /// The significant tokens of `tokens[range]` with their depths.
    static func words(
        _ tokens: [SQLToken],
        in range: Range<Int>,
        bytes: UnsafeBufferPointer<UInt8>
    ) -> [SQLWord] {
        var result: [SQLWord] = []
        result.reserveCapacity(range.count / 2 + 2)
        var depth = 0
        for index in range {
            let token = tokens[index]
            switch token.kind {
            case .whitespace, .comment, .semicolon:
                continue
            case .keywordOrIdentifier:
                let keyword = SQLKeyword.lookup(bytes, token.range)
                result.append(SQLWord(kind: token.kind, range: token.range, keyword: keyword, punct: 0, depth: depth))
            case .operatorOrPunctuation:
                let punct = token.range.count == 1 ? bytes[token.range.lowerBound] : 0
                if punct == UInt8(ascii: ")") { depth = max(0, depth - 1) }
                result.append(SQLWord(kind: token.kind, range: token.range, keyword: .none, punct: punct, depth: depth))
                if punct == UInt8(ascii: "(") { depth += 1 }
            default:
                result.append(SQLWord(kind: token.kind, range: token.range, keyword: .none, punct: 0, depth: depth))
            }
        }
        return result
    }

    /// `bytes[range]` with ASCII letters mapped to one case (any length).
    static func caseMapped(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, upper: Bool) -> String {
        String(unsafeUninitializedCapacity: range.count) { buffer in
            var i = 0
            for index in range {
                var b = bytes[index]
                if upper {
                    if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { b -= 0x20 }
                } else if b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") {
                    b += 0x20
                }
                buffer[i] = b
                i += 1
            }
            return i
        }
    }
}
