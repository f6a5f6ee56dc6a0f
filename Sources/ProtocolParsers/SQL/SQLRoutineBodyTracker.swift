/// Follows `psql`'s heuristic for SQL-standard routine bodies: in a statement starting
/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN ATOMIC` opens a body, `CASE` nests
/// inside it, and `END` closes; semicolons inside do not end the statement. Only tokens
/// outside parentheses count.
struct SQLRoutineBodyTracker {
    private enum Prefix { case start, create, createOr, createOrReplace, routine, other }
    private var prefix = Prefix.start
    private var parenDepth = 0
    private var beginDepth = 0
    private var pendingBegin = false

    var insideBody: Bool { beginDepth > 0 }

    mutating func observe(_ token: SQLToken, bytes: UnsafeBufferPointer<UInt8>) {
        if token.kind == .operatorOrPunctuation && token.range.count == 1 {
            let b = bytes[token.range.lowerBound]
            if b == UInt8(ascii: "(") { parenDepth += 1 } else if b == UInt8(ascii: ")") { parenDepth = max(0, parenDepth - 1) }
        }
        let isWord = token.kind == .keywordOrIdentifier
        if pendingBegin {
            pendingBegin = false
            if isWord && parenDepth == 0 && Self.equals(bytes, token.range, "ATOMIC") { beginDepth += 1 }
        }
        guard isWord else {
            if prefix != .routine { prefix = .other }
            return
        }
        switch prefix {
        case .start: prefix = Self.equals(bytes, token.range, "CREATE") ? .create : .other
        case .create:
            if Self.equals(bytes, token.range, "OR") {
                prefix = .createOr
            } else {
                prefix = Self.isRoutineWord(bytes, token.range) ? .routine : .other
            }
        case .createOr: prefix = Self.equals(bytes, token.range, "REPLACE") ? .createOrReplace : .other
        case .createOrReplace: prefix = Self.isRoutineWord(bytes, token.range) ? .routine : .other
        case .routine:
            guard parenDepth == 0 else { return }
            if Self.equals(bytes, token.range, "BEGIN") {
                pendingBegin = true
            } else if Self.equals(bytes, token.range, "CASE") {
                if beginDepth > 0 { beginDepth += 1 }
            } else if Self.equals(bytes, token.range, "END") {
                if beginDepth > 0 { beginDepth -= 1 }
            }
        case .other: return
        }
    }

    private static func isRoutineWord(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        equals(bytes, range, "FUNCTION") || equals(bytes, range, "PROCEDURE")
    }

    /// ASCII case-insensitive comparison of `bytes[range]` with an upper-case keyword.
    static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ keyword: StaticString) -> Bool {
        guard range.count == keyword.utf8CodeUnitCount else { return false }
        let k = keyword.utf8Start
        var i = 0
        for index in range {
            var b = bytes[index]
            if b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z") { b -= 0x20 }
            if b != k[i] { return false }
            i += 1
        }
        return true
    }
}
