import Foundation

/// Strict, unpadded base64url (RFC 4648 §5) as JWS uses it (RFC 7515 §2).
///
/// Decoding rejects padding, the standard alphabet's `+` and `/`, whitespace, impossible
/// lengths and non-zero trailing bits, so every byte string has exactly one encoding.
enum TokenBase64URL {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// The 6-bit value of a base64url character, or 0xFF.
    @inline(__always)
    private static func sextet(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: 0xFF
        }
    }

    /// Encodes bytes without padding.
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var out = [UInt8]()
        out.reserveCapacity((input.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= input.count {
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8 | UInt32(input[index + 2])
            out.append(alphabet[Int((chunk >> 18) & 63)])
            out.append(alphabet[Int((chunk >> 12) & 63)])
            out.append(alphabet[Int((chunk >> 6) & 63)])
            out.append(alphabet[Int(chunk & 63)])
            index += 3
        }
        switch input.count - index {
        case 1:
            let chunk = UInt32(input[index]) << 16
            out.append(alphabet[Int((chunk >> 18) & 63)])
            out.append(alphabet[Int((chunk >> 12) & 63)])
        case 2:
            let chunk = UInt32(input[index]) << 16 | UInt32(input[index + 1]) << 8
            out.append(alphabet[Int((chunk >> 18) & 63)])
            out.append(alphabet[Int((chunk >> 12) & 63)])
            out.append(alphabet[Int((chunk >> 6) & 63)])
        default:
            break
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes unpadded base64url, or returns `nil` if `text` is not canonical base64url.
    static func decode<Text: Collection>(_ text: Text) -> Data? where Text.Element == UInt8 {
        if let result = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) {
            return result
        }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer text: UnsafeBufferPointer<UInt8>) -> Data? {
        let count = text.count
        if count % 4 == 1 { return nil }
        var out = Data(count: count * 3 / 4)
        let valid = out.withUnsafeMutableBytes { output -> Bool in
            var written = 0
            var accumulator: UInt32 = 0
            var bits: UInt32 = 0
            for byte in text {
                let value = sextet(byte)
                if value == 0xFF { return false }
                accumulator = (accumulator << 6) | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> bits)
                    written += 1
                    accumulator &= (1 << bits) - 1
                }
            }
            // Leftover bits must be zero (canonical encoding).
            return accumulator == 0 && written == output.count
        }
        return valid ? out : nil
    }

    /// Decodes a base64url string, or returns `nil`.
    static func decode(_ text: String) -> Data? {
        decode(text.utf8)
    }
}
