import AuditCore
import Foundation
import NIOSSH

/// Issues OpenSSH user certificates for `POST /v1/ssh/certificates`: the caller's public
/// key, signed by the ``SSHUserCA`` for a short lifetime, carrying the caller's identity
/// with the caller's token as parent. Like token exchange it may only narrow: the
/// certificate covers the token's SSH connections and ends no later than the token.
///
/// Write-ahead: the `token.issued` event (kind `ssh_certificate`) is stored — and the
/// certificate enters the token ledger under ``SSHCertificateClaims/certificateID(serial:)``,
/// so revoking its token, subject or an actor also stops it — before it is handed out.
struct SSHCertificateIssuer: Sendable {
    let ca: SSHUserCA
    let delegation: DelegationStore
    let store: any AuditStore
    /// `tokens.max_ssh_certificate_ttl`.
    let maxTTL: TimeInterval
    /// The names of the connections with protocol ssh.
    let sshConnections: Set<String>
    let sshPort: Int?

    static let defaultTTL: TimeInterval = 3600

    /// Event field names of a `token.issued` event for a certificate.
    enum Field {
        static let kind = "kind"
        static let certificateID = "certificate_id"
        static let serial = "serial"
        static let fingerprint = "fingerprint"
        static let keyID = "key_id"
        static let principals = "principals"
        static let groups = "groups"
        static let sshCertificate = "ssh_certificate"
    }

    func issue(caller: Identity, publicKeyLine: String, ttl asked: TimeInterval?, now: Date = Date()) async throws -> SSHCertificateResponse {
        let line = publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !line.isEmpty, !line.contains("\n") else {
            throw DelegationError(.badRequest, code: "invalid_request", "public_key must be one OpenSSH public key line, e.g. the contents of ~/.ssh/id_ed25519.pub")
        }
        let key: NIOSSHPublicKey
        do {
            key = try NIOSSHPublicKey(openSSHPublicKey: line)
        } catch {
            let kind = line.split(separator: " ").first.map(String.init) ?? ""
            throw DelegationError(.badRequest, code: "invalid_request", kind.hasPrefix("ssh-rsa") || kind.hasPrefix("ssh-dss")
                ? "\(kind) keys are not supported; use an Ed25519 key (ssh-keygen -t ed25519) or ECDSA"
                : "public_key is not an OpenSSH public key line (ssh-ed25519 AAAA... or ecdsa-sha2-nistp256 AAAA...): \(error)")
        }
        guard NIOSSHCertifiedPublicKey(key) == nil else {
            throw DelegationError(.badRequest, code: "invalid_request", "public_key is a certificate; send the plain public key (KEY.pub, not KEY-cert.pub)")
        }

        let status = delegation.status(of: caller, at: now)
        if status != .active, let message = status.message {
            try await refuse(caller, message, now: now)
            throw DelegationError(.forbidden, code: status.endReason ?? "revoked", "cannot issue an SSH certificate: \(message)")
        }
        var principals = [SSHUserCA.anyConnection]
        if let limited = caller.connections {
            principals = limited.filter { sshConnections.contains($0) }
            guard !principals.isEmpty else {
                let message = "your token is limited to \(limited.joined(separator: ", ")); none of them is an SSH connection"
                try await refuse(caller, message, now: now)
                throw DelegationError(.forbidden, code: "widening_refused", message)
            }
        }
        let remaining = caller.expiresAt.timeIntervalSince(now).rounded(.down)
        guard remaining >= 1 else {
            throw DelegationError(.forbidden, code: "widening_refused", "your token expires at \(TimeArgument.format(caller.expiresAt)); it has no lifetime left for a certificate")
        }
        let ttl: TimeInterval
        if let asked {
            guard asked >= 1 else { throw DelegationError(.badRequest, code: "invalid_request", "ttl must be at least 1s") }
            if asked > remaining + 1 || asked > maxTTL {
                let message = asked > maxTTL
                    ? "ttl \(TokenExchange.describe(asked)) is longer than the maximum \(TokenExchange.describe(maxTTL)) (tokens.max_ssh_certificate_ttl)"
                    : "ttl \(TokenExchange.describe(asked)) is longer than your token's remaining \(TokenExchange.describe(remaining)); a certificate cannot outlive its token"
                try await refuse(caller, message, now: now)
                throw DelegationError(.forbidden, code: "widening_refused", message)
            }
            ttl = min(asked, remaining)
        } else {
            ttl = min(Self.defaultTTL, remaining, maxTTL)
        }

        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let validBefore = issuedAt.addingTimeInterval(ttl.rounded(.down))
        let claims = SSHCertificateClaims(identity: caller, issuedAt: issuedAt)
        let serial = UInt64.random(in: 1 ... UInt64.max)
        let comment = line.split(separator: " ", maxSplits: 2).dropFirst(2).first.map(String.init)
        // A minute of slack for clocks that differ between gateway nodes.
        let issued = try ca.issue(key: key, comment: comment, claims: claims, serial: serial, principals: principals,
                                  validAfter: issuedAt.addingTimeInterval(-60), validBefore: validBefore)
        let certificateID = SSHCertificateClaims.certificateID(serial: serial)
        let fingerprint = SSHHostKey.fingerprint(key)

        var fields: [String: AuditValue] = [
            Field.kind: .string(Field.sshCertificate),
            Field.certificateID: .string(certificateID),
            Field.serial: .string(String(serial)),
            Field.fingerprint: .string(fingerprint),
            Field.keyID: .string(claims.keyID),
            Field.principals: .array(principals.map(AuditValue.string)),
            TokenLedger.Field.issued: .string(TimeArgument.format(issuedAt)),
            TokenLedger.Field.expires: .string(TimeArgument.format(validBefore)),
        ]
        if let parent = caller.tokenID { fields[TokenLedger.Field.parentTokenID] = .string(parent) }
        if let connections = caller.connections { fields[TokenLedger.Field.connections] = .array(connections.map(AuditValue.string)) }
        if !caller.groups.isEmpty { fields[Field.groups] = .array(caller.groups.map(AuditValue.string)) }
        let event = AuditEvent(type: .tokenIssued, time: now, identity: caller, fields: fields)
        try await delegation.record(event)
        ca.record(event, now: now)

        return SSHCertificateResponse(
            certificate: issued.line, certificateID: certificateID, serial: String(serial), keyID: claims.keyID, principals: principals,
            validAfter: issuedAt.addingTimeInterval(-60), validBefore: validBefore, fingerprint: fingerprint, caFingerprint: ca.fingerprint,
            parentTokenID: caller.tokenID, subject: caller.subject, actors: caller.actors, sshPort: sshPort)
    }

    /// Records a refused issuance as a `policy.decision` (fail closed: no trail, no answer).
    private func refuse(_ caller: Identity, _ reason: String, now: Date) async throws {
        let event = AuditEvent(type: .policyDecision, time: now, identity: caller,
                               fields: [AuditField.decision: "deny", AuditField.reason: .string(reason), "stage": "ssh.certificate"])
        do {
            _ = try await store.append(event)
        } catch {
            throw DelegationError(.unavailable, code: "audit_unavailable", "the audit trail cannot record this (\(error)); nothing was done")
        }
    }
}
