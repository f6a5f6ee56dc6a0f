/// Cloud access keys, JWTs and PEM private key blocks.
extension DetectorScanner {
    /// The most of a PEM block masked (and held back by a stream).
    static let pemBlockLimit = 64 * 1024
    /// The most of a JWT masked (and held back by a stream).
    static let jwtLimit = 8 * 1024

    /// `AKIA`/`ASIA` and 16 upper-case letters or digits.
    static func matchAWSAccessKey(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard let kind = try t.byte(s + 1), kind == UInt8(ascii: "K") || kind == UInt8(ascii: "S"),
              try t.has("IA", at: s + 2) else { return nil }
        for index in (s + 4)..<(s + 20) {
            guard let b = try t.byte(index), ByteClass.isUpper(b) || ByteClass.isDigit(b) else { return nil }
        }
        if let b = try t.byte(s + 20), ByteClass.isWord(b) { return nil }
        return s..<(s + 20)
    }

    /// `AIza` and 35 base64url characters.
    static func matchGCPAPIKey(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard try t.has("AIza", at: s) else { return nil }
        for index in (s + 4)..<(s + 39) {
            guard let b = try t.byte(index), ByteClass.isBase64URL(b) else { return nil }
        }
        if let b = try t.byte(s + 39), ByteClass.isBase64URL(b) { return nil }
        return s..<(s + 39)
    }

    /// `eyJ...` header (10+ characters), `.`, payload (2+), `.`, signature (may be empty),
    /// and for JWE two more segments. Longer than ``jwtLimit``: the first ``jwtLimit`` bytes,
    /// once past the header.
    static func matchJWT(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard try t.has("eyJ", at: s) else { return nil }
        let limit = s + jwtLimit
        func segment(from start: Int) throws(NeedMoreInput) -> Int {
            var end = start
            while end < limit, let b = try t.byte(end), ByteClass.isBase64URL(b) { end += 1 }
            return end
        }
        let header = try segment(from: s)
        guard header - s >= 10, header < limit else { return nil }  // a header that long is a blob, not a token
        guard try t.byte(header) == UInt8(ascii: ".") else { return nil }
        let payload = try segment(from: header + 1)
        guard payload - header > 2, payload < limit else { return payload == limit ? s..<limit : nil }
        guard try t.byte(payload) == UInt8(ascii: ".") else { return nil }
        var end = try segment(from: payload + 1)
        var extra = 0
        while extra < 2, end < limit, try t.byte(end) == UInt8(ascii: "."), let next = try t.byte(end + 1), ByteClass.isBase64URL(next) {
            end = try segment(from: end + 1)
            extra += 1
        }
        return s..<end
    }

    /// `-----BEGIN <label>PRIVATE KEY-----` (or `PRIVATE KEY BLOCK`) through the next
    /// `-----END <label>-----`; unterminated: to the end of the text or ``pemBlockLimit``.
    static func matchPEMPrivateKey(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        guard try t.has("-----BEGIN ", at: s) else { return nil }
        let labelStart = s + 11
        let labelEnd = try pemLabelEnd(t, from: labelStart)
        guard labelEnd - labelStart <= 40, try t.has("-----", at: labelEnd),
              t.range(labelStart, labelEnd, endsWith: "PRIVATE KEY") || t.range(labelStart, labelEnd, endsWith: "PRIVATE KEY BLOCK")
        else { return nil }
        let limit = s + pemBlockLimit
        var index = labelEnd + 5
        while index < limit {
            guard let b = try t.byte(index) else { return s..<index }
            if b == UInt8(ascii: "-"), try t.has("-----END ", at: index) {
                let end = try pemLabelEnd(t, from: index + 9)
                if end + 5 <= limit, try t.has("-----", at: end) { return s..<(end + 5) }
                index = end
                continue
            }
            index += 1
        }
        return s..<limit
    }

    /// The end of a run of upper-case letters, digits and spaces (a PEM label), at most 41 long.
    private static func pemLabelEnd(_ t: ScanText, from start: Int) throws(NeedMoreInput) -> Int {
        var end = start
        while end - start <= 40, let b = try t.byte(end), ByteClass.isUpper(b) || ByteClass.isDigit(b) || b == 0x20 { end += 1 }
        return end
    }
}
