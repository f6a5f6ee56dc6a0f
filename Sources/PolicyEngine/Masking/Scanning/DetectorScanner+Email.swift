/// E-mail addresses.
extension DetectorScanner {
    /// `local@domain`: a local part of up to 64 letters, digits and `._%+-`; a domain of
    /// dot-separated labels (letters, digits, inner `-`, up to 63 each, 253 in all) with at
    /// least two labels, the last alphabetic. Dots and dashes trailing the domain (the end
    /// of a sentence) are not part of it.
    static func matchEmail(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        while true {
            guard let b = try t.byte(index) else { return nil }
            if b == UInt8(ascii: "@") { break }
            guard ByteClass.isEmailLocal(b), index - s < 64 else { return nil }
            index += 1
        }
        let domainStart = index + 1
        var end = domainStart
        while let b = try t.byte(end), ByteClass.isAlnum(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") {
            end += 1
            if end - domainStart > 253 { return nil }
        }
        if let b = try t.byte(end), b == UInt8(ascii: "_") || b == UInt8(ascii: "@") { return nil }
        while end > domainStart, t.bytes[end - 1] == UInt8(ascii: ".") || t.bytes[end - 1] == UInt8(ascii: "-") { end -= 1 }
        return isDomain(t, domainStart, end) ? s..<end : nil
    }

    private static func isDomain(_ t: ScanText, _ start: Int, _ end: Int) -> Bool {
        var labels = 0
        var labelStart = start
        var alphabetic = true
        for index in start...end {
            let b = index < end ? t.bytes[index] : UInt8(ascii: ".")
            if b == UInt8(ascii: ".") {
                let length = index - labelStart
                guard length > 0, length <= 63, t.bytes[index - 1] != UInt8(ascii: "-") else { return false }
                labels += 1
                if index == end { return labels >= 2 && alphabetic && length >= 2 }
                labelStart = index + 1
                alphabetic = true
            } else {
                if index == labelStart, b == UInt8(ascii: "-") { return false }
                if !ByteClass.isAlpha(b) { alphabetic = false }
            }
        }
        return false
    }
}
