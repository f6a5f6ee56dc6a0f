import AuditCore
import NIOCore
import Logging
import NIOSSH

/// One client TCP connection to the SSH listener, from the handshake to its close.
///
/// The token arrives as the SSH password. SSH has no way to say *why* a password was
/// refused (NIOSSH sends a banner only with success), so a refused login is accepted as an
/// SSH login that can do nothing: the first session channel gets the reason on standard
/// error and exit status 255, and the connection closes. Every refusal is audited as a
/// `policy.decision` before the client learns of it. Lives on the channel's event loop.
final class SSHServerConnection: @unchecked Sendable {
    private enum Phase {
        case handshake
        case authenticating
        case admitted(SSHSession)
        case refused(String)
    }

    let context: SSHSessionContext
    let channel: any Channel
    private var phase = Phase.handshake
    private var deadline: Scheduled<Void>?

    init(context: SSHSessionContext, channel: any Channel) {
        self.context = context
        self.channel = channel
    }

    /// Adds the SSH handler to the channel's pipeline; call from its initializer.
    func install() throws {
        var configuration = SSHServerConfiguration(hostKeys: [context.hostKey], userAuthDelegate: SSHTokenPasswordDelegate(connection: self),
                                                   globalRequestDelegate: SSHForwardingGlobalRequests(connection: self))
        configuration.maxAuthAttempts = 20
        let handler = NIOSSHHandler(role: .server(configuration), allocator: channel.allocator) { child, type in
            self.childChannel(child, type: type)
        }
        try channel.pipeline.syncOperations.addHandlers([handler, SSHConnectionErrorHandler(logger: context.logger) { [weak self] error in
            self?.clientFailed(error) ?? false
        }])
        // A client that has not logged in by then is cut off: a stalled handshake holds nothing for long.
        deadline = channel.eventLoop.scheduleTask(in: context.handshakeTimeout) { [weak self] in
            guard let self else { return }
            if case .admitted = self.phase { return }
            self.context.logger.info("ssh client did not log in in time", metadata: ["client": "\(self.channel.remoteAddress.map { "\($0)" } ?? "?")"])
            self.channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in self.deadline?.cancel() }
    }

    // MARK: Authentication

    func authenticate(username: String, credential: SSHAdmission.Credential, promise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard case .handshake = phase else {
            // One login per connection: the first attempt decides.
            promise.succeed(.failure)
            return
        }
        phase = .authenticating
        let admission = SSHAdmission(context: context, remote: channel.remoteAddress)
        let eventLoop = channel.eventLoop
        let client = channel
        eventLoop.makeFutureWithTask { () async -> Result<SSHAdmission.Admitted, SSHAdmission.Refusal> in
            do throws(SSHAdmission.Refusal) {
                return .success(try await admission.admit(username: username, credential: credential, eventLoop: eventLoop))
            } catch {
                return .failure(error)
            }
        }.whenSuccess { result in
            switch result {
            case .success(let admitted):
                guard client.isActive else {
                    admitted.upstream.close(promise: nil)
                    self.phase = .refused("the client went away")
                    self.recordAbandoned(admitted)
                    return
                }
                let session = SSHSession(id: admitted.id, context: self.context, identity: admitted.identity, connection: admitted.connection, login: admitted.login,
                                         settings: admitted.settings, maskingEngine: admitted.maskingEngine, rule: admitted.rule, client: client, upstream: admitted.upstream)
                self.phase = .admitted(session)
                session.start()
                self.context.logger.info("ssh session started", metadata: ["session": "\(admitted.id)", "subject": "\(admitted.identity.subject)", "connection": "\(admitted.connection.name)"])
            case .failure(let refusal):
                self.phase = .refused(refusal.message)
                // Nothing to do once told: the connection closes soon whatever the client does.
                self.deadline?.cancel()
                self.deadline = eventLoop.scheduleTask(in: .seconds(10)) { client.close(promise: nil) }
            }
            promise.succeed(.success)
        }
    }

    /// The client left while its login was being admitted: the session has no channel to end it.
    private func recordAbandoned(_ admitted: SSHAdmission.Admitted) {
        let store = context.store
        let end = AuditEvent(type: .sessionEnd, sessionID: admitted.id, identity: admitted.identity, connection: admitted.connection.name, protocol: "ssh",
                             fields: [AuditField.reason: "client_disconnected", "commands": 0])
        Task { _ = try? await store.append(end) }
    }

    // MARK: Channels

    private func childChannel(_ child: any Channel, type: SSHChannelType) -> EventLoopFuture<Void> {
        switch (phase, type) {
        case (.admitted(let session), .session):
            do {
                try child.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                let relay = SSHChannelRelay(session: session, client: child)
                try child.pipeline.syncOperations.addHandlers([SSHHalfCloseHandler(afterPeerEOF: .awaitClose), SSHSessionChannelHandler(relay: relay)])
                return relay.openUpstream().flatMapErrorThrowing { error in
                    relay.clientGone()
                    throw error
                }
            } catch {
                return child.eventLoop.makeFailedFuture(error)
            }
        case (.admitted(let session), .directTCPIP(let target)):
            return session.forwarding.openDirect(child, target: target)
        case (.refused(let message), .session):
            do {
                try child.pipeline.syncOperations.addHandler(SSHRefusalChannelHandler(message: message))
                return child.eventLoop.makeSucceededVoidFuture()
            } catch {
                return child.eventLoop.makeFailedFuture(error)
            }
        default:
            return child.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
    }

    /// NIOSSH could not read what the client sent. An admitted session ends with the reason
    /// on the client's terminal (`protocol_error`) and true is returned; otherwise the
    /// connection just closes.
    ///
    /// NIOSSH 0.15.1 fails the whole connection on a channel request it does not know that
    /// carries data (apple/swift-nio-ssh#221): `x11-req` (`ssh -X`) and `break` (`~B`).
    /// Nothing after it is read, so nothing reaches the server; the client is told why.
    func clientFailed(_ error: any Error) -> Bool {
        guard case .admitted(let session) = phase, let sshError = error as? NIOSSHError, sshError.type != .tcpShutdown else { return false }
        let message = sshError.type == .invalidPacketFormat
            ? "the gateway cannot read a request your client sent; X11 forwarding (ssh -X, ForwardX11) and ssh's break (~B) are not supported, connect without them"
            : "the gateway cannot read what your client sent (\(sshError.type))"
        context.logger.info("ssh client sent what the gateway cannot read", metadata: ["session": "\(session.id)", "error": "\(sshError.type)"])
        session.terminate(.init(reason: "protocol_error", message: "terminating connection: " + message))
        return true
    }

    /// A `tcpip-forward` or `cancel-tcpip-forward` request: only an admitted session forwards.
    func tcpForwardingRequest(_ request: GlobalRequest.TCPForwardingRequest, promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>) {
        guard case .admitted(let session) = phase else {
            promise.fail(ChannelError.operationUnsupported)
            return
        }
        session.forwarding.request(request, promise: promise)
    }
}

/// Reads the token from SSH password authentication, or takes a key the gateway's user CA
/// certified (publickey authentication: the certificate, or its plain key — see
/// ``SSHIssuedCertificates``). Other keys and other CAs' certificates fail at once, so the
/// client goes on to its next key or to the password.
final class SSHTokenPasswordDelegate: NIOSSHServerUserAuthenticationDelegate {
    private weak var connection: SSHServerConnection?

    init(connection: SSHServerConnection) {
        self.connection = connection
    }

    var supportedAuthenticationMethods: NIOSSHAvailableUserAuthenticationMethods {
        connection?.context.userCA == nil ? .password : [.password, .publicKey]
    }

    func requestReceived(request: NIOSSHUserAuthenticationRequest, responsePromise: EventLoopPromise<NIOSSHUserAuthenticationOutcome>) {
        guard let connection else {
            responsePromise.succeed(.failure)
            return
        }
        switch request.request {
        case .password(let password):
            connection.authenticate(username: request.username, credential: .token(password.password), promise: responsePromise)
        case .publicKey(let publicKey):
            guard let userCA = connection.context.userCA else {
                responsePromise.succeed(.failure)
                return
            }
            if let certificate = NIOSSHCertifiedPublicKey(publicKey.publicKey), userCA.signed(certificate) {
                connection.authenticate(username: request.username, credential: .certificate(certificate), promise: responsePromise)
            } else if NIOSSHCertifiedPublicKey(publicKey.publicKey) == nil, case let fingerprint = SSHHostKey.fingerprint(publicKey.publicKey),
                      userCA.certified(fingerprint: fingerprint) {
                connection.authenticate(username: request.username, credential: .certifiedKey(fingerprint: fingerprint), promise: responsePromise)
            } else {
                responsePromise.succeed(.failure)
            }
        default:
            responsePromise.succeed(.failure)
        }
    }
}

/// Hands `tcpip-forward` requests (remote port forwarding) to the session's port forwarding.
struct SSHForwardingGlobalRequests: GlobalRequestDelegate {
    weak var connection: SSHServerConnection?

    func tcpForwardingRequest(_ request: GlobalRequest.TCPForwardingRequest, handler: NIOSSHHandler, promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>) {
        guard let connection else {
            promise.fail(ChannelError.operationUnsupported)
            return
        }
        connection.tcpForwardingRequest(request, promise: promise)
    }
}

/// Ends a client connection whose bytes NIOSSH could not accept (a malformed packet, a
/// failed key exchange): that connection alone ends — at once, unless `ended` takes care of
/// it (an admitted session tells its client why first).
final class SSHConnectionErrorHandler: ChannelInboundHandler {
    typealias InboundIn = Any
    let logger: Logger
    let ended: (any Error) -> Bool

    init(logger: Logger, ended: @escaping (any Error) -> Bool) {
        self.logger = logger
        self.ended = ended
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("ssh connection closed on error", metadata: ["error": "\(error)"])
        if !ended(error) { context.close(promise: nil) }
    }
}

/// The only channel a refused login gets: its first request is answered with the reason
/// on standard error and exit status 255 (as ssh itself exits when it cannot connect).
final class SSHRefusalChannelHandler: ChannelInboundHandler {
    typealias InboundIn = SSHChannelData
    private let message: String
    private var told = false

    init(message: String) {
        self.message = message
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        let wantReply: Bool
        switch event {
        case let request as SSHChannelRequestEvent.ExecRequest: wantReply = request.wantReply
        case let request as SSHChannelRequestEvent.ShellRequest: wantReply = request.wantReply
        case let request as SSHChannelRequestEvent.SubsystemRequest: wantReply = request.wantReply
        case let request as SSHChannelRequestEvent.PseudoTerminalRequest:
            if request.wantReply { context.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil) }
            return
        case let request as SSHChannelRequestEvent.EnvironmentRequest:
            if request.wantReply { context.triggerUserOutboundEvent(ChannelFailureEvent(), promise: nil) }
            return
        default:
            return
        }
        guard !told else { return }
        told = true
        if wantReply { context.triggerUserOutboundEvent(ChannelSuccessEvent(), promise: nil) }
        let text = "auditgateway: \(message)\r\n"
        context.writeAndFlush(NIOAny(SSHChannelData(type: .stdErr, data: .byteBuffer(ByteBuffer(string: text)))), promise: nil)
        context.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: 255), promise: nil)
        let channel = context.channel
        channel.close(mode: .output, promise: nil)
        channel.close(promise: nil)
        // The connection goes once the client has seen the channel close (or after a moment).
        let parent = channel.parent
        channel.closeFuture.whenComplete { _ in
            parent?.eventLoop.scheduleTask(in: .milliseconds(500)) { parent?.close(promise: nil) }
        }
    }
}
