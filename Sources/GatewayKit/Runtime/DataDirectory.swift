import Foundation

/// The files a gateway node keeps under its data directory.
public struct DataDirectory: Sendable {
    public let root: String

    public init(_ root: String) { self.root = root }

    /// The SQLite audit store (WAL files sit beside it).
    public var auditStore: String { path("audit.sqlite") }
    /// The node's Ed25519 key: signs checkpoints and gateway-issued tokens.
    public var nodeKey: String { path("node.key") }
    /// The development issuer's Ed25519 key (only with `dev_issuer: true`).
    public var devIssuerKey: String { path("dev-issuer.key") }
    /// The generated TLS certificate and key, when none is configured.
    public var certificate: String { path("tls/gateway.crt") }
    public var certificateKey: String { path("tls/gateway.key") }
    /// Session recordings, one folder per session.
    public var recordings: String { path("recordings") }

    public func path(_ name: String) -> String {
        URL(fileURLWithPath: root).appendingPathComponent(name).path
    }

    /// Creates the directory tree with owner-only permissions.
    public func prepare() throws {
        for directory in [root, path("tls"), recordings] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
    }
}
