import AuditCore
import Foundation
import NIOCore
import PolicyEngine

/// Decides whether an SSH login may become a session, from the user name and the token the
/// client sent as its password: token, revocations, connection, the token's connection
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

    func admit(username: String, token: String, eventLoop: any EventLoop) async throws(Refusal) -> Admitted {
        let (requestedLogin, connectionName) = Self.parse(username: username)
        let identity: Identity
        do {
            identity = try await context.verifier.verify(token)
        } catch {
            throw await refuse("token rejected: \(error.message)", identity: nil, connection: connectionName, stage: "authenticate")
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
    private func refuse(_ message: String, identity: Identity?, connection: String, stage: String, rule: String? = nil) async -> Refusal {
        var fields: [String: AuditValue] = [AuditField.decision: "deny", AuditField.reason: .string(message), "stage": .string(stage)]
        if let rule { fields[AuditField.rule] = .string(rule) }
        if let remote { fields[AuditField.clientAddress] = .string(PostgresSession.describe(remote)) }
        _ = try? await context.store.append(AuditEvent(type: .policyDecision, identity: identity, connection: connection, protocol: "ssh", fields: fields))
        return Refusal(message: message)
    }
}
