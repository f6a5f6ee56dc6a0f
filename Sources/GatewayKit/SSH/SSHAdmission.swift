import AuditCore
import Foundation
import NIOCore
import NIOSSH
import PolicyEngine

/// Decides whether an SSH login may become a session, from the user name and the token the
/// client sent as its password (or the gateway-issued certificate it logged in with): token, revocations, connection, the token's connection
/// limit, the login asked for, the policy; then `session.start` and the gateway's own
/// upstream login. Every refusal is recorded and carries a message for the client.
struct SSHAdmission: Sendable {
    let context: SSHSessionContext
    let remote: SocketAddress?

    /// A refusal: the message the client is shown.
    struct Refusal: Error {
        var message: String
    }

    /// What an admitted login gets: the session's parts, with session.start stored and the
    /// upstream logged in.
    struct Admitted {
        var id: String
        var identity: Identity
        var connection: ConnectionEntry
        var login: String
        var settings: SessionSettings
        var maskingEngine: MaskingEngine?
        var rule: String
        var upstream: any Channel
    }

    /// `web-1` names the connection; `deploy+web-1` also picks the upstream login.
    static func parse(username: String) -> (login: String?, connection: String) {
        guard let plus = username.lastIndex(of: "+") else { return (nil, username) }
        let login = String(username[..<plus])
        return (login.isEmpty ? nil : login, String(username[username.index(after: plus)...]))
    }

    /// What the client logged in with.
    enum Credential {
        /// The token, sent as the SSH password.
        case token(String)
        /// A user certificate signed by the gateway's user CA (publickey authentication;
        /// NIOSSH has checked the client holds its key). NIOSSH does not pass these on yet.
        case certificate(NIOSSHCertifiedPublicKey)
        /// A plain key the gateway's user CA certified, by fingerprint (publickey
        /// authentication; NIOSSH has checked the client holds it). See ``SSHIssuedCertificates``.
        case certifiedKey(fingerprint: String)
    }

    func admit(username: String, credential: Credential, eventLoop: any EventLoop) async throws(Refusal) -> Admitted {
        let (requestedLogin, connectionName) = Self.parse(username: username)
        let identity: Identity
        var credentialFields: [String: AuditValue] = [:]
        switch credential {
        case .token(let token):
            do {
                identity = try await context.verifier.verify(token)
            } catch {
                throw await refuse("token rejected: \(error.message)", identity: nil, connection: connectionName, stage: "authenticate")
            }
        case .certificate(let certificate):
            credentialFields = ["auth": "ssh_certificate", "certificate_serial": .string(String(certificate.serial))]
            guard let userCA = context.userCA else {
                throw await refuse("certificate rejected: this gateway accepts no SSH certificates", identity: nil, connection: connectionName, stage: "authenticate")
            }
            do throws(SSHUserCA.Rejection) {
                identity = try userCA.identity(from: certificate, connection: connectionName)
            } catch {
                // The certificate did not pass its checks: its identity is only what it claims.
                throw await refuse("certificate rejected: \(error.message)", identity: nil, connection: connectionName, stage: "authenticate",
                                   extra: credentialFields.merging(["certificate_key_id": .string(String(certificate.keyID.prefix(512)))]) { $1 })
            }
        case .certifiedKey(let fingerprint):
            credentialFields = ["auth": "ssh_certificate", "key_fingerprint": .string(fingerprint)]
            switch context.userCA?.match(fingerprint: fingerprint, connection: connectionName) {
            case .admitted(let certified, let serial):
                identity = certified
                credentialFields["certificate_serial"] = .string(serial)
            case .refused(let message, let claimed, let serial):
                credentialFields["certificate_serial"] = .string(serial)
                throw await refuse("certificate rejected: \(message)", identity: claimed, connection: connectionName, stage: "authenticate", extra: credentialFields)
            case nil:
                throw await refuse("certificate rejected: the gateway issued no SSH certificate for this key", identity: nil, connection: connectionName,
                                   stage: "authenticate", extra: credentialFields)
            }
        }
        if let message = context.delegation.status(of: identity).message {
            throw await refuse("token rejected: \(message)", identity: identity, connection: connectionName, stage: "authenticate")
        }
        guard let connection = context.connections[connectionName], connection.protocol == .ssh else {
            throw await refuse("there is no SSH connection named '\(connectionName)' (the user name names the connection: ssh CONNECTION@gateway, or LOGIN+CONNECTION@gateway)",
                               identity: identity, connection: connectionName, stage: "route")
        }
        if let allowed = identity.connections, !allowed.contains(connectionName) {
            throw await refuse("your token is limited to \(allowed.joined(separator: ", ")); it does not cover \(connectionName)", identity: identity, connection: connectionName, stage: "route")
        }
        let defaultLogin = connection.username ?? ""
        let login = requestedLogin ?? defaultLogin
        guard login == defaultLogin || connection.allowedLogins.contains(login) else {
            let offered = ([defaultLogin] + connection.allowedLogins).joined(separator: ", ")
            throw await refuse("login \(login) is not offered on \(connectionName) (logins: \(offered))", identity: identity, connection: connectionName, stage: "route")
        }
        let opening = PolicyRequest(identity: identity, connection: connectionName, protocol: "ssh",
                                    grants: context.access.grants(subject: identity.subject, connection: connectionName))
        let decision = context.policy.evaluate(opening)
        switch decision {
        case .allow: break
        case .deny(let rule, let reason), .requireApproval(let rule, let reason, _):
            throw await refuse("access denied by policy (\(rule)): \(reason)", identity: identity, connection: connectionName, stage: "connect", rule: rule)
        }
        let settings = context.policy.sessionSettings(opening)
        let maskingEngine: MaskingEngine?
        do {
            maskingEngine = try settings.maskingProfile.flatMap { try context.maskingEngine($0) }
        } catch {
            throw await refuse("masking profile \(settings.maskingProfile ?? "") cannot be used (\(error)); the session is refused",
                               identity: identity, connection: connectionName, stage: "connect", rule: decision.rule)
        }

        let id = "ssh-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
        var startFields: [String: AuditValue] = [AuditField.rule: .string(decision.rule), "login": .string(login)]
        if let remote { startFields[AuditField.clientAddress] = .string(PostgresSession.describe(remote)) }
        if let profile = settings.maskingProfile { startFields["masking_profile"] = .string(profile) }
        startFields.merge(credentialFields) { $1 }
        do {
            _ = try await context.store.append(AuditEvent(type: .sessionStart, sessionID: id, identity: identity, connection: connectionName, protocol: "ssh", fields: startFields))
        } catch {
            context.logger.error("audit store refused session.start; refusing the session", metadata: ["error": "\(error)"])
            throw Refusal(message: "the audit trail cannot record this session, so the gateway refuses it (fail closed)")
        }
        do {
            let upstream = try await SSHUpstream.connect(to: connection, login: login, eventLoop: eventLoop, timeout: context.upstreamTimeout)
            return Admitted(id: id, identity: identity, connection: connection, login: login, settings: settings, maskingEngine: maskingEngine,
                            rule: decision.rule, upstream: upstream)
        } catch {
            let failure = error as? SSHUpstreamError ?? SSHUpstreamError(reason: "upstream_error", message: "\(error)")
            context.logger.warning("ssh upstream failed", metadata: ["session": "\(id)", "connection": "\(connectionName)", "reason": "\(failure.reason)"])
            _ = try? await context.store.append(AuditEvent(type: .sessionEnd, sessionID: id, identity: identity, connection: connectionName, protocol: "ssh",
                                                           fields: [AuditField.reason: .string(failure.reason), "error": .string(failure.message), "commands": 0]))
            throw Refusal(message: failure.message)
        }
    }

    /// Records a refusal as a `policy.decision` and returns it.
    private func refuse(_ message: String, identity: Identity?, connection: String, stage: String, rule: String? = nil,
                        extra: [String: AuditValue] = [:]) async -> Refusal {
        var fields: [String: AuditValue] = [AuditField.decision: "deny", AuditField.reason: .string(message), "stage": .string(stage)]
        fields.merge(extra) { current, _ in current }
        if let rule { fields[AuditField.rule] = .string(rule) }
        if let remote { fields[AuditField.clientAddress] = .string(PostgresSession.describe(remote)) }
        _ = try? await context.store.append(AuditEvent(type: .policyDecision, identity: identity, connection: connection, protocol: "ssh", fields: fields))
        return Refusal(message: message)
    }
}
