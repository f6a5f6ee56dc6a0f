import Foundation
import Logging
import Prometheus
import ServiceLifecycle

/// Assembles a node's services — audit store, admin API, (later) protocol listeners — into
/// one ServiceGroup that starts them in order and shuts them down in reverse on SIGTERM/SIGINT.
public enum GatewayService {
    public static func serviceGroup(
        runtime: GatewayRuntime,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        onAdminRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> ServiceGroup {
        let admin = AdminServer.application(runtime: runtime, registry: registry, logger: logger, onRunning: onAdminRunning)
        let listeners = runtime.configuration.listeners
        for (name, address) in [("postgres", listeners.postgres), ("mysql", listeners.mysql), ("ssh", listeners.ssh), ("http", listeners.http)] {
            if let address {
                logger.warning("listener configured but not served by this build yet", metadata: ["protocol": "\(name)", "address": "\(address)"])
            }
        }
        return ServiceGroup(configuration: .init(
            services: [
                .init(service: AuditStoreService(store: runtime.store, nodeID: runtime.configuration.nodeID)),
                .init(service: admin),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
    }
}
