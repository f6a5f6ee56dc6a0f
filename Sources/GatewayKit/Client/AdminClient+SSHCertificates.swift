import Foundation

extension AdminClient {
    /// Has the gateway sign `publicKey` (one OpenSSH public key line) as an SSH user
    /// certificate for the caller (`POST /v1/ssh/certificates`).
    /// - Parameter ttl: seconds; nil = the gateway's default (1h, capped by the token).
    public func sshCertificate(publicKey: String, ttl: TimeInterval?) async throws -> SSHCertificateResponse {
        try await post("/v1/ssh/certificates", json: SSHCertificateRequest(publicKey: publicKey, ttl: ttl.map { "\(Int($0.rounded(.up)))s" }))
    }
}
