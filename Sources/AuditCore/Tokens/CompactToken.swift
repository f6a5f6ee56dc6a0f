import Foundation

/// A JWS in compact serialization, split and decoded but not yet trusted.
struct CompactToken: Sendable {
    /// The longest token accepted, in bytes. OIDC access tokens run to a few KiB; nothing
    /// legitimate comes near this.
    static let maximumLength = 16 * 1024

    /// The decoded JOSE header.
    let header: [String: TokenJSON]
    /// The decoded claims.
    let payload: [String: TokenJSON]
    /// The ASCII bytes of `header.payload`, which the signature covers.
    let signingInput: Data
    /// The decoded signature (may be empty).
    let signature: Data

    /// Splits and decodes `token`.
    ///
    /// - Throws: ``TokenVerificationError/Code/malformed`` unless the token is exactly three
    ///   base64url parts of which the first two are JSON objects.
    init(_ token: String) throws(TokenVerificationError) {
        let bytes = token.utf8
        guard !bytes.isEmpty else {
            throw TokenVerificationError(.malformed, "token is empty")
        }
        guard bytes.count <= Self.maximumLength else {
            throw TokenVerificationError(.malformed, "token is \(bytes.count) bytes long; the limit is \(Self.maximumLength)")
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw TokenVerificationError(
                .malformed,
                "token is not a JWT: expected 3 dot-separated parts, found \(parts.count == 4 ? "more than 3" : String(parts.count))"
            )
        }
        guard let headerBytes = TokenBase64URL.decode(parts[0]) else {
            throw TokenVerificationError(.malformed, "token header is not valid base64url")
        }
        let header: [String: TokenJSON]
        do {
            header = try TokenJSONParser.parseObject(headerBytes)
        } catch {
            throw TokenVerificationError(.malformed, "token header is not a JSON object (\(error.reason) at byte \(error.offset))")
        }
        guard let payloadBytes = TokenBase64URL.decode(parts[1]) else {
            throw TokenVerificationError(.malformed, "token payload is not valid base64url")
        }
        let payload: [String: TokenJSON]
        do {
            payload = try TokenJSONParser.parseObject(payloadBytes)
        } catch {
            throw TokenVerificationError(.malformed, "token payload is not a JSON object (\(error.reason) at byte \(error.offset))")
        }
        guard let signature = TokenBase64URL.decode(parts[2]) else {
            throw TokenVerificationError(.malformed, "token signature is not valid base64url")
        }
        self.header = header
        self.payload = payload
        self.signingInput = Data(bytes[parts[0].startIndex..<parts[1].endIndex])
        self.signature = signature
    }
}
