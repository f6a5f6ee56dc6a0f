import NIOCore
import NIOSSH

/// Joins a session's upstream connection to its port forwarding once the client asked the
/// server to listen (`tcpip-forward`): the connection's channel initializer finds this
/// handler in its pipeline and hands it the `forwarded-tcpip` channels the server opens.
/// Every other channel the server opens (agent, X11, ports nobody asked for) is refused.
final class SSHRemoteForwardRoute: ChannelInboundHandler {
    typealias InboundIn = Any

    private weak var forwarding: SSHPortForwarding?

    private init(forwarding: SSHPortForwarding) {
        self.forwarding = forwarding
    }

    /// Adds the route to `upstream`'s pipeline, once; call on its event loop.
    static func install(on upstream: any Channel, forwarding: SSHPortForwarding) throws {
        let pipeline = upstream.pipeline.syncOperations
        if (try? pipeline.handler(type: SSHRemoteForwardRoute.self)) != nil { return }
        try pipeline.addHandler(SSHRemoteForwardRoute(forwarding: forwarding))
    }

    /// The upstream connection's answer to a channel the server opens.
    static func route(_ child: any Channel, type: SSHChannelType) -> EventLoopFuture<Void> {
        guard case .forwardedTCPIP(let info) = type, let parent = child.parent,
              let route = try? parent.pipeline.syncOperations.handler(type: SSHRemoteForwardRoute.self), let forwarding = route.forwarding
        else {
            return child.eventLoop.makeFailedFuture(ChannelError.operationUnsupported)
        }
        return forwarding.acceptForwarded(child, info: info)
    }
}
