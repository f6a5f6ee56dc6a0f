import AuditCore
import ServiceLifecycle

/// Keeps the audit store open for the life of the service group. Records the node's start
/// and stop in the trail (so a gap in coverage is visible) and closes the store — with a
/// final signed checkpoint — after every service that writes to it has stopped.
struct AuditStoreService: Service {
    let store: SQLiteAuditStore
    let nodeID: String

    func run() async throws {
        _ = try await store.append(AuditEvent(type: .adminAction, fields: [AuditField.action: "gateway.start", "node": .string(nodeID)]))
        try? await gracefulShutdown()
        _ = try? await store.append(AuditEvent(type: .adminAction, fields: [AuditField.action: "gateway.stop", "node": .string(nodeID)]))
        try await store.close()
    }
}
