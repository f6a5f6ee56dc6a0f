/// ASCII character classes for the detector scanners (branch-light arithmetic, no tables).
enum ByteClass {
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    @inline(__always) static func isUpper(_ b: UInt8) -> Bool { b &- 65 < 26 }
    @inline(__always) static func isLower(_ b: UInt8) -> Bool { b &- 97 < 26 }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 97 < 26 }
    @inline(__always) static func isAlnum(_ b: UInt8) -> Bool { isDigit(b) || isAlpha(b) }
    /// Letters, digits and `_`.
    @inline(__always) static func isWord(_ b: UInt8) -> Bool { isAlnum(b) || b == UInt8(ascii: "_") }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { isDigit(b) || (b | 0x20) &- 97 < 6 }
    /// The base64url alphabet: letters, digits, `-` and `_`.
    @inline(__always) static func isBase64URL(_ b: UInt8) -> Bool { isWord(b) || b == UInt8(ascii: "-") }
    /// What an e-mail local part may hold here: letters, digits and `._%+-`.
    @inline(__always) static func isEmailLocal(_ b: UInt8) -> Bool {
        isWord(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
    /// Space or tab.
    @inline(__always) static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    /// ASCII whitespace, including line breaks.
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b &- 9 < 5 }
    @inline(__always) static func digitValue(_ b: UInt8) -> Int { Int(b &- 48) }
    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { isUpper(b) ? b | 0x20 : b }
}
