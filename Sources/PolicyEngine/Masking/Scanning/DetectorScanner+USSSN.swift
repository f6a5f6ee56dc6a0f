/// US social security numbers.
extension DetectorScanner {
    /// `AAA-GG-SSSS` with a valid area (not 000, 666 or 900–999), group (not 00) and serial
    /// (not 0000), standing alone.
    static func matchUSSSN(_ t: ScanText, _ s: Int) throws(NeedMoreInput) -> Range<Int>? {
        let dash = UInt8(ascii: "-")
        guard let area = try t.number(at: s, length: 3), try t.byte(s + 3) == dash,
              let group = try t.number(at: s + 4, length: 2), try t.byte(s + 6) == dash,
              let serial = try t.number(at: s + 7, length: 4), try t.isNumberEnd(s + 11)
        else { return nil }
        guard area != 0, area != 666, area < 900, group != 0, serial != 0 else { return nil }
        return s..<(s + 11)
    }
}
