import AuditCore
import Foundation

/// The SSH certificates the gateway issued, by the fingerprint of the key each certifies: a
/// pure fold of `token.issued` events of kind `ssh_certificate`, rebuilt by replaying the
/// trail after a restart.
///
/// Why the gateway needs it: NIOSSH (through 0.15, rev 82b3881) treats a publickey login
/// whose algorithm is a `*-cert-v01@openssh.com` type as an unknown algorithm and fails it
/// before the server's delegate sees it. OpenSSH offers the plain key before its
/// certificate, and NIOSSH checks the client holds that key, so the gateway admits the
/// plain key of a certificate it issued, with what the certificate carries. The certificate
/// holds no secret — it binds the key to an identity, which this ledger does just as well.
struct SSHIssuedCertificates: Sendable {
    struct Certificate: Sendable {
        var id: String
        var serial: String
        var claims: SSHCertificateClaims
        var principals: [String]
        var validBefore: Date
    }

    /// What a login with a certified key gets.
    enum Match {
        case admitted(Identity, serial: String)
        case refused(String, Identity?, serial: String)
    }

    private(set) var byFingerprint: [String: [Certificate]] = [:]

    /// Folds one event in; other events are ignored.
    mutating func apply(_ event: AuditEvent) {
        typealias Field = SSHCertificateIssuer.Field
        let fields = event.fields
        guard event.type == .tokenIssued, fields[Field.kind]?.stringValue == Field.sshCertificate,
              let fingerprint = fields[Field.fingerprint]?.stringValue, let id = fields[Field.certificateID]?.stringValue,
              let serial = fields[Field.serial]?.stringValue, let subject = event.subject,
              let expires = fields[TokenLedger.Field.expires]?.stringValue.flatMap(TimeArgument.parseAbsolute)
        else { return }
        let issued = fields[TokenLedger.Field.issued]?.stringValue.flatMap(TimeArgument.parseAbsolute) ?? event.time
        let claims = SSHCertificateClaims(
            subject: subject, issuer: event.issuer ?? "", groups: fields[Field.groups]?.arrayValue?.compactMap(\.stringValue) ?? [],
            actors: event.actors, parentTokenID: fields[TokenLedger.Field.parentTokenID]?.stringValue,
            connections: fields[TokenLedger.Field.connections]?.arrayValue?.compactMap(\.stringValue),
            issuedAt: Int64(issued.timeIntervalSince1970.rounded(.down)))
        let principals = fields[Field.principals]?.arrayValue?.compactMap(\.stringValue) ?? []
        byFingerprint[fingerprint, default: []].append(Certificate(id: id, serial: serial, claims: claims, principals: principals, validBefore: expires))
    }

    /// The login a certified key with `fingerprint` may make to `connection`: the newest
    /// certificate that covers the connection and has not expired; nil when the gateway never
    /// certified the key.
    func match(fingerprint: String, connection: String, now: Date) -> Match? {
        guard let certificates = byFingerprint[fingerprint], let newest = certificates.last else { return nil }
        let covering = certificates.filter { $0.principals.contains(SSHUserCA.anyConnection) || $0.principals.contains(connection) }
        guard let latest = covering.last else {
            return .refused("your SSH certificate is valid for \(newest.principals.joined(separator: ", ")), not for \(connection)",
                            identity(newest), serial: newest.serial)
        }
        guard let valid = covering.last(where: { $0.validBefore > now }) else {
            return .refused("the SSH certificate expired at \(TimeArgument.format(latest.validBefore)); get a new one with `auditctl ssh-cert`",
                            identity(latest), serial: latest.serial)
        }
        return .admitted(identity(valid), serial: valid.serial)
    }

    /// Forgets certificates that expired before `cutoff`.
    mutating func forget(expiredBefore cutoff: Date) {
        for (fingerprint, certificates) in byFingerprint {
            let kept = certificates.filter { $0.validBefore >= cutoff }
            byFingerprint[fingerprint] = kept.isEmpty ? nil : kept
        }
    }

    private func identity(_ certificate: Certificate) -> Identity {
        certificate.claims.identity(serial: UInt64(certificate.serial) ?? 0, validBefore: UInt64(max(0, certificate.validBefore.timeIntervalSince1970)))
    }
}
