import AuditCore
import NIOConcurrencyHelpers
import NIOCore

/// State the two relay directions and the watchdog of one session share, behind a lock.
final class PostgresRelayState: Sendable {
    struct Inner {
        var tracker = PostgresCommandTracker()
        var lastActivity = NIODeadline.now()
        var terminateReason: String?
        var endReason: String?
        var commandCount = 0
        var pendingOutcomes: [AuditEvent] = []
        /// Result column names per prepared statement, learned from Describe answers.
        var statementColumns: [String: [String]] = [:]
    }

    let inner = NIOLockedValueBox(Inner())

    /// Claims the session's end reason; the first claim wins.
    func end(_ reason: String) {
        inner.withLockedValue { if $0.endReason == nil { $0.endReason = reason } }
    }

    var endReason: String { inner.withLockedValue { $0.endReason ?? "error" } }

    func touch() { inner.withLockedValue { $0.lastActivity = .now() } }

    func requestTermination(_ reason: String) {
        inner.withLockedValue { if $0.terminateReason == nil { $0.terminateReason = reason } }
    }

    func queueOutcomes(_ events: [AuditEvent]) {
        guard !events.isEmpty else { return }
        inner.withLockedValue { $0.pendingOutcomes.append(contentsOf: events) }
    }

    func takeOutcomes() -> [AuditEvent] {
        inner.withLockedValue { state in
            defer { state.pendingOutcomes.removeAll(keepingCapacity: true) }
            return state.pendingOutcomes
        }
    }
}
