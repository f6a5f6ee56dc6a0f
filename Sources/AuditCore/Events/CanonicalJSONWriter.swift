/// Appends canonical JSON to a byte buffer. See ``AuditEvent/canonicalJSON()`` for the rules.
///
/// Hand-written rather than `JSONEncoder`: it is on the append hot path and its output
/// must never change between Foundation versions, because chain hashes depend on it.
struct CanonicalJSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func raw(_ byte: UInt8) {
        bytes.append(byte)
    }

    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// A JSON string: `"` + UTF-8 with `"` `\` and C0 controls escaped + `"`.
    mutating func string(_ value: String) {
        bytes.append(0x22)
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            var index = 0
            let count = utf8.count
            while index < count {
                let byte = utf8[index]
                if Self.needsEscape(byte) {
                    if runStart < index {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                    }
                    escape(byte)
                    runStart = index + 1
                }
                index += 1
            }
            if runStart < count {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
            }
        }
        bytes.append(0x22)
    }

    private mutating func escape(_ byte: UInt8) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.longestEscape) { scratch in
            let length = Self.writeEscape(byte, to: UnsafeMutableRawPointer(scratch.baseAddress!), at: 0)
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<length]))
        }
    }

    /// Whether a string's `byte` is written escaped: `"`, `\` and C0 controls. With
    /// ``writeEscape(_:to:at:)``, the one escape table of the canonical encoding, shared by
    /// the recorder's ``JSONStringBytes``.
    @inline(__always)
    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C
    }

    /// The most bytes an escape takes (`\u00xx`).
    static let longestEscape = 6

    /// Writes the escape of `byte` (one that ``needsEscape(_:)``) at `offset` in `target`:
    /// `\"` `\\` `\b` `\f` `\n` `\r` `\t`, else `\u00xx` in lowercase hex. Returns the
    /// offset after it.
    @inline(__always)
    static func writeEscape(_ byte: UInt8, to target: UnsafeMutableRawPointer, at offset: Int) -> Int {
        let second: UInt8
        switch byte {
        case 0x22: second = 0x22
        case 0x5C: second = 0x5C
        case 0x08: second = UInt8(ascii: "b")
        case 0x0C: second = UInt8(ascii: "f")
        case 0x0A: second = UInt8(ascii: "n")
        case 0x0D: second = UInt8(ascii: "r")
        case 0x09: second = UInt8(ascii: "t")
        default:
            let low = byte & 0x0F
            target.storeBytes(of: 0x5C, toByteOffset: offset, as: UInt8.self)
            target.storeBytes(of: UInt8(ascii: "u"), toByteOffset: offset + 1, as: UInt8.self)
            target.storeBytes(of: 0x30, toByteOffset: offset + 2, as: UInt8.self)
            target.storeBytes(of: 0x30, toByteOffset: offset + 3, as: UInt8.self)
            target.storeBytes(of: 0x30 + (byte >> 4), toByteOffset: offset + 4, as: UInt8.self)  // 0 or 1
            target.storeBytes(of: low < 10 ? 0x30 + low : UInt8(ascii: "a") - 10 + low, toByteOffset: offset + 5, as: UInt8.self)
            return offset + 6
        }
        target.storeBytes(of: 0x5C, toByteOffset: offset, as: UInt8.self)
        target.storeBytes(of: second, toByteOffset: offset + 1, as: UInt8.self)
        return offset + 2
    }

    /// A base-10 integer, `-` for negatives, no leading zeros.
    mutating func integer(_ value: Int64) {
        if value >= 0 && value < 10 {
            bytes.append(0x30 + UInt8(value))
        } else {
            bytes.append(contentsOf: String(value).utf8)  // small string: no heap allocation
        }
    }

    /// A finite double as Swift's shortest round-trip text (`Double.description`,
    /// e.g. `1.0`, `0.1`, `1e-05`, `5e+20`); NaN and infinities as `null`.
    mutating func double(_ value: Double) {
        guard value.isFinite else {
            raw("null")
            return
        }
        bytes.append(contentsOf: value.description.utf8)
    }

    mutating func bool(_ value: Bool) {
        if value { raw("true") } else { raw("false") }
    }

    mutating func value(_ value: AuditValue) {
        switch value {
        case .string(let string): self.string(string)
        case .int(let int): integer(int)
        case .double(let double): self.double(double)
        case .bool(let bool): self.bool(bool)
        case .null: raw("null")
        case .array(let elements):
            bytes.append(0x5B)
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                self.value(element)
            }
            bytes.append(0x5D)
        case .object(let members):
            object(members)
        }
    }

    /// An object with members sorted by the UTF-8 bytes of their keys.
    mutating func object(_ members: [String: AuditValue]) {
        bytes.append(0x7B)
        if members.count == 1, let (key, member) = members.first {
            string(key)
            bytes.append(0x3A)
            value(member)
        } else if !members.isEmpty {
            let keys = members.keys.sorted(by: Self.utf8Precedes)
            for (index, key) in keys.enumerated() {
                if index > 0 { bytes.append(0x2C) }
                string(key)
                bytes.append(0x3A)
                value(members[key]!)
            }
        }
        bytes.append(0x7D)
    }

    mutating func stringArray(_ elements: [String]) {
        bytes.append(0x5B)
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(0x2C) }
            string(element)
        }
        bytes.append(0x5D)
    }

    static func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
