/// Every way a token can fail, each with its own ``Code`` and a message a person can act on.
///
/// The ``message`` never contains the token or any part of its signature. Values taken
/// from the token (issuer, key id, audience) are quoted, truncated to 64 characters and
/// stripped of control characters, so a hostile token cannot flood or forge log lines.
public struct TokenVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, for code that reacts to the failure (metrics, HTTP status, retries).
    public enum Code: String, Sendable, Hashable {
        /// Not three base64url parts with a JSON header and payload, or too long.
        case malformed
        /// The header `alg` is not RS256, ES256 or EdDSA, or does not fit the key it names.
        case algorithmNotAllowed
        /// The header has no `kid`.
        case missingKeyID
        /// The issuer's JWKS has no usable key with this `kid`, even after a refetch.
        case unknownKeyID
        /// The signature does not verify with the issuer's key.
        case badSignature
        /// `iss` names no configured issuer.
        case unknownIssuer
        /// `aud` names none of the issuer's accepted audiences.
        case wrongAudience
        /// `exp` (plus leeway) is in the past.
        case expired
        /// `nbf` (minus leeway) is in the future.
        case notYetValid
        /// `iat` (minus leeway) is in the future.
        case issuedInFuture
        /// A required claim is absent.
        case missingClaim
        /// A claim has the wrong JSON type.
        case wrongClaimType
    }

    /// What went wrong.
    public let code: Code
    /// A sentence a person can act on, e.g. "token expired at 2026-11-27T09:00:00Z".
    public let message: String

    /// Creates an error. The message must not contain the token.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<code>: <message>"`.
    public var description: String { "\(code.rawValue): \(message)" }
}

extension TokenVerificationError {
    /// Quotes a value taken from a token for use in a message: at most 64 characters,
    /// printable ASCII only, wrapped in single quotes.
    static func quoted(_ value: String) -> String {
        var out = ""
        var count = 0
        for scalar in value.unicodeScalars {
            if count == 64 {
                out += "…"
                break
            }
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "'" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "?"
            }
            count += 1
        }
        return "'\(out)'"
    }
}
