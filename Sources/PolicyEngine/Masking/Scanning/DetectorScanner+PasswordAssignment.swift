/// `password=...`-style assignments: the value is masked, the key stays.
extension DetectorScanner {
    /// The most of a value masked (and held back by a stream).
    static let secretValueLimit = 1024

    /// A key that marks its value as secret, matched as a case-insensitive suffix of the
    /// key (`db_password`, `PGPASSWORD`, `clientSecret`, `x-api-key`, `access_token`).
    private struct SecretKey {
        let suffix: [UInt8]
        /// The keyword must be the whole key or follow `_`, `.` or `-` (short ones, like `pwd`).
        let needsSeparator: Bool
        /// SQL's `PASSWORD 'value'` form: a quoted value after blanks, without `=` or `:`.
        let takesBareQuotedValue: Bool
        /// `Authorization: Bearer <credential>`: a scheme word may precede the value.
        let takesScheme: Bool

        init(_ suffix: String, needsSeparator: Bool = false, takesBareQuotedValue: Bool = false, takesScheme: Bool = false) {
            self.suffix = Array(suffix.utf8)
            self.needsSeparator = needsSeparator
            self.takesBareQuotedValue = takesBareQuotedValue
            self.takesScheme = takesScheme
        }
    }

    private static let secretKeys: [SecretKey] = [
        SecretKey("password", takesBareQuotedValue: true), SecretKey("passwd", takesBareQuotedValue: true),
        SecretKey("pwd", needsSeparator: true), SecretKey("secret"), SecretKey("token"),
        SecretKey("api_key"), SecretKey("apikey"), SecretKey("api-key"), SecretKey("access_key"),
        SecretKey("secret_key"), SecretKey("private_key"), SecretKey("authorization", takesScheme: true),
    ]

    static func matchPasswordAssignment(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        while let b = try t.byte(index), ByteClass.isWord(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") {
            index += 1
            if index - s > 64 { return nil }
        }
        guard let key = secretKey(t, s, index) else { return nil }
        var quotedKey = false
        if let b = try t.byte(index), b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
            quotedKey = true
            index += 1
        }
        let keyEnd = index
        index = try skipBlanks(t, from: index)
        guard let op = try t.byte(index) else { return nil }
        if op == UInt8(ascii: "=") || op == UInt8(ascii: ":") {
            index += 1
            // `:=` and `=>`
            if let b = try t.byte(index), (op == UInt8(ascii: ":") && b == UInt8(ascii: "=")) || (op == UInt8(ascii: "=") && b == UInt8(ascii: ">")) {
                index += 1
            }
            index = try skipBlanks(t, from: index)
        } else if op == UInt8(ascii: "'") || op == UInt8(ascii: "\""), key.takesBareQuotedValue, !quotedKey, index > keyEnd {
            // SQL: PASSWORD 'value'
        } else {
            return nil
        }
        if key.takesScheme { index = try skipScheme(t, from: index) }
        return try secretValue(t, from: index)
    }

    /// The secret keyword `start..<end` ends with, if any.
    private static func secretKey(_ t: ScanText, _ start: Int, _ end: Int) -> SecretKey? {
        guard end > start else { return nil }
        // Every keyword ends in one of these; most identifiers are rejected here.
        switch ByteClass.lower(t.bytes[end - 1]) {
        case UInt8(ascii: "d"), UInt8(ascii: "t"), UInt8(ascii: "n"), UInt8(ascii: "y"): break
        default: return nil
        }
        candidates: for key in secretKeys where key.suffix.count <= end - start {
            let offset = end - key.suffix.count
            for (position, letter) in key.suffix.enumerated() where ByteClass.lower(t.bytes[offset + position]) != letter {
                continue candidates
            }
            if key.needsSeparator, offset > start {
                let before = t.bytes[offset - 1]
                guard before == UInt8(ascii: "_") || before == UInt8(ascii: ".") || before == UInt8(ascii: "-") else { continue }
            }
            return key
        }
        return nil
    }

    /// Up to 16 spaces or tabs; nil-safe at the end of the text.
    private static func skipBlanks(_ t: ScanText, from start: Int) throws(NeedMoreInput) -> Int {
        var index = start
        while index - start < 16, let b = try t.byte(index), ByteClass.isBlank(b) { index += 1 }
        return index
    }

    /// Past an authentication scheme (`Bearer `, `Basic `) when a credential follows it.
    private static func skipScheme(_ t: ScanText, from start: Int) throws(NeedMoreInput) -> Int {
        var index = start
        while index - start <= 16, let b = try t.byte(index), ByteClass.isAlpha(b) { index += 1 }
        guard index > start, index - start <= 16, try t.byte(index) == 0x20,
              let next = try t.byte(index + 1), !ByteClass.isSpace(next) else { return start }
        return index + 1
    }

    /// The value at `start`: inside its quotes when quoted (SQL `''` and backslash escapes
    /// allowed), else up to a blank or delimiter; at most ``secretValueLimit`` bytes.
    private static func secretValue(_ t: ScanText, from start: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard let quote = try t.byte(start) else { return nil }
        guard quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { return try bareValue(t, from: start) }
        var index = start + 1
        while index - start <= secretValueLimit, let b = try t.byte(index), b != 0x0A {
            if b == UInt8(ascii: "\\") {
                index += 2
            } else if b == quote {
                if quote == UInt8(ascii: "'"), try t.byte(index + 1) == quote {
                    index += 2
                    continue
                }
                return index > start + 1 ? (start + 1)..<index : nil
            } else {
                index += 1
            }
        }
        // No closing quote nearby: mask what follows the quote as a bare value.
        return try bareValue(t, from: start + 1)
    }

    private static func bareValue(_ t: ScanText, from start: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = start
        while index - start < secretValueLimit, let b = try t.byte(index), !isValueEnd(b) { index += 1 }
        return index > start ? start..<index : nil
    }

    @inline(__always)
    private static func isValueEnd(_ b: UInt8) -> Bool {
        switch b {
        case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C, UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "&"), UInt8(ascii: "\""),
             UInt8(ascii: "'"), UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: "<"), UInt8(ascii: ">"):
            true
        default:
            false
        }
    }
}
