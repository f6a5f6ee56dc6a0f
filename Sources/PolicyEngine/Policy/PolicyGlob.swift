/// A compiled shell-style pattern, as policy files write names: `*` matches any run of
/// characters (also none), `?` one character, `[abc]`, `[a-z]` and `[!a-z]` one character
/// from (or not from) an ASCII set, and `\` makes the next character literal.
///
/// Matching is case-sensitive and works on UTF-8 bytes without allocating. The common
/// shapes (`*`, `exact`, `prefix*`, `*suffix`, `*middle*`) take a fast path.
struct PolicyGlob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    let pattern: String
    private let shape: Shape

    private enum Shape: Sendable, Hashable {
        case anything
        case exact([UInt8])
        case prefix([UInt8])
        case suffix([UInt8])
        case infix([UInt8])
        case general([Element])
    }

    private enum Element: Sendable, Hashable {
        case literal([UInt8])
        case oneCharacter
        case anyRun
        /// One character from an ASCII set (a 128-bit mask), or not from it.
        case set(low: UInt64, high: UInt64, negated: Bool)
    }

    /// Why a pattern cannot be compiled.
    struct Problem: Error, Sendable, Hashable {
        var message: String
    }

    /// Compiles `pattern`.
    /// - Throws: ``Problem`` for an empty pattern, a trailing `\`, an unterminated or empty
    ///   `[...]`, a reversed range, or a non-ASCII character inside `[...]`.
    init(_ pattern: String) throws(Problem) {
        self.pattern = pattern
        let bytes = Array(pattern.utf8)
        guard !bytes.isEmpty else { throw Problem(message: "an empty pattern matches nothing; remove it, or write \"*\" for anything") }
        var elements: [Element] = []
        var literal: [UInt8] = []
        func flushLiteral() {
            if !literal.isEmpty {
                elements.append(.literal(literal))
                literal = []
            }
        }
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\\"):
                guard index + 1 < bytes.count else {
                    throw Problem(message: "pattern '\(pattern)' ends in a lone '\\'; write '\\\\' for a backslash")
                }
                literal.append(bytes[index + 1])
                index += 2
            case UInt8(ascii: "*"):
                flushLiteral()
                if elements.last != .anyRun { elements.append(.anyRun) }
                index += 1
            case UInt8(ascii: "?"):
                flushLiteral()
                elements.append(.oneCharacter)
                index += 1
            case UInt8(ascii: "["):
                flushLiteral()
                let (element, next) = try Self.parseSet(bytes, from: index, pattern: pattern)
                elements.append(element)
                index = next
            default:
                literal.append(byte)
                index += 1
            }
        }
        flushLiteral()
        switch elements.count {
        case 1:
            if case .literal(let text) = elements[0] {
                shape = .exact(text)
            } else if elements[0] == .anyRun {
                shape = .anything
            } else {
                shape = .general(elements)
            }
        case 2:
            if case .literal(let text) = elements[0], elements[1] == .anyRun {
                shape = .prefix(text)
            } else if case .literal(let text) = elements[1], elements[0] == .anyRun {
                shape = .suffix(text)
            } else {
                shape = .general(elements)
            }
        case 3:
            if elements[0] == .anyRun, elements[2] == .anyRun, case .literal(let text) = elements[1] {
                shape = .infix(text)
            } else {
                shape = .general(elements)
            }
        default:
            shape = .general(elements)
        }
    }

    /// A pattern that matches exactly `text`, wildcard characters included.
    init(literal text: String) {
        self.pattern = text
        self.shape = .exact(Array(text.utf8))
    }

    var description: String { pattern }

    /// Whether the pattern matches every string (`*`).
    var matchesAnything: Bool { shape == .anything }

    /// The one string the pattern matches when it has no wildcards (escapes resolved).
    var exactValue: String? {
        if case .exact(let bytes) = shape { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    /// Whether `text` matches the whole pattern.
    func matches(_ text: String) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable({ matches($0) }) { return result }
        return Array(text.utf8).withUnsafeBufferPointer { matches($0) }
    }

    /// Whether the UTF-8 `text` matches the whole pattern.
    func matches(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        switch shape {
        case .anything:
            return true
        case .exact(let literal):
            return text.count == literal.count && Self.equal(text, at: 0, literal)
        case .prefix(let literal):
            return text.count >= literal.count && Self.equal(text, at: 0, literal)
        case .suffix(let literal):
            return text.count >= literal.count && Self.equal(text, at: text.count - literal.count, literal)
        case .infix(let literal):
            return Self.find(literal, in: text, from: 0) != nil
        case .general(let elements):
            return Self.matchGeneral(elements, text)
        }
    }

    // MARK: - Matching

    @inline(__always)
    private static func equal(_ text: UnsafeBufferPointer<UInt8>, at offset: Int, _ literal: [UInt8]) -> Bool {
        guard offset >= 0, offset + literal.count <= text.count else { return false }
        var index = 0
        while index < literal.count {
            if text[offset + index] != literal[index] { return false }
            index += 1
        }
        return true
    }

    private static func find(_ literal: [UInt8], in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard literal.count <= text.count else { return nil }
        var offset = start
        while offset + literal.count <= text.count {
            if equal(text, at: offset, literal) { return offset }
            offset += 1
        }
        return nil
    }

    /// The length of the UTF-8 scalar starting at `offset` (1 for a stray byte).
    @inline(__always)
    private static func scalarLength(_ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int {
        var end = offset + 1
        while end < text.count && text[end] & 0xC0 == 0x80 { end += 1 }
        return end - offset
    }

    /// Wildcard matching with one backtracking point (the last `*`), which suffices when
    /// every other element matches a fixed piece of text.
    private static func matchGeneral(_ elements: [Element], _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var element = 0
        var offset = 0
        var starElement = -1
        var starOffset = 0
        while true {
            if element < elements.count {
                if case .anyRun = elements[element] {
                    starElement = element + 1
                    starOffset = offset
                    element += 1
                    continue
                }
                if offset < text.count, let length = matchOne(elements[element], text, at: offset) {
                    element += 1
                    offset += length
                    continue
                }
            } else if offset == text.count {
                return true
            }
            // Mismatch: let the last `*` take one more character, or fail.
            guard starElement >= 0, starOffset < text.count else { return false }
            starOffset += scalarLength(text, at: starOffset)
            element = starElement
            offset = starOffset
        }
    }

    /// How many bytes `element` (not `*`) matches at `offset`, or nil.
    @inline(__always)
    private static func matchOne(_ element: Element, _ text: UnsafeBufferPointer<UInt8>, at offset: Int) -> Int? {
        switch element {
        case .literal(let literal):
            return equal(text, at: offset, literal) ? literal.count : nil
        case .oneCharacter:
            return scalarLength(text, at: offset)
        case .set(let low, let high, let negated):
            let byte = text[offset]
            let inSet: Bool
            if byte < 64 {
                inSet = low & (1 << UInt64(byte)) != 0
            } else if byte < 128 {
                inSet = high & (1 << UInt64(byte - 64)) != 0
            } else {
                inSet = false
            }
            return inSet != negated ? scalarLength(text, at: offset) : nil
        case .anyRun:
            return nil
        }
    }

    // MARK: - Parsing

    /// Parses `[...]` starting at `start` (the `[`); returns the element and the index after `]`.
    private static func parseSet(_ bytes: [UInt8], from start: Int, pattern: String) throws(Problem) -> (Element, Int) {
        var index = start + 1
        var negated = false
        if index < bytes.count && (bytes[index] == UInt8(ascii: "!") || bytes[index] == UInt8(ascii: "^")) {
            negated = true
            index += 1
        }
        var low: UInt64 = 0
        var high: UInt64 = 0
        func add(_ byte: UInt8) {
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
        var members: [UInt8] = []
        while index < bytes.count && bytes[index] != UInt8(ascii: "]") {
            var byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                guard index + 1 < bytes.count else { break }
                index += 1
                byte = bytes[index]
            }
            guard byte < 128 else {
                throw Problem(message: "pattern '\(pattern)': a [...] set takes ASCII characters only; use ? for any one character")
            }
            members.append(byte)
            index += 1
        }
        guard index < bytes.count else {
            throw Problem(message: "pattern '\(pattern)' has a '[' without its ']'; write '\\[' for a literal bracket")
        }
        guard !members.isEmpty else {
            throw Problem(message: "pattern '\(pattern)' has an empty set '[]'")
        }
        var member = 0
        while member < members.count {
            if member + 2 < members.count && members[member + 1] == UInt8(ascii: "-") {
                let first = members[member]
                let last = members[member + 2]
                guard first <= last else {
                    let range = String(decoding: [first, UInt8(ascii: "-"), last], as: UTF8.self)
                    throw Problem(message: "pattern '\(pattern)' has a reversed range '\(range)'")
                }
                for byte in first...last { add(byte) }
                member += 3
            } else {
                add(members[member])
                member += 1
            }
        }
        return (.set(low: low, high: high, negated: negated), index + 1)
    }
}
