/// Phone numbers.
extension DetectorScanner {
    /// E.164 (`+` and 8–15 digits with optional separators and one parenthesised group),
    /// `(area) number` with 10–11 digits, or separated national groups with 10–11 digits.
    static func matchPhone(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        switch t.bytes[s] {
        case UInt8(ascii: "+"): return try matchInternationalPhone(t, s)
        case UInt8(ascii: "("): return try matchParenthesisedPhone(t, s)
        default: return try matchNationalPhone(t, s)
        }
    }

    @inline(__always)
    private static func isPhoneSeparator(_ b: UInt8) -> Bool {
        b == 0x20 || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")
    }

    /// `+44 20 7946 0958`, `+1 (555) 123-4567`, `+44 (0)20 7946 0958`, `+4915112345678`.
    private static func matchInternationalPhone(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard let first = try t.byte(s + 1), ByteClass.isDigit(first), first != UInt8(ascii: "0") else { return nil }
        var index = s + 1
        var digits = 0
        var parenthesised = false
        while true {
            let run = try t.digitRun(at: index)
            digits += run
            index += run
            if digits > 15 { return nil }
            guard let b = try t.byte(index) else { break }
            let next = isPhoneSeparator(b) ? index + 1 : index
            guard let c = try t.byte(next) else { break }
            if ByteClass.isDigit(c), next > index {
                index = next
                continue
            }
            if c == UInt8(ascii: "("), !parenthesised {
                let inner = try t.digitRun(at: next + 1)
                guard (1...4).contains(inner), try t.byte(next + 1 + inner) == UInt8(ascii: ")") else { break }
                var after = next + 2 + inner
                if let d = try t.byte(after), d == 0x20 || d == UInt8(ascii: "-") { after += 1 }
                guard let d = try t.byte(after), ByteClass.isDigit(d) else { break }
                parenthesised = true
                digits += inner
                index = after
                continue
            }
            break
        }
        guard (8...15).contains(digits), try t.isNumberEnd(index) else { return nil }
        return s..<index
    }

    /// `(555) 123-4567`, `(020) 7946 0958`.
    private static func matchParenthesisedPhone(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        let area = try t.digitRun(at: s + 1)
        guard (2...4).contains(area), try t.byte(s + 1 + area) == UInt8(ascii: ")") else { return nil }
        var index = s + 2 + area
        if try t.byte(index) == 0x20 { index += 1 }
        var digits = area
        var groups = 0
        while true {
            let run = try t.digitRun(at: index)
            guard run > 0 else { return nil }
            digits += run
            groups += 1
            index += run
            if digits > 11 { return nil }
            guard let b = try t.byte(index), isPhoneSeparator(b), let c = try t.byte(index + 1), ByteClass.isDigit(c) else { break }
            index += 1
        }
        guard digits >= 10, try t.isNumberEnd(index) else { return nil }
        return s..<index
    }

    /// `555-123-4567`, `555.123.4567`, `020 7946 0958`, `06 12 34 56 78`, `030 12345678`:
    /// one kind of separator throughout, 10–11 digits, and either three or more groups of
    /// 2–4 digits (with dots: exactly 3-3-4) or a trunk-prefixed area code (`0` and 2–5
    /// digits) and a 6–8 digit number.
    private static func matchNationalPhone(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        var separator: UInt8 = 0
        var digits = 0
        var groups = 0
        var first = 0, last = 0
        var groupsOfTwoToFour = true
        var nanp = true  // 3-3-4 so far
        while true {
            let run = try t.digitRun(at: index)
            if groups == 0 { first = run }
            last = run
            if !(2...4).contains(run) { groupsOfTwoToFour = false }
            if run != (groups < 2 ? 3 : 4) { nanp = false }
            digits += run
            groups += 1
            index += run
            if digits > 11 { return nil }
            guard let b = try t.byte(index), isPhoneSeparator(b), separator == 0 || separator == b,
                  let c = try t.byte(index + 1), ByteClass.isDigit(c) else { break }
            separator = b
            index += 1
        }
        guard digits >= 10, try t.isNumberEnd(index) else { return nil }
        let shaped: Bool
        if separator == UInt8(ascii: ".") {
            shaped = groups == 3 && nanp
        } else if groups >= 3 {
            shaped = groupsOfTwoToFour
        } else {
            shaped = groups == 2 && t.bytes[s] == UInt8(ascii: "0") && (3...6).contains(first) && (6...8).contains(last)
        }
        return shaped ? s..<index : nil
    }
}
