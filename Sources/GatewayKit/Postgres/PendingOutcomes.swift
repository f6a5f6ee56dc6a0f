import AuditCore
import NIOConcurrencyHelpers
import NIOCore

/// Command outcomes waiting to be stored. Outcomes are not write-ahead (the command already
/// ran), so rather than a commit of their own each one rides along with the next statement's
/// write-ahead append — one commit per statement instead of two for a client that waits for
/// each answer. What no statement picks up within ``grace`` is stored by the session's
/// outcome flusher, and everything left is stored when the session ends.
final class PendingOutcomes: Sendable {
    /// How long an outcome waits for a statement to carry it.
    static let grace: TimeAmount = .milliseconds(5)

    private struct Entry {
        var events: [AuditEvent]
        var added: NIODeadline
    }

    private let entries = NIOLockedValueBox<[Entry]>([])
    private let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))

    func add(_ events: [AuditEvent]) {
        guard !events.isEmpty else { return }
        entries.withLockedValue { $0.append(Entry(events: events, added: .now())) }
        wake.yield()
    }

    /// Everything waiting, oldest first (for the next write-ahead append).
    func takeAll() -> [AuditEvent] {
        entries.withLockedValue { entries in
            defer { entries.removeAll(keepingCapacity: true) }
            return entries.flatMap(\.events)
        }
    }

    /// Outcomes that waited at least `grace` (for the flusher).
    private func takeOverdue(now: NIODeadline) -> [AuditEvent] {
        entries.withLockedValue { entries in
            let overdue = entries.prefix { now - $0.added >= Self.grace }
            entries.removeFirst(overdue.count)
            return overdue.flatMap(\.events)
        }
    }

    /// Stores overdue outcomes until ``finish()``, then whatever is left.
    func flush(to store: any AuditStore) async {
        for await _ in wakeups {
            while true {
                try? await Task.sleep(for: .milliseconds(Int64(Self.grace.nanoseconds / 1_000_000)))
                let overdue = takeOverdue(now: .now())
                if !overdue.isEmpty { _ = try? await store.append(contentsOf: overdue) }
                if entries.withLockedValue({ $0.isEmpty }) { break }
            }
        }
        let rest = takeAll()
        if !rest.isEmpty { _ = try? await store.append(contentsOf: rest) }
    }

    /// Ends ``flush(to:)`` once it has stored what is left.
    func finish() { wake.finish() }
}
