/// IPv4 and IPv6 addresses.
extension DetectorScanner {
    /// Four dot-separated parts of 1–3 digits, each at most 255, not followed by a word
    /// character or by `.` and more (`1.2.3.4.5` is a version number).
    static func matchIPv4(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        for part in 0..<4 {
            let digits = try t.digitRun(at: index)
            guard (1...3).contains(digits), let value = try t.number(at: index, length: digits), value <= 255 else { return nil }
            index += digits
            if part < 3 {
                guard try t.byte(index) == UInt8(ascii: ".") else { return nil }
                index += 1
            }
        }
        if let b = try t.byte(index) {
            if ByteClass.isWord(b) { return nil }
            if b == UInt8(ascii: "."), let next = try t.byte(index + 1), ByteClass.isAlnum(next) { return nil }
        }
        return s..<index
    }

    /// Eight colon-separated groups of 1–4 hex digits, or fewer with one `::`, optionally
    /// ending in a dotted IPv4 address (two groups' worth).
    static func matchIPv6(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        var index = s
        var groups = 0
        var compressed = false
        if t.bytes[s] == UInt8(ascii: ":") {
            guard try t.byte(s + 1) == UInt8(ascii: ":") else { return nil }
            compressed = true
            index += 2
        }
        var end = index
        while groups < 8 {
            var digits = 0
            while let b = try t.byte(index + digits), ByteClass.isHex(b) {
                digits += 1
                if digits > 4 { return nil }
            }
            guard digits > 0 else { break }
            if try t.byte(index + digits) == UInt8(ascii: ".") {
                guard groups <= 6, let v4 = try matchIPv4(t, index) else { return nil }
                groups += 2
                end = v4.upperBound
                break
            }
            groups += 1
            index += digits
            end = index
            guard try t.byte(index) == UInt8(ascii: ":") else { break }
            if try t.byte(index + 1) == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                index += 2
                end = index
            } else {
                guard let next = try t.byte(index + 1), ByteClass.isHex(next) else { break }
                index += 1
            }
        }
        guard groups >= 1, compressed ? groups <= 7 : groups == 8 else { return nil }
        if let b = try t.byte(end) {
            if ByteClass.isWord(b) || b == UInt8(ascii: ":") { return nil }
            if b == UInt8(ascii: "."), let next = try t.byte(end + 1), ByteClass.isAlnum(next) { return nil }
        }
        return s..<end
    }
}
