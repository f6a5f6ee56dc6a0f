/// Finds SQL-standard routine bodies as the PostgreSQL server's grammar does: in a
/// statement starting `CREATE [OR REPLACE] FUNCTION|PROCEDURE`, `BEGIN ATOMIC` (outside
/// parentheses) opens a body whose statements each end in a semicolon, and the body closes
/// at the first `END` that stands where a body statement would start (right after
/// `ATOMIC` or after a semicolon). Semicolons inside the body do not end the statement.
///
/// `END` and `CASE` elsewhere in the body are ignored: they may close a `CASE` expression
/// or be plain labels (`SELECT 1 AS case`, `SELECT 1 case`, `t.end`), and counting them, as
/// `psql`'s heuristic does, would let a label keep the body "open" past its real end and hide
/// the statements after it. The server never reads `END` as a statement inside a body
/// (`END` as COMMIT is a top-level statement only), and rejects a routine defined inside a
/// body, so bodies do not nest.
struct SQLRoutineBodyTracker {
    private enum Prefix { case start, create, createOr, createOrReplace, routine, other }
    private var prefix = Prefix.start
    private var parenDepth = 0
    private var pendingBegin = false
    /// Inside a body, and the next token starts a body statement.
    private var atBodyStatementStart = false

    private(set) var insideBody = false

    mutating func observe(_ token: SQLToken, bytes: UnsafeBufferPointer<UInt8>) {
        if insideBody {
            observeInsideBody(token, bytes: bytes)
            return
        }
        if token.kind == .operatorOrPunctuation && token.range.count == 1 {
            let b = bytes[token.range.lowerBound]
            if b == UInt8(ascii: "(") { parenDepth += 1 } else if b == UInt8(ascii: ")") { parenDepth = max(0, parenDepth - 1) }
        }
        let isWord = token.kind == .keywordOrIdentifier
        if pendingBegin {
            pendingBegin = false
            if isWord && parenDepth == 0 && Self.equals(bytes, token.range, "ATOMIC") {
                insideBody = true
                atBodyStatementStart = true
                return
            }
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
            if parenDepth == 0 && Self.equals(bytes, token.range, "BEGIN") { pendingBegin = true }
        case .other: return
        }
    }

    private mutating func observeInsideBody(_ token: SQLToken, bytes: UnsafeBufferPointer<UInt8>) {
        if token.kind == .semicolon {
            atBodyStatementStart = true
            return
        }
        if atBodyStatementStart && token.kind == .keywordOrIdentifier && Self.equals(bytes, token.range, "END") {
            insideBody = false
        }
        atBodyStatementStart = false
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
