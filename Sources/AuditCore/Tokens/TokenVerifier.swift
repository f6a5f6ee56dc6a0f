import Crypto
import Foundation

/// Verifies bearer tokens strictly and turns them into an ``Identity``.
///
/// Checks, in order — each failure a distinct ``TokenVerificationError/Code``:
/// 1. structure: three base64url parts, JSON-object header and payload, at most 16 KiB
///    (`.malformed`);
/// 2. header `alg` is RS256, ES256 or EdDSA (`.algorithmNotAllowed`; `none` and `HS*`
///    have their own messages);
/// 3. header `kid` is present (`.missingKeyID`);
/// 4. `iss` names a configured issuer (`.unknownIssuer`; `.missingClaim` /
///    `.wrongClaimType` if `iss` is absent or not a string);
/// 5. the issuer's JWKS has a key with that `kid`, refetching once if not
///    (`.unknownKeyID`); the key's type must fit `alg` — an RSA key for RS256, EC P-256
///    for ES256, OKP Ed25519 for EdDSA — or the token fails with `.algorithmNotAllowed`
///    before any signature check, so no algorithm confusion is possible;
/// 6. the signature (`.badSignature`);
/// 7. claim types: `sub` string, `exp`/`iat` numbers, `aud` string or array of strings
///    (all four required, `.missingClaim`), optional `nbf` number, `jti`/`parent_jti`
///    strings, `connections` array of strings, groups, and nested `act` objects each with
///    a string `sub` (`.wrongClaimType`);
/// 8. `aud` contains one of the issuer's audiences (`.wrongAudience`);
/// 9. times, with `leeway`: `exp` (`.expired`), `nbf` (`.notYetValid`), `iat`
///    (`.issuedInFuture`).
///
/// Verified tokens are cached by SHA-256 of the token until their `exp`; the token itself
/// is never stored, and a cached token is rejected as `.expired` once `exp` has passed.
/// A cached token stays valid until `exp` even if its key leaves the issuer's JWKS.
///
/// Thread-safe; the hot path (a cache hit) is one SHA-256 and one locked dictionary lookup.
public final class TokenVerifier: Sendable {
    /// The clock skew tolerated on `exp`, `nbf` and `iat`.
    public let leeway: TimeInterval
    let issuers: [String: IssuerKeyStore]
    let cache: VerifiedTokenCache
    let now: @Sendable () -> Date

    /// Creates a verifier.
    ///
    /// - Parameters:
    ///   - issuers: The trusted issuers. If two share an `issuer`, the first wins.
    ///   - leeway: Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    ///   - minimumRefetchInterval: An issuer's JWKS is fetched at most once per this many
    ///     seconds, however many unknown `kid`s arrive.
    ///   - maximumKeySetAge: Remote key sets older than this are refreshed in the background.
    ///   - cacheCapacity: Most verified tokens remembered; 0 disables the cache.
    ///   - now: The clock (injectable for tests).
    public init(
        issuers: [IssuerConfiguration],
        leeway: TimeInterval = 30,
        minimumRefetchInterval: TimeInterval = 30,
        maximumKeySetAge: TimeInterval = 3600,
        cacheCapacity: Int = 100_000,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.leeway = leeway
        self.now = now
        self.cache = VerifiedTokenCache(capacity: cacheCapacity)
        var stores: [String: IssuerKeyStore] = [:]
        for configuration in issuers where stores[configuration.issuer] == nil {
            stores[configuration.issuer] = IssuerKeyStore(
                configuration: configuration,
                minimumRefetchInterval: minimumRefetchInterval,
                maximumKeySetAge: maximumKeySetAge,
                now: now
            )
        }
        self.issuers = stores
    }

    /// How many verified tokens are cached.
    public var cacheCount: Int { cache.count }

    /// How many times `issuer`'s JWKS has been fetched so far (for diagnostics and tests).
    public func jwksFetchCount(issuer: String) -> Int {
        issuers[issuer]?.fetchCount ?? 0
    }

    /// Verifies `token` (the bare JWT, without a `Bearer ` prefix).
    ///
    /// - Returns: Who the token speaks for, with the actor chain.
    /// - Throws: ``TokenVerificationError`` (typed) — its message never contains the token.
    public func verify(_ token: String) async throws(TokenVerificationError) -> Identity {
        let cacheKey = VerifiedTokenCache.key(for: token)
        if let cached = cache.lookup(cacheKey) {
            let now = self.now()
            guard cached.expiresAt.addingTimeInterval(leeway) >= now else {
                cache.remove(cacheKey)
                throw Self.expired(cached.expiresAt, now: now, leeway: leeway)
            }
            return cached
        }

        let parsed = try CompactToken(token)
        let algorithm = try Self.algorithm(of: parsed.header)
        let kid = try Self.keyID(of: parsed.header)
        let store = try issuerStore(for: parsed.payload)
        let key = try await store.key(id: kid, algorithm: algorithm)
        guard key.isValidSignature(parsed.signature, for: parsed.signingInput) else {
            throw TokenVerificationError(
                .badSignature,
                "signature does not verify with key \(TokenVerificationError.quoted(kid)) of issuer \(TokenVerificationError.quoted(store.configuration.issuer)); the token was altered or signed by another key"
            )
        }
        let claims = try TokenClaimSet(payload: parsed.payload, configuration: store.configuration)
        try claims.checkAudience(store.configuration.audiences)
        try claims.checkTimes(now: now(), leeway: leeway)

        let identity = claims.identity
        cache.insert(identity, for: cacheKey, expiredBefore: now().addingTimeInterval(-leeway))
        return identity
    }

    private static func algorithm(of header: [String: TokenJSON]) throws(TokenVerificationError) -> TokenAlgorithm {
        guard let value = header["alg"] else {
            throw TokenVerificationError(.algorithmNotAllowed, "token header has no 'alg'; use RS256, ES256 or EdDSA")
        }
        guard case .string(let alg) = value else {
            throw TokenVerificationError(.algorithmNotAllowed, "header 'alg' must be a string, not \(value.typeName)")
        }
        let algorithm = try TokenAlgorithm.accepting(alg).get()
        if header["crit"] != nil {
            throw TokenVerificationError(.malformed, "token header lists critical extensions ('crit') that this gateway does not understand")
        }
        return algorithm
    }

    private static func keyID(of header: [String: TokenJSON]) throws(TokenVerificationError) -> String {
        guard let value = header["kid"] else {
            throw TokenVerificationError(.missingKeyID, "token header has no 'kid'; the issuer must name the key it signed with")
        }
        guard case .string(let kid) = value, !kid.isEmpty else {
            throw TokenVerificationError(.missingKeyID, "header 'kid' must be a non-empty string, not \(value.typeName)")
        }
        return kid
    }

    private func issuerStore(for payload: [String: TokenJSON]) throws(TokenVerificationError) -> IssuerKeyStore {
        guard let value = payload["iss"] else {
            throw TokenVerificationError(.missingClaim, "claim 'iss' is missing; the gateway needs it to pick the issuer's keys")
        }
        guard case .string(let iss) = value else {
            throw TokenVerificationError(.wrongClaimType, "claim 'iss' must be a string, not \(value.typeName)")
        }
        guard let store = issuers[iss] else {
            let known = issuers.keys.sorted().prefix(5).map(TokenVerificationError.quoted).joined(separator: ", ")
            throw TokenVerificationError(
                .unknownIssuer,
                "issuer \(TokenVerificationError.quoted(iss)) is not configured (configured: \(known.isEmpty ? "none" : known))"
            )
        }
        return store
    }

    static func expired(_ expiresAt: Date, now: Date, leeway: TimeInterval) -> TokenVerificationError {
        TokenVerificationError(
            .expired,
            "token expired at \(expiresAt.formatted(.iso8601)) (now \(now.formatted(.iso8601)), leeway \(Int(leeway))s); get a new token"
        )
    }
}
