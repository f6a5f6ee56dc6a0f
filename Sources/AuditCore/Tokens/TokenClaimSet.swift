import Foundation

/// The claims of a signature-checked token, type-checked and ready for the audience and
/// time checks.
struct TokenClaimSet: Sendable {
    /// Deepest `act` nesting accepted.
    static let maximumActorDepth = 32

    let issuer: String
    let subject: String
    let audiences: [String]
    let expiresAt: Date
    let issuedAt: Date
    let notBefore: Date?
    let groups: [String]
    let actors: [String]
    let tokenID: String?
    let parentTokenID: String?
    let connections: [String]?

    init(payload: [String: TokenJSON], configuration: IssuerConfiguration) throws(TokenVerificationError) {
        issuer = configuration.issuer
        subject = try Self.requiredString("sub", in: payload)
        expiresAt = try Self.requiredDate("exp", in: payload)
        issuedAt = try Self.requiredDate("iat", in: payload)
        notBefore = try Self.optionalDate("nbf", in: payload)
        audiences = try Self.audience(in: payload)
        groups = try Self.groups(claim: configuration.groupsClaim, in: payload)
        actors = try Self.actors(in: payload)
        tokenID = try Self.optionalString("jti", in: payload)
        parentTokenID = try Self.optionalString("parent_jti", in: payload)
        connections = try Self.optionalStringArray("connections", in: payload)
    }

    var identity: Identity {
        Identity(
            subject: subject,
            issuer: issuer,
            groups: groups,
            actors: actors,
            tokenID: tokenID,
            parentTokenID: parentTokenID,
            issuedAt: issuedAt,
            expiresAt: expiresAt,
            connections: connections
        )
    }

    func checkAudience(_ accepted: [String]) throws(TokenVerificationError) {
        guard !audiences.contains(where: accepted.contains) else { return }
        let got = audiences.prefix(3).map(TokenVerificationError.quoted).joined(separator: ", ") + (audiences.count > 3 ? ", …" : "")
        let expected = accepted.isEmpty ? "no audience is configured for this issuer" : "expected " + accepted.map { "'\($0)'" }.joined(separator: " or ")
        throw TokenVerificationError(
            .wrongAudience,
            "\(audiences.count == 1 ? "audience" : "audiences") \(got) \(audiences.count == 1 ? "is" : "are") not accepted (\(expected))"
        )
    }

    func checkTimes(now: Date, leeway: TimeInterval) throws(TokenVerificationError) {
        if expiresAt.addingTimeInterval(leeway) < now {
            throw TokenVerifier.expired(expiresAt, now: now, leeway: leeway)
        }
        if let notBefore, notBefore.addingTimeInterval(-leeway) > now {
            throw TokenVerificationError(
                .notYetValid,
                "token is not valid before \(notBefore.formatted(.iso8601)) (now \(now.formatted(.iso8601)), leeway \(Int(leeway))s); check the clocks of the issuer and the gateway"
            )
        }
        if issuedAt.addingTimeInterval(-leeway) > now {
            throw TokenVerificationError(
                .issuedInFuture,
                "token was issued at \(issuedAt.formatted(.iso8601)), which is in the future (now \(now.formatted(.iso8601)), leeway \(Int(leeway))s); check the clocks of the issuer and the gateway"
            )
        }
    }

    // MARK: Claim readers

    private static func missing(_ name: String) -> TokenVerificationError {
        TokenVerificationError(.missingClaim, "claim '\(name)' is missing")
    }

    private static func wrongType(_ name: String, _ expected: String, _ value: TokenJSON) -> TokenVerificationError {
        TokenVerificationError(.wrongClaimType, "claim '\(name)' must be \(expected), not \(value.typeName)")
    }

    private static func requiredString(_ name: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> String {
        guard let value = payload[name] else { throw missing(name) }
        guard case .string(let string) = value else { throw wrongType(name, "a string", value) }
        guard !string.isEmpty else { throw TokenVerificationError(.missingClaim, "claim '\(name)' is empty") }
        return string
    }

    private static func optionalString(_ name: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> String? {
        guard let value = payload[name] else { return nil }
        guard case .string(let string) = value else { throw wrongType(name, "a string", value) }
        return string
    }

    private static func date(_ name: String, _ value: TokenJSON) throws(TokenVerificationError) -> Date {
        guard case .number(let seconds) = value else { throw wrongType(name, "a number", value) }
        guard seconds.isFinite, abs(seconds) < 1e12 else {
            throw TokenVerificationError(.wrongClaimType, "claim '\(name)' must be seconds since 1970, not \(seconds)")
        }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func requiredDate(_ name: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> Date {
        guard let value = payload[name] else { throw missing(name) }
        return try date(name, value)
    }

    private static func optionalDate(_ name: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> Date? {
        guard let value = payload[name] else { return nil }
        return try date(name, value)
    }

    private static func stringArray(_ name: String, _ value: TokenJSON, singleAllowed: Bool) throws(TokenVerificationError) -> [String] {
        let expected = singleAllowed ? "a string or an array of strings" : "an array of strings"
        switch value {
        case .string(let single) where singleAllowed:
            return [single]
        case .array(let elements):
            var strings: [String] = []
            strings.reserveCapacity(elements.count)
            for element in elements {
                guard case .string(let string) = element else {
                    throw TokenVerificationError(.wrongClaimType, "claim '\(name)' must be \(expected), but holds \(element.typeName)")
                }
                strings.append(string)
            }
            return strings
        default:
            throw wrongType(name, expected, value)
        }
    }

    private static func optionalStringArray(_ name: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> [String]? {
        guard let value = payload[name] else { return nil }
        return try stringArray(name, value, singleAllowed: false)
    }

    private static func audience(in payload: [String: TokenJSON]) throws(TokenVerificationError) -> [String] {
        guard let value = payload["aud"] else { throw missing("aud") }
        return try stringArray("aud", value, singleAllowed: true)
    }

    /// Groups from `claim`: an array of strings or one string; absent means none. A dotted
    /// name that is not a top-level claim is followed into nested objects.
    private static func groups(claim: String, in payload: [String: TokenJSON]) throws(TokenVerificationError) -> [String] {
        var value = payload[claim]
        if value == nil, claim.contains(".") {
            var current: TokenJSON? = .object(payload)
            for component in claim.split(separator: ".", omittingEmptySubsequences: false) {
                guard case .object(let object)? = current else {
                    current = nil
                    break
                }
                current = object[String(component)]
            }
            value = current
        }
        guard let value else { return [] }
        return try stringArray(claim, value, singleAllowed: true)
    }

    /// The RFC 8693 §4.1 actor chain: `{"act": {"sub": "b", "act": {"sub": "a"}}}` → `["b", "a"]`.
    private static func actors(in payload: [String: TokenJSON]) throws(TokenVerificationError) -> [String] {
        var actors: [String] = []
        var next = payload["act"]
        var path = "act"
        while let value = next {
            guard case .object(let actor) = value else { throw wrongType(path, "an object", value) }
            guard actors.count < maximumActorDepth else {
                throw TokenVerificationError(.wrongClaimType, "claim 'act' nests more than \(maximumActorDepth) actors")
            }
            guard let sub = actor["sub"] else { throw missing(path + ".sub") }
            guard case .string(let name) = sub else { throw wrongType(path + ".sub", "a string", sub) }
            guard !name.isEmpty else { throw TokenVerificationError(.missingClaim, "claim '\(path).sub' is empty") }
            actors.append(name)
            next = actor["act"]
            path += ".act"
        }
        return actors
    }
}
