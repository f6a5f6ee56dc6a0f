import Foundation

/// Where an issuer's JWKS comes from.
///
/// A plug point: ``FileJWKSSource`` and ``StaticJWKSSource`` live in AuditCore, an HTTP
/// source lives in GatewayKit. ``TokenVerifier`` parses what a source returns once and
/// caches the keys; it calls ``fetchJWKS()`` again only when a token names an unknown
/// `kid` (at most once per `minimumRefetchInterval`) or, for remote sources, when the
/// parsed keys are older than the verifier's maximum key-set age.
public protocol JWKSSource: Sendable {
    /// Returns the raw JWKS JSON document (`{"keys": [...]}`).
    func fetchJWKS() async throws -> Data
    /// True if refetching can return something new without a deployment (URL sources).
    ///
    /// Remote sources are also refreshed in the background when their keys grow old, so a
    /// key removed by the issuer stops being trusted. Every source, files included, is
    /// re-read when a token names a `kid` the cached keys do not have.
    var isRemote: Bool { get }
}
