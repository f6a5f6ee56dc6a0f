import Foundation

/// The body of `POST /v1/ssh/certificates`.
public struct SSHCertificateRequest: Codable, Sendable {
    /// One OpenSSH public key line (`ssh-ed25519 AAAA... comment`), as in `~/.ssh/id_ed25519.pub`.
    public var publicKey: String
    /// `15m`, `2h` or seconds; nil = 1h, capped by the token's remaining lifetime.
    public var ttl: String?

    enum CodingKeys: String, CodingKey { case publicKey = "public_key", ttl }

    public init(publicKey: String, ttl: String?) {
        self.publicKey = publicKey
        self.ttl = ttl
    }
}
