import AuditCore
import Crypto
import Foundation
import NIOConcurrencyHelpers
import NIOSSH

/// The gateway's SSH user certificate authority: an Ed25519 key kept in the data directory
/// (`ssh_user_ca_ed25519.key`, mode 0600, created on first start like the host key). It
/// signs the short-lived user certificates of `POST /v1/ssh/certificates`, and the SSH
/// listener accepts exactly the certificates it signed.
///
/// It also keeps the certificates it issued (``SSHIssuedCertificates``), by key fingerprint:
/// that is how the SSH listener recognises them (see there why).
public final class SSHUserCA: Sendable {
    private let privateKey: Curve25519.Signing.PrivateKey
    private let issuedCertificates = NIOLockedValueBox(SSHIssuedCertificates())
    /// The CA's public key, as certificates name their signer.
    let publicKey: NIOSSHPublicKey
    let nodeID: String

    /// The principal of a certificate whose token is not limited to some connections.
    static let anyConnection = "*"

    init(privateKey: Curve25519.Signing.PrivateKey, nodeID: String) {
        self.privateKey = privateKey
        self.publicKey = NIOSSHPrivateKey(ed25519Key: privateKey).publicKey
        self.nodeID = nodeID
    }

    /// Loads the node's user CA key, creating it on first use.
    static func loadOrCreate(_ dataDirectory: DataDirectory, nodeID: String) throws -> SSHUserCA {
        SSHUserCA(privateKey: try Ed25519KeyFile.loadOrCreate(at: dataDirectory.sshUserCAKey), nodeID: nodeID)
    }

    /// `ssh-ed25519 AAAA... auditgateway-user-ca@NODE`: the line for an `authorized_keys`
    /// `cert-authority` entry or `TrustedUserCAKeys`, served at `/.well-known/ssh-user-ca.pub`.
    public var publicKeyLine: String {
        SSHHostKey.publicKeyLine(publicKey) + " auditgateway-user-ca@\(nodeID)"
    }

    /// `SHA256:...`, as `ssh-keygen -lf` prints it.
    public var fingerprint: String {
        SSHHostKey.fingerprint(publicKey)
    }

    /// A signed certificate.
    struct Issued {
        var certificate: NIOSSHCertifiedPublicKey
        var line: String
    }

    /// Signs a user certificate for `key` carrying `claims`.
    func issue(key: NIOSSHPublicKey, comment: String?, claims: SSHCertificateClaims, serial: UInt64, principals: [String],
               validAfter: Date, validBefore: Date) throws -> Issued {
        let certificate = SSHUserCertificate(
            key: key, serial: serial, keyID: claims.keyID, principals: principals,
            validAfter: UInt64(max(0, validAfter.timeIntervalSince1970.rounded(.down))),
            validBefore: UInt64(max(0, validBefore.timeIntervalSince1970.rounded(.down))),
            extensions: ["permit-pty": "", "permit-port-forwarding": "", SSHCertificateClaims.extensionName: try claims.encoded()])
        let signed = try certificate.signed(by: privateKey, comment: comment)
        return Issued(certificate: signed.certificate, line: signed.line)
    }

    /// Rebuilds the issued certificates from the trail (at start-up).
    func load(from store: any AuditStore, now: Date = Date()) async throws {
        var rebuilt = SSHIssuedCertificates()
        try await store.replay(types: [.tokenIssued]) { rebuilt.apply($0) }
        rebuilt.forget(expiredBefore: now.addingTimeInterval(-Self.keepExpired))
        let loaded = rebuilt
        issuedCertificates.withLockedValue { $0 = loaded }
    }

    /// Folds in the `token.issued` event of a certificate just issued (after it was stored).
    func record(_ event: AuditEvent, now: Date = Date()) {
        issuedCertificates.withLockedValue {
            $0.forget(expiredBefore: now.addingTimeInterval(-Self.keepExpired))
            $0.apply(event)
        }
    }

    /// How long an expired certificate is remembered, so its key is told it expired.
    static let keepExpired: TimeInterval = 24 * 3600

    /// The login the plain key with `fingerprint` may make to `connection` on the strength of
    /// a certificate this CA issued for it; nil when it issued none (the key is refused).
    func match(fingerprint: String, connection: String, now: Date = Date()) -> SSHIssuedCertificates.Match? {
        issuedCertificates.withLockedValue { $0.match(fingerprint: fingerprint, connection: connection, now: now) }
    }

    /// Whether it issued a certificate for the key with `fingerprint`.
    func certified(fingerprint: String) -> Bool {
        issuedCertificates.withLockedValue { $0.byFingerprint[fingerprint] != nil }
    }

    /// Whether `certificate` names this CA as its signer (others are not the gateway's to judge).
    func signed(_ certificate: NIOSSHCertifiedPublicKey) -> Bool {
        certificate.signatureKey == publicKey
    }

    /// Why a certificate signed by this CA cannot log in: the message the client is shown.
    struct Rejection: Error {
        var message: String
    }

    /// Checks `certificate` for a login to `connection` — the CA's signature, type user, the
    /// validity window, a principal covering the connection, no critical options — and
    /// returns the identity it carries.
    func identity(from certificate: NIOSSHCertifiedPublicKey, connection: String, now: Date = Date()) throws(Rejection) -> Identity {
        let principals = certificate.validPrincipals
        let covers = principals.contains(Self.anyConnection) || principals.contains(connection)
        do {
            // NIOSSH checks the signature before anything else in the certificate.
            _ = try certificate.validate(principal: principals.contains(Self.anyConnection) ? Self.anyConnection : connection,
                                         type: .user, allowedAuthoritySigningKeys: [publicKey])
        } catch {
            let seconds = UInt64(max(0, now.timeIntervalSince1970))
            if certificate.type != .user { throw Rejection(message: "the certificate is not a user certificate") }
            if principals.isEmpty || !covers {
                throw Rejection(message: "the certificate is valid for \(principals.joined(separator: ", ")), not for \(connection)")
            }
            if seconds >= certificate.validBefore {
                throw Rejection(message: "the SSH certificate expired at \(Self.format(certificate.validBefore)); get a new one with `auditctl ssh-cert`")
            }
            if seconds < certificate.validAfter {
                throw Rejection(message: "the SSH certificate is not valid before \(Self.format(certificate.validAfter))")
            }
            throw Rejection(message: "the SSH certificate is not valid (\(error))")
        }
        // NIOSSH reads no principals as any principal; this CA always names them.
        guard covers else { throw Rejection(message: "the certificate names no principal covering \(connection)") }
        guard let text = certificate.extensions[SSHCertificateClaims.extensionName], let claims = try? SSHCertificateClaims.decode(text) else {
            throw Rejection(message: "the SSH certificate carries no gateway identity; get one with `auditctl ssh-cert`")
        }
        return claims.identity(serial: certificate.serial, validBefore: certificate.validBefore)
    }

    private static func format(_ seconds: UInt64) -> String {
        TimeArgument.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

extension DataDirectory {
    /// The Ed25519 key that signs SSH user certificates.
    public var sshUserCAKey: String { path("ssh_user_ca_ed25519.key") }
}
