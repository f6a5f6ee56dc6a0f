/// International bank account numbers.
extension DetectorScanner {
    /// Two upper-case letters, check digits 02–98, then upper-case letters and digits, 15–34
    /// in all, either unbroken or with single spaces between groups of four; valid when the
    /// ISO 7064 mod-97 remainder is 1. When a grouped IBAN runs on into more groups, the
    /// longest valid prefix ending at a group wins.
    static func matchIBAN(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard let country = try t.byte(s + 1), ByteClass.isUpper(country),
              let check = try t.number(at: s + 2, length: 2), (2...98).contains(check) else { return nil }
        var index = s + 4
        var length = 4
        var ends = CandidateEnds()
        scan: while true {
            let b = try t.byte(index)
            if let b, ByteClass.isUpper(b) || ByteClass.isDigit(b) {
                length += 1
                index += 1
                if length > 34 { break scan }
                continue
            }
            if b == 0x20, length % 4 == 0, let next = try t.byte(index + 1), ByteClass.isUpper(next) || ByteClass.isDigit(next) {
                ends.insert(index - s)
                index += 1
                continue
            }
            if !(b.map(ByteClass.isWord) ?? false) { ends.insert(index - s) }
            break
        }
        return ends.longest(from: s) { isIBAN(t, s, $0) }
    }

    /// Mod-97 over `start..<end` (spaces skipped), the first four characters moved to the end.
    private static func isIBAN(_ t: ScanText, _ start: Int, _ end: Int) -> Bool {
        var remainder = 0
        var length = 0
        func add(_ b: UInt8) {
            if ByteClass.isDigit(b) {
                remainder = (remainder * 10 + ByteClass.digitValue(b)) % 97
            } else {
                remainder = (remainder * 100 + Int(b - UInt8(ascii: "A")) + 10) % 97
            }
        }
        for index in (start + 4)..<end where t.bytes[index] != 0x20 {
            add(t.bytes[index])
            length += 1
        }
        for index in start..<(start + 4) { add(t.bytes[index]) }
        return length + 4 >= 15 && remainder == 1
    }
}
