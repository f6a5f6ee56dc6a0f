import Crypto

/// Deterministic pseudonyms: `pseud_` and the first 12 hex digits (48 bits) of
/// HMAC-SHA256(secret, value). Without the secret a pseudonym cannot be linked back to its
/// value, even for values as guessable as e-mail addresses.
struct Pseudonymizer: Sendable {
    static let prefix: [UInt8] = Array("pseud_".utf8)
    /// Hex digits of the MAC kept (48 bits: collisions become likely only past millions of distinct values).
    static let hexDigits = 12

    /// An HMAC keyed once (the padded key already hashed in); copied per value.
    private let keyed: HMAC<SHA256>

    init(secret: [UInt8]) {
        keyed = HMAC<SHA256>(key: SymmetricKey(data: secret))
    }

    /// Appends the pseudonym of `value` to `out`.
    func append(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var hmac = keyed
        hmac.update(data: UnsafeRawBufferPointer(value))
        let mac = hmac.finalize()
        out.append(contentsOf: Self.prefix)
        let hex: StaticString = "0123456789abcdef"
        mac.withUnsafeBytes { bytes in
            for byte in bytes.prefix(Self.hexDigits / 2) {
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0x0F)])
            }
        }
    }
}
