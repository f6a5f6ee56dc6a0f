import Foundation
import Logging
import NIOPosix
import NIOSSL
import Prometheus
import ServiceLifecycle

/// Assembles a node's services — audit store, admin API, (later) protocol listeners — into
/// one ServiceGroup that starts them in order and shuts them down in reverse on SIGTERM/SIGINT.
public enum GatewayService {
    /// The node's services, serving sessions on `loops` (see ``ListenerEventLoops``: the
    /// caller shuts them down after the group's `run()` returns).
    public static func serviceGroup(
        runtime: GatewayRuntime,
        loops: ListenerEventLoops,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onAdminRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onPostgresListening: @escaping @Sendable (Int) async -> Void = { _ in },
        onSSHListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> ServiceGroup {
        let admin = AdminServer.application(runtime: runtime, registry: registry, logger: logger, onRunning: onAdminRunning)
        let listeners = runtime.configuration.listeners
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: AuditStoreService(store: runtime.store, nodeID: runtime.configuration.nodeID)),
        ]
        if let address = listeners.postgres {
            var upstreamTLS: [String: NIOSSLContext] = [:]
            for connection in runtime.configuration.connections where connection.protocol == .postgres {
                upstreamTLS[connection.name] = try TLSContexts.upstream(connection)
            }
            let context = PostgresSessionContext(
                node: NodeServices(runtime: runtime, logger: logger),
                serverTLS: try TLSContexts.server(runtime.certificate), upstreamTLS: upstreamTLS,
                group: loops.group, jitRoles: runtime.jitRoles, auditBatchers: EventLoopAuditBatchers(store: runtime.store))
            services.append(.init(service: PostgresListener(context: context, address: address, onListening: onPostgresListening)))
        }
        if let address = listeners.ssh {
            let context = SSHSessionContext(
                node: NodeServices(runtime: runtime, logger: logger),
                hostKey: try SSHHostKey.loadOrCreate(runtime.dataDirectory), userCA: runtime.sshUserCA)
            services.append(.init(service: SSHListener(context: context, address: address, group: loops.group, onListening: onSSHListening)))
        }
        if let policy = runtime.policyStore {
            services.append(.init(service: PolicyReloader(policy: policy, store: runtime.store, logger: logger)))
        }
        services.append(.init(service: SessionSweeper(runtime: runtime)))
        services.append(.init(service: admin))
        for (name, address) in [("mysql", listeners.mysql), ("http", listeners.http)] {
            if let address {
                logger.warning("listener configured but not served by this build yet", metadata: ["protocol": "\(name)", "address": "\(address)"])
            }
        }
        return ServiceGroup(configuration: .init(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
    }
}
