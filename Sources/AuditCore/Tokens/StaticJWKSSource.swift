import Foundation

/// A JWKS held in memory: the gateway's own key, or a fixed set given in configuration.
public struct StaticJWKSSource: JWKSSource {
    /// The JWKS document.
    public let json: Data

    /// Serves `json` on every fetch.
    public init(json: Data) {
        self.json = json
    }

    /// Never changes.
    public var isRemote: Bool { false }

    /// Returns ``json``.
    public func fetchJWKS() async throws -> Data { json }
}
