import Crypto
import Foundation

/// The hash chain rule shared by every store and verifier.
///
/// `hash(n) = SHA-256(hash(n-1) ‖ UInt64(n) as 8 bytes big-endian ‖ canonicalJSON(event n))`
/// where `hash(0)` is 32 zero bytes and `canonicalJSON` is ``AuditEvent/canonicalJSON()``.
/// Hashes are shown and stored as 64 lowercase hex digits.
public enum AuditChain {
    /// The "previous hash" of the first event: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    /// Lowercase hex of ``genesis``.
    public static let genesisHex = String(repeating: "0", count: 64)

    /// The chain hash of event `seq` with canonical body `body`, following `previous`.
    public static func hash(previous: [UInt8], seq: Int64, body: [UInt8]) -> [UInt8] {
        previous.withUnsafeBytes { previousBytes in
            body.withUnsafeBytes { bodyBytes in
                Array(digest(previous: previousBytes, seq: seq, body: bodyBytes))
            }
        }
    }

    /// The chain hash as a digest, without intermediate allocations (the writer's hot path).
    static func digest(previous: UnsafeRawBufferPointer, seq: Int64, body: UnsafeRawBufferPointer) -> SHA256Digest {
        var hasher = SHA256()
        hasher.update(bufferPointer: previous)
        withUnsafeBytes(of: UInt64(bitPattern: seq).bigEndian) { hasher.update(bufferPointer: $0) }
        hasher.update(bufferPointer: body)
        return hasher.finalize()
    }

    /// The chain hash of event `seq` whose canonical body is the UTF-8 of `body`.
    static func hash(previous: [UInt8], seq: Int64, body: String) -> [UInt8] {
        var body = body
        return body.withUTF8 { bodyBytes in
            previous.withUnsafeBytes { previousBytes in
                Array(digest(previous: previousBytes, seq: seq, body: UnsafeRawBufferPointer(bodyBytes)))
            }
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Lowercase hex of a SHA-256 digest, written straight into the string's storage.
    static func hex(_ digest: SHA256Digest) -> String {
        digest.withUnsafeBytes { bytes in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                hexDigits.withUnsafeBufferPointer { digits in
                    for (index, byte) in bytes.enumerated() {
                        out[2 * index] = digits[Int(byte >> 4)]
                        out[2 * index + 1] = digits[Int(byte & 0x0F)]
                    }
                }
                return bytes.count * 2
            }
        }
    }

    /// Bytes of a hex string, or `nil` if it is not hex of even length.
    public static func bytes(hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
