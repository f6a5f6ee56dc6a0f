import AuditCore
import Crypto
import Foundation
import NIOSSH

/// The gateway's own SSH host key and how keys are shown to people.
///
/// The host key is an Ed25519 key kept in the data directory (`ssh_host_ed25519.key`,
/// mode 0600), created on first start, so clients that trusted the gateway once keep
/// trusting it across restarts.
enum SSHHostKey {
    /// Loads the node's host key, creating it on first use.
    static func loadOrCreate(_ dataDirectory: DataDirectory) throws -> NIOSSHPrivateKey {
        NIOSSHPrivateKey(ed25519Key: try Ed25519KeyFile.loadOrCreate(at: dataDirectory.sshHostKey))
    }

    /// `SHA256:...` as OpenSSH prints a key's fingerprint (`ssh-keygen -lf`): the SHA-256 of
    /// the key's wire encoding, base64 without padding.
    static func fingerprint(_ key: NIOSSHPublicKey) -> String {
        let line = String(openSSHPublicKey: key)
        let parts = line.split(separator: " ")
        guard parts.count >= 2, let blob = Data(base64Encoded: String(parts[1])) else { return "SHA256:?" }
        var encoded = Data(SHA256.hash(data: blob)).base64EncodedString()
        while encoded.hasSuffix("=") { encoded.removeLast() }
        return "SHA256:" + encoded
    }

    /// The key as one `known_hosts`-style public key line (`ssh-ed25519 AAAA...`).
    static func publicKeyLine(_ key: NIOSSHPublicKey) -> String {
        String(openSSHPublicKey: key)
    }
}

extension DataDirectory {
    /// The SSH listener's Ed25519 host key.
    public var sshHostKey: String { path("ssh_host_ed25519.key") }
}
