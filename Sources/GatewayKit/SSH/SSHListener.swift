import Logging
import NIOCore
import NIOPosix
import NIOSSH
import ServiceLifecycle

/// Accepts SSH clients on the configured address; each connection becomes an
/// ``SSHServerConnection``. On graceful shutdown it stops accepting and ends live sessions
/// with a message on their terminals.
struct SSHListener: Service {
    let context: SSHSessionContext
    let address: HostAndPort
    let group: any EventLoopGroup
    let onListening: @Sendable (Int) async -> Void

    func run() async throws {
        let context = self.context
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // No half-closure on the client's TCP connection: NIOSSH ignores its end of file,
            // so a client killed without saying goodbye (no SSH_MSG_DISCONNECT) left its session
            // and the server's shell open for ever. Its end of file now closes the connection.
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try SSHServerConnection(context: context, channel: channel).install()
                }
            }
            .bind(host: address.host, port: address.port).get()
        let port = server.localAddress?.port ?? address.port
        context.logger.info("ssh listener ready", metadata: ["address": "\(address.host):\(port)", "host_key": "\(SSHHostKey.fingerprint(context.hostKey.publicKey))"])
        await onListening(port)
        let registry = context.registry
        await withGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onGracefulShutdown: {
            server.close(promise: nil)
            for entry in registry.entries where entry.id.hasPrefix("ssh-") {
                entry.terminate(.init(reason: "gateway_shutdown", message: "terminating connection: the gateway is shutting down"))
            }
        }
    }
}
