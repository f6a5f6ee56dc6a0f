import AuditCore
import Metrics

/// Prometheus-facing counters fed by the audit store.
enum AuditMetrics {
    /// Counts committed events by type (`auditgateway_audit_events_total{type=...}`).
    static func attach(to store: SQLiteAuditStore) {
        let counters = Dictionary(uniqueKeysWithValues: AuditEventType.allCases.map {
            ($0, Counter(label: "auditgateway_audit_events_total", dimensions: [("type", $0.rawValue)]))
        })
        let batches = Counter(label: "auditgateway_audit_commits_total")
        store.addObserver { records in
            batches.increment()
            for record in records { counters[record.event.type]?.increment() }
        }
    }
}
