/// Thrown by a detector that reached the end of the bytes it was given before it could
/// decide, when more may follow (streaming). The scanner then holds the candidate back.
struct NeedMoreInput: Error {}

/// The bytes a detector scanner reads: a window of text, the byte just before it, and
/// whether the text ends with the window.
struct ScanText {
    let bytes: UnsafeBufferPointer<UInt8>
    /// Whether nothing follows `bytes`. When false, reading past the end throws
    /// ``NeedMoreInput`` instead of answering "end of text".
    let isFinal: Bool
    /// The byte before `bytes[0]` (the last byte already passed on in a stream); a newline
    /// at the start of a text.
    let before: UInt8

    init(_ bytes: UnsafeBufferPointer<UInt8>, isFinal: Bool, before: UInt8 = UInt8(ascii: "\n")) {
        self.bytes = bytes
        self.isFinal = isFinal
        self.before = before
    }

    var count: Int { bytes.count }

    /// The byte at `index`, nil at the end of the text.
    /// - Throws: ``NeedMoreInput`` at the end of a window that is not the end of the text.
    @inline(__always)
    func byte(_ index: Int) throws(NeedMoreInput) -> UInt8? {
        if index < bytes.count { return bytes[index] }
        if isFinal { return nil }
        throw NeedMoreInput()
    }

    /// The byte before `index` (which must be inside the window or at its end).
    @inline(__always)
    func previous(_ index: Int) -> UInt8 {
        index > 0 ? bytes[index - 1] : before
    }

    /// Whether `literal` is at `index`.
    func has(_ literal: StaticString, at index: Int) throws(NeedMoreInput) -> Bool {
        let utf8 = literal.utf8Start
        for offset in 0..<literal.utf8CodeUnitCount {
            guard let byte = try byte(index + offset), byte == utf8[offset] else { return false }
        }
        return true
    }
}

extension ScanText {
    /// How many ASCII digits run from `index` (0 when none).
    func digitRun(at index: Int) throws(NeedMoreInput) -> Int {
        var end = index
        while let b = try byte(end), ByteClass.isDigit(b) { end += 1 }
        return end - index
    }

    /// The value of exactly `length` digits at `index`, or nil when they are not all digits.
    func number(at index: Int, length: Int) throws(NeedMoreInput) -> Int? {
        var value = 0
        for offset in 0..<length {
            guard let b = try byte(index + offset), ByteClass.isDigit(b) else { return nil }
            value = value * 10 + ByteClass.digitValue(b)
        }
        return value
    }

    /// Whether a number may end at `index`: the text ends, or the next byte is neither a
    /// word character nor a `.` or `-` leading on to more digits.
    func isNumberEnd(_ index: Int) throws(NeedMoreInput) -> Bool {
        guard let b = try byte(index) else { return true }
        if ByteClass.isWord(b) { return false }
        if b == UInt8(ascii: ".") || b == UInt8(ascii: "-"), let next = try byte(index + 1), ByteClass.isDigit(next) { return false }
        return true
    }

    /// Whether the bytes `start..<end` end with `literal` (case-sensitive).
    func range(_ start: Int, _ end: Int, endsWith literal: StaticString) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard end - start >= length else { return false }
        let utf8 = literal.utf8Start
        for offset in 0..<length where bytes[end - length + offset] != utf8[offset] { return false }
        return true
    }
}
