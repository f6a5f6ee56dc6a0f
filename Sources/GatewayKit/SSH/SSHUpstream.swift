import NIOCore
import NIOPosix
import NIOSSH

/// The gateway's own SSH connection to a connection's server: the server's host key must
/// be the one pinned in the configuration, and the gateway logs in with the credential it
/// holds (its private key first, then its password).
enum SSHUpstream {
    /// Connects on `eventLoop` and returns once the server accepted the gateway's login.
    static func connect(to connection: ConnectionEntry, login: String, eventLoop: any EventLoop, timeout: TimeAmount) async throws -> any Channel {
        guard let line = connection.hostKey, let pinned = try? NIOSSHPublicKey(openSSHPublicKey: line) else {
            throw SSHUpstreamError(reason: "upstream_error", message: "connection \(connection.name) has no usable host_key in the configuration")
        }
        var offers: [NIOSSHUserAuthenticationOffer.Offer] = []
        do {
            if let reference = connection.privateKey {
                offers.append(.privateKey(.init(privateKey: try OpenSSHPrivateKey.parse(reference.resolve().reveal()))))
            }
            if let reference = connection.credential {
                offers.append(.password(.init(password: try reference.resolve().reveal())))
            }
        } catch {
            throw SSHUpstreamError(reason: "upstream_error", message: "connection \(connection.name): the gateway's credential is unavailable (\(error))")
        }
        let readiness = eventLoop.makePromise(of: Void.self)
        let name = connection.name
        let credentials = offers
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let configuration = SSHClientConfiguration(
                            userAuthDelegate: SSHUpstreamLoginDelegate(connection: name, login: login, offers: credentials),
                            serverAuthDelegate: SSHPinnedHostKeyDelegate(connection: name, pinned: pinned))
                        let handler = NIOSSHHandler(role: .client(configuration), allocator: channel.allocator) { child, type in
                            // The server opens channels to the gateway only for ports a session forwards (ssh -R).
                            SSHRemoteForwardRoute.route(child, type: type)
                        }
                        try channel.pipeline.syncOperations.addHandlers([handler, SSHUpstreamReadiness(connection: name, promise: readiness)])
                    }
                }
                .connect(host: connection.address.host, port: connection.address.port).get()
        } catch {
            readiness.fail(error)
            throw SSHUpstreamError(reason: "upstream_error", message: "cannot reach \(name)'s server at \(connection.address.host):\(connection.address.port): \(error)")
        }
        let timer = eventLoop.scheduleTask(in: timeout) {
            readiness.fail(SSHUpstreamError(reason: "upstream_error", message: "\(name)'s server did not complete the SSH login within \(timeout.nanoseconds / 1_000_000_000)s"))
        }
        do {
            try await readiness.futureResult.get()
            timer.cancel()
            return channel
        } catch {
            timer.cancel()
            channel.close(promise: nil)
            if let error = error as? SSHUpstreamError { throw error }
            throw SSHUpstreamError(reason: "upstream_error", message: "the SSH connection to \(name)'s server failed: \(error)")
        }
    }

    /// Opens a session channel on an upstream connection, with `handler` as its last handler.
    static func openSession(on upstream: any Channel, handler: @escaping @Sendable (any Channel) throws -> Void) -> EventLoopFuture<any Channel> {
        upstream.eventLoop.flatSubmit {
            let promise = upstream.eventLoop.makePromise(of: (any Channel).self)
            do {
                let ssh = try upstream.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                ssh.createChannel(promise, channelType: .session) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        try child.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
                        try child.pipeline.syncOperations.addHandler(SSHHalfCloseHandler(afterPeerEOF: .close))
                        try handler(child)
                    }
                }
            } catch {
                promise.fail(error)
            }
            return promise.futureResult
        }
    }
}

/// Offers the gateway's credentials in order: key, then password; then gives up.
final class SSHUpstreamLoginDelegate: NIOSSHClientUserAuthenticationDelegate {
    private let connection: String
    private let login: String
    private var offers: [NIOSSHUserAuthenticationOffer.Offer]

    init(connection: String, login: String, offers: [NIOSSHUserAuthenticationOffer.Offer]) {
        self.connection = connection
        self.login = login
        self.offers = offers
    }

    func nextAuthenticationType(availableMethods: NIOSSHAvailableUserAuthenticationMethods,
                                nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>) {
        while !offers.isEmpty {
            let offer = offers.removeFirst()
            switch offer {
            case .privateKey where availableMethods.contains(.publicKey), .password where availableMethods.contains(.password):
                nextChallengePromise.succeed(NIOSSHUserAuthenticationOffer(username: login, serviceName: "", offer: offer))
                return
            default:
                continue
            }
        }
        nextChallengePromise.fail(SSHUpstreamError(
            reason: "upstream_auth_failed",
            message: "the server of \(connection) refused the gateway's login as \(login) (check the connection's username, allowed_logins and credential)"))
    }
}

/// Accepts the upstream server only if it presents the pinned host key.
struct SSHPinnedHostKeyDelegate: NIOSSHClientServerAuthenticationDelegate {
    let connection: String
    let pinned: NIOSSHPublicKey

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        if hostKey == pinned {
            validationCompletePromise.succeed(())
        } else {
            validationCompletePromise.fail(SSHUpstreamError(
                reason: "upstream_host_key_mismatch",
                message: "the server of \(connection) presented host key \(SSHHostKey.fingerprint(hostKey)), but the gateway pins \(SSHHostKey.fingerprint(pinned)) (host_key); refusing the session: it may not be the real server"))
        }
    }
}

/// Completes `promise` when the upstream login succeeded, or fails it with why not.
final class SSHUpstreamReadiness: ChannelInboundHandler {
    typealias InboundIn = Any

    private let connection: String
    private let promise: EventLoopPromise<Void>

    init(connection: String, promise: EventLoopPromise<Void>) {
        self.connection = connection
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is UserAuthSuccessEvent { promise.succeed(()) }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let error = error as? SSHUpstreamError {
            promise.fail(error)
        } else {
            promise.fail(SSHUpstreamError(reason: "upstream_error", message: "the SSH connection to \(connection)'s server failed: \(error)"))
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(SSHUpstreamError(reason: "upstream_error", message: "the server of \(connection) closed the connection during the SSH login"))
        context.fireChannelInactive()
    }
}
