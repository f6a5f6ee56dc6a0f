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
    /// 32 random bytes keying masking pseudonyms, so the same value maps to the same
    /// pseudonym across sessions and restarts.
    public var maskingKey: String { path("masking.key") }
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

    /// Reads the secret at `path`, or creates it (32 random bytes, owner-only) if missing.
    static func loadOrCreateSecret(at path: String) throws -> [UInt8] {
        if let data = FileManager.default.contents(atPath: path) {
            guard data.count >= 32 else {
                throw DataDirectoryError(message: "\(path) holds \(data.count) bytes, fewer than 32; remove it to have a new secret generated (pseudonyms will change)")
            }
            return Array(data)
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
            throw DataDirectoryError(message: "cannot create \(path); check the data directory's permissions")
        }
        return bytes
    }
}

/// A data-directory file that cannot be used; the message says what to do.
struct DataDirectoryError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
