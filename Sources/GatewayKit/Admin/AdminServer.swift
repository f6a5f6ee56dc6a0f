import Hummingbird
import Logging
import Prometheus

/// The admin HTTP server as a Hummingbird application for the service group.
public enum AdminServer {
    /// - Parameter onRunning: called with the bound port once the listener is up (useful with port 0).
    public static func application(
        runtime: GatewayRuntime,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let listen = runtime.configuration.admin.listen
        return Application(
            router: AdminAPI.router(runtime: runtime, registry: registry),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "auditgateway"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? listen.port) },
            logger: logger
        )
    }
}
