import Foundation

/// The answer to `POST /v1/ssh/certificates`: the certificate and what it says.
public struct SSHCertificateResponse: Codable, Sendable {
    /// The certificate as one OpenSSH line, the contents of `KEY-cert.pub`.
    public var certificate: String
    /// `ssh-cert-SERIAL`: the certificate as the token ledger knows it (revocable with `auditctl revoke --token`).
    public var certificateID: String
    /// The serial number (decimal; a 64-bit value does not fit a JSON number everywhere).
    public var serial: String
    public var keyID: String
    /// Connection names, or `*` for every SSH connection.
    public var principals: [String]
    public var validAfter: Date
    public var validBefore: Date
    /// The certified key's fingerprint (`SHA256:...`).
    public var fingerprint: String
    /// The user CA's fingerprint.
    public var caFingerprint: String
    /// The `jti` of the token it was issued from.
    public var parentTokenID: String?
    public var subject: String
    public var actors: [String]
    /// The gateway's SSH listener port.
    public var sshPort: Int?

    enum CodingKeys: String, CodingKey {
        case certificate, certificateID = "certificate_id", serial, keyID = "key_id", principals, validAfter = "valid_after", validBefore = "valid_before"
        case fingerprint, caFingerprint = "ca_fingerprint", parentTokenID = "parent_token_id", subject, actors, sshPort = "ssh_port"
    }
}
