import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Accepts PostgreSQL clients on the configured address; each connection becomes a
/// ``PostgresSession``. On graceful shutdown it stops accepting, ends live sessions with
/// FATAL 57P01, and waits for them to record their end.
struct PostgresListener: Service {
    let context: PostgresSessionContext
    let address: HostAndPort
    let onListening: @Sendable (Int) async -> Void

    func run() async throws {
        let server = try await ServerBootstrap(group: context.group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try ChannelByteStream(installingOn: channel)
                }
            }
        let port = server.channel.localAddress?.port ?? address.port
        context.logger.info("postgres listener ready", metadata: ["address": "\(address.host):\(port)"])
        await onListening(port)
        let registry = context.registry
        try await withGracefulShutdownHandler {
            try await server.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await client in inbound {
                        // The session runs on its client channel's event loop (see EventLoopTaskExecutor).
                        group.addTask(executorPreference: EventLoopTaskExecutor(client.channel.eventLoop)) {
                            await PostgresSession(context: context).run(client)
                        }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
            for id in registry.liveSessionIDs {
                registry.terminate(id, .init(reason: "gateway_shutdown", message: "terminating connection: the gateway is shutting down"))
            }
        }
    }
}
