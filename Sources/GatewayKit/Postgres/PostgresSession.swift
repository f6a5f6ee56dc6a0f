import AuditCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PolicyEngine
import ProtocolParsers

/// One client connection to the PostgreSQL listener, from the first byte to session end.
///
/// Startup: TLS (`SSLRequest`), a cleartext-password exchange that carries the token, the
/// user name naming the connection, the policy's connect decision, `session.start`, then the
/// gateway's own upstream connection. Relay: every statement is classified, policy-checked
/// and audited *before* it is forwarded; results pass the column masker on their way back.
struct PostgresSession: Sendable {
    let context: PostgresSessionContext
    let id: String

    init(context: PostgresSessionContext) {
        self.context = context
        self.id = "pg-" + UUID().uuidString.lowercased().prefix(13).replacingOccurrences(of: "-", with: "")
    }

    func run(_ client: ChannelByteStream) async {
        do {
            try await client.executeThenClose {
                try await serve(client)
            }
        } catch {
            context.logger.debug("postgres session closed", metadata: ["session": "\(id)", "error": "\(error)"])
        }
    }

    // MARK: Startup and authentication

    private func serve(_ client: ChannelByteStream) async throws {
        let channel = client.channel
        var reader = PostgresFrameReader(client, decoder: PostgresFrontendMessageDecoder())
        var tls = false
        let startup: PostgresFrontendMessage.Startup
        let remote = channel.remoteAddress
        startupLoop: while true {
            let frame: PostgresFrameReader<PostgresFrontendMessageDecoder>.Frame?
            do {
                frame = try await reader.next()
            } catch {
                try? await client.write(PostgresWire.fatal("08P01", "invalid startup packet: \(error)"))
                return
            }
            guard let (message, _) = frame else { return }
            switch message {
            case .sslRequest:
                guard !tls else {
                    try await client.write(PostgresWire.fatal("08P01", "SSLRequest received inside TLS"))
                    return
                }
                // Bytes sent after SSLRequest, before the client has seen the answer, would be
                // taken as if they had come through TLS (the class of CVE-2021-23214). The
                // decoder refuses those that came with the request; these came just after it.
                let tlsContext = context.serverTLS
                let readerEmpty = reader.bufferedBytes == 0
                let upgraded = try await channel.eventLoop.flatSubmit {
                    guard readerEmpty, client.unreadBytes == 0 else { return channel.eventLoop.makeSucceededFuture(false) }
                    return channel.writeAndFlush(ByteBuffer(string: "S")).flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tlsContext), position: .first)
                        return true
                    }
                }.get()
                guard upgraded else {
                    try? await client.write(PostgresWire.fatal("08P01", "invalid startup packet: bytes arrived after the encryption request, before the gateway answered it"))
                    return
                }
                tls = true
            case .gssEncRequest:
                try await client.write(ByteBuffer(string: "N"))
            case .cancelRequest(let request):
                if let (sessionID, target) = context.registry.cancelTarget(processID: request.processID, secretKey: request.secretKey) {
                    context.logger.info("cancel request forwarded", metadata: ["session": "\(sessionID)"])
                    await PostgresUpstream.cancel(target, group: context.group)
                }
                return
            case .startup(let value):
                startup = value
                break startupLoop
            default:
                try await client.write(PostgresWire.fatal("08P01", "expected a startup message"))
                return
            }
        }

        guard startup.protocolVersion.major == 3 else {
            try await client.write(PostgresWire.fatal("0A000", "unsupported frontend protocol \(startup.protocolVersion): the gateway speaks 3.0 to \(Self.newestProtocol)"))
            return
        }
        if !tls && !(context.configuration.listeners.allowPlaintextLoopback && Self.isLoopback(remote)) {
            try await client.write(PostgresWire.fatal("08P01", "the gateway requires TLS", hint: "connect with sslmode=require (or verify-full with the gateway's certificate)"))
            return
        }
        guard let user = startup.user, !user.isEmpty else {
            try await client.write(PostgresWire.fatal("28000", "no user name given", hint: "the user name names the connection: psql \"user=CONNECTION ...\""))
            return
        }
        let connectionName = String(user.split(separator: "#", omittingEmptySubsequences: false).last ?? Substring(user))
        let (protocolVersion, negotiation) = Self.negotiateProtocol(startup)
        if let negotiation { try await client.write(PostgresWire.encode(.negotiateProtocolVersion(negotiation))) }

        // The token arrives where a password would.
        try await client.write(PostgresWire.encode(.authentication(.cleartextPassword)))
        let token: String
        do {
            guard let (message, _) = try await reader.next(), case .password(let password) = message else {
                try await client.write(PostgresWire.fatal("08P01", "expected a password message carrying the token"))
                return
            }
            token = try password.password()
        } catch {
            try? await client.write(PostgresWire.fatal("08P01", "invalid password message"))
            return
        }
        let identity: Identity
        do {
            identity = try await context.verifier.verify(token)
        } catch {
            await refuse(client, sqlState: "28P01", message: "token rejected: \(error.message)", identity: nil, connection: connectionName, remote: remote, stage: "authenticate")
            return
        }
        if let message = context.delegation.status(of: identity).message {
            await refuse(client, sqlState: "28000", message: "token rejected: \(message)", identity: identity, connection: connectionName, remote: remote, stage: "authenticate")
            return
        }

        guard let connection = context.connections[connectionName], connection.protocol == .postgres else {
            await refuse(client, sqlState: "28000", message: "there is no PostgreSQL connection named '\(connectionName)'", identity: identity, connection: connectionName, remote: remote, stage: "route",
                         hint: "the user name names the connection (or ANYTHING#CONNECTION)")
            return
        }
        if let allowed = identity.connections, !allowed.contains(connectionName) {
            await refuse(client, sqlState: "28000", message: "your token is limited to \(allowed.joined(separator: ", ")); it does not cover \(connectionName)", identity: identity, connection: connectionName, remote: remote, stage: "route")
            return
        }
        let opening = PolicyRequest(identity: identity, connection: connectionName, protocol: "postgres",
                                    grants: context.access.grants(subject: identity.subject, connection: connectionName))
        let decision = context.policy.evaluate(opening)
        switch decision {
        case .allow: break
        case .deny(let rule, let reason), .requireApproval(let rule, let reason, _):
            await refuse(client, sqlState: "42501", message: "access denied by policy (\(rule)): \(reason)", identity: identity, connection: connectionName, remote: remote, stage: "connect", rule: rule)
            return
        }
        let settings = context.policy.sessionSettings(opening)
        let maskingEngine: MaskingEngine?
        do {
            maskingEngine = try settings.maskingProfile.flatMap { try context.maskingEngine($0) }
        } catch {
            // Fail closed: without its masking profile the session would show what it must not.
            await refuse(client, sqlState: "58000", message: "masking profile \(settings.maskingProfile ?? "") cannot be used (\(error)); the session is refused",
                         identity: identity, connection: connectionName, remote: remote, stage: "connect", rule: decision.rule)
            return
        }
        if let requested = startup.database, requested != user, requested != connectionName,
           let served = connection.database, requested != served {
            await refuse(client, sqlState: "3D000", message: "connection \(connectionName) serves database \(served) only", identity: identity, connection: connectionName, remote: remote, stage: "route")
            return
        }

        var startFields: [String: AuditValue] = [AuditField.rule: .string(decision.rule), "database": .string(connection.database ?? "")]
        if let remote { startFields[AuditField.clientAddress] = .string(Self.describe(remote)) }
        if let application = startup.applicationName { startFields["application_name"] = .string(application) }
        startFields["tls"] = .bool(tls)
        if let role = context.jitRoles[connection.name]?.roleName(forSession: id) { startFields["db_role"] = .string(role) }
        do {
            _ = try await context.store.append(AuditEvent(type: .sessionStart, sessionID: id, identity: identity, connection: connectionName, protocol: "postgres", fields: startFields))
        } catch {
            context.logger.error("audit store refused session.start; refusing the session", metadata: ["error": "\(error)"])
            try? await client.write(PostgresWire.fatal("58000", "the audit trail cannot record this session, so the gateway refuses it (fail closed)"))
            return
        }
        let state = PostgresRelayState()
        do {
            try await connectUpstream(client: client, reader: reader, connection: connection, identity: identity, startup: startup,
                                      protocolVersion: protocolVersion, state: state, settings: settings, maskingEngine: maskingEngine)
        } catch let error as PostgresUpstreamError {
            state.end("upstream_error")
            try? await client.write(PostgresWire.fatal(error.sqlState, error.message, hint: error.hint))
        } catch {
            state.end("error")
        }
        // The upstream connection has closed, however the session ended: drop its minted role.
        await context.jitRoles[connection.name]?.drop(sessionID: id, identity: identity)
        context.registry.remove(id)
        var endFields: [String: AuditValue] = [AuditField.reason: .string(state.endReason)]
        endFields["commands"] = .int(Int64(state.inner.withLockedValue { $0.commandCount }))
        _ = try? await context.store.append(AuditEvent(type: .sessionEnd, sessionID: id, identity: identity, connection: connectionName, protocol: "postgres", fields: endFields))
    }

    /// Tells the client why it was refused and records the refusal.
    private func refuse(_ client: ChannelByteStream, sqlState: String, message: String, identity: Identity?, connection: String,
                        remote: SocketAddress?, stage: String, rule: String? = nil, hint: String? = nil) async {
        var fields: [String: AuditValue] = [AuditField.decision: "deny", AuditField.reason: .string(message), "stage": .string(stage)]
        if let rule { fields[AuditField.rule] = .string(rule) }
        if let remote { fields[AuditField.clientAddress] = .string(Self.describe(remote)) }
        _ = try? await context.store.append(AuditEvent(type: .policyDecision, identity: identity, connection: connection, protocol: "postgres", fields: fields))
        try? await client.write(PostgresWire.fatal(sqlState, message, hint: hint))
    }

    // MARK: Upstream and relay

    /// - Parameter protocolVersion: the protocol agreed with the client (see ``negotiateProtocol(_:)``);
    ///   the upstream connection always speaks 3.0.
    private func connectUpstream(client: ChannelByteStream, reader: PostgresFrameReader<PostgresFrontendMessageDecoder>,
                                 connection: ConnectionEntry, identity: Identity, startup: PostgresFrontendMessage.Startup,
                                 protocolVersion: PostgresProtocolVersion, state: PostgresRelayState,
                                 settings: SessionSettings, maskingEngine: MaskingEngine?) async throws {
        let password: Secret?
        do {
            password = try connection.credential?.resolve()
        } catch {
            throw PostgresUpstreamError(message: "connection \(connection.name): the gateway's credential is unavailable (\(error))")
        }
        // With `jit_role` the session logs in as a role minted for it (dropped by `serve`).
        let jit = try await context.jitRoles[connection.name]?.mint(sessionID: id, identity: identity, maxDuration: PostgresRelay.tighter(connection.maxDuration, settings.maxDuration))
        // The upstream channel shares the client channel's event loop, where the session runs.
        let upstream = try await PostgresUpstream.connect(to: connection, group: client.channel.eventLoop)
        try await upstream.executeThenClose {
            let (upstreamReader, greeting) = try await PostgresUpstream.handshake(
                upstream, connection: jit?.connection ?? connection, password: jit?.password ?? password,
                clientParameters: startup.parameters, sslContext: context.upstreamTLS[connection.name])

            var hello = PostgresWire.encode(.authentication(.ok))
            for parameter in greeting.parameters {
                PostgresBackendMessage.parameterStatus(parameter).encode(into: &hello)
                state.noteParameterStatus(parameter)
            }
            var cancelTarget: SessionRegistry.CancelTarget?
            if let key = greeting.backendKey {
                let target = SessionRegistry.CancelTarget(host: connection.address.host, port: connection.address.port, processID: key.processID, secretKey: key.secretKey)
                let keyLength = protocolVersion >= .v3_2 ? Self.longCancelKeyLength : 4
                let gatewayKey = context.registry.registerCancelTarget(sessionID: id, target: target, keyLength: keyLength)
                PostgresBackendMessage.backendKeyData(.init(processID: gatewayKey.processID, secretKey: gatewayKey.secretKey)).encode(into: &hello)
                cancelTarget = target
            }
            PostgresBackendMessage.readyForQuery(greeting.transactionStatus).encode(into: &hello)
            try await client.write(hello)

            context.registry.register(.init(id: id, identity: identity, connection: connection.name) { termination in
                state.requestTermination(termination)
            })
            let relay = PostgresRelay(session: self, identity: identity, connection: connection, state: state, settings: settings,
                                      maskingEngine: maskingEngine, upstreamCancelTarget: cancelTarget)
            try await relay.run(clientReader: reader, client: client, upstreamReader: upstreamReader, upstream: upstream)
        }
    }

    // MARK: Protocol version

    /// The newest protocol the gateway speaks with clients. 3.2 differs from 3.0 only in the
    /// length of cancel keys, and the gateway hands out its own keys, so it offers 3.2 to
    /// clients whatever the upstream server speaks (the upstream connection uses 3.0).
    static let newestProtocol = PostgresProtocolVersion.v3_2

    /// Secret key length for 3.2 clients: 256 bits, as PostgreSQL 18 sends.
    static let longCancelKeyLength = 32

    /// The protocol version to speak with the client, and the NegotiateProtocolVersion to
    /// send first, as a PostgreSQL server does: only when the client asked for a newer minor
    /// version than ``newestProtocol`` or sent `_pq_.` protocol options (the gateway knows
    /// none, so it names them all as unrecognised).
    static func negotiateProtocol(_ startup: PostgresFrontendMessage.Startup) -> (PostgresProtocolVersion, PostgresBackendMessage.NegotiateProtocolVersion?) {
        let agreed = min(startup.protocolVersion, newestProtocol)
        let options = startup.parameters.map(\.name).filter { $0.hasPrefix("_pq_.") }
        guard startup.protocolVersion > newestProtocol || !options.isEmpty else { return (agreed, nil) }
        return (agreed, .init(newestVersion: agreed, unrecognizedOptions: options))
    }

    static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        return ip.hasPrefix("127.") || ip == "::1" || ip.hasPrefix("::ffff:127.")
    }

    static func describe(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress, let port = address.port else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(port)" : "\(ip):\(port)"
    }
}
