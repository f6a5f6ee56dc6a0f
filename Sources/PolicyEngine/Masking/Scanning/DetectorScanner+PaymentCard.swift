/// Payment card numbers.
extension DetectorScanner {
    /// 13–19 digits, optionally in groups split by single spaces or dashes (one kind per
    /// number), Luhn-valid and with a major scheme's prefix and length. A digit run longer
    /// than 19 is an id, not a card. When grouped digits run on, the longest valid prefix
    /// ending at a group wins.
    static func matchPaymentCard(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        var digits = 0
        var separator: UInt8 = 0
        var ends = CandidateEnds()  // group ends, where a card may end
        while true {
            guard let b = try t.byte(index) else {
                ends.insert(index - s)
                break
            }
            if ByteClass.isDigit(b) {
                if digits == 19 { break }
                digits += 1
                index += 1
                continue
            }
            if !ByteClass.isWord(b) {
                let next = try t.byte(index + 1)
                let decimal = b == UInt8(ascii: ".") && next.map(ByteClass.isDigit) ?? false
                if !decimal { ends.insert(index - s) }
            }
            if b == 0x20 || b == UInt8(ascii: "-"), separator == 0 || separator == b,
               let next = try t.byte(index + 1), ByteClass.isDigit(next) {
                separator = b
                index += 1
                continue
            }
            break
        }
        return ends.longest(from: s) { isCardNumber(t, s, $0) }
    }

    /// Luhn, length and scheme prefix of the digits in `start..<end`.
    private static func isCardNumber(_ t: ScanText, _ start: Int, _ end: Int) -> Bool {
        var sum = 0
        var count = 0
        var index = end - 1
        while index >= start {
            let b = t.bytes[index]
            if ByteClass.isDigit(b) {
                var digit = ByteClass.digitValue(b)
                if count % 2 == 1 {
                    digit *= 2
                    if digit > 9 { digit -= 9 }
                }
                sum += digit
                count += 1
            }
            index -= 1
        }
        guard (13...19).contains(count), sum % 10 == 0 else { return false }
        var prefix = 0
        var taken = 0
        index = start
        while taken < 6 {
            let b = t.bytes[index]
            if ByteClass.isDigit(b) {
                prefix = prefix * 10 + ByteClass.digitValue(b)
                taken += 1
            }
            index += 1
        }
        return schemeAccepts(prefix: prefix, length: count)
    }

    /// Whether a card scheme issues `length`-digit numbers starting with the six digits `prefix`.
    static func schemeAccepts(prefix: Int, length: Int) -> Bool {
        let two = prefix / 10_000, three = prefix / 1_000, four = prefix / 100
        switch prefix / 100_000 {
        case 4: return length == 13 || length == 16 || length == 19  // Visa
        case 2:
            if (2221...2720).contains(four) { return length == 16 }  // Mastercard
            return (2200...2204).contains(four) && length >= 16  // Mir
        case 5:
            if (51...55).contains(two) { return length == 16 }  // Mastercard
            return two == 50 || (56...58).contains(two)  // Maestro
        case 3:
            if two == 34 || two == 37 { return length == 15 }  // American Express
            if (3528...3589).contains(four) { return length >= 16 }  // JCB
            return (two == 36 || two == 38 || two == 39 || (300...305).contains(three)) && length >= 14  // Diners Club
        case 6: return true  // Discover, UnionPay, Maestro, RuPay
        default: return false
        }
    }
}
