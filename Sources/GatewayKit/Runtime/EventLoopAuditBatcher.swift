import AuditCore
import NIOConcurrencyHelpers
import NIOCore

/// Gathers the write-ahead appends that the sessions of one event loop make in one turn of
/// that loop into a single ``AuditStore/append(contentsOf:)``.
///
/// When several clients' statements arrive in one wake-up of the loop, each session would
/// otherwise hand its events to the store's writer on its own: the first wakes the writer
/// for a batch of one, the rest queue behind that commit for a second. Here the first
/// append of a turn schedules a flush at the back of the loop's task queue, so the sessions
/// already woken by the same reads add theirs first, and the writer is woken once for all
/// of them. Nothing waits for a timer: the flush runs as soon as the loop's queued work is done.
///
/// All or nothing, as with the store: if the combined transaction fails, every append in
/// it throws, and each session refuses its statement (fail closed).
final class EventLoopAuditBatcher: Sendable {
    private struct Waiting {
        var events: [AuditEvent]
        var continuation: UnsafeContinuation<ArraySlice<AuditRecord>, any Error>
    }

    private struct State {
        var waiting: [Waiting] = []
        var flushScheduled = false
    }

    let eventLoop: any EventLoop
    private let store: any AuditStore
    private let state = NIOLockedValueBox(State())

    init(eventLoop: any EventLoop, store: any AuditStore) {
        self.eventLoop = eventLoop
        self.store = store
    }

    /// Stores `events` in one transaction with the other appends of this loop turn and
    /// returns their records, in order, once they are durable.
    func append(contentsOf events: [AuditEvent]) async throws -> ArraySlice<AuditRecord> {
        try await withUnsafeThrowingContinuation { continuation in
            let schedule = state.withLockedValue { state -> Bool in
                state.waiting.append(Waiting(events: events, continuation: continuation))
                guard !state.flushScheduled else { return false }
                state.flushScheduled = true
                return true
            }
            if schedule { eventLoop.execute { self.flush() } }
        }
    }

    /// Runs on the event loop once the turn's queued work is done: one store append for
    /// every waiting session, each resumed with its own records.
    private func flush() {
        let waiting = state.withLockedValue { state -> [Waiting] in
            state.flushScheduled = false
            defer { state.waiting = [] }  // the flush's task keeps this array
            return state.waiting
        }
        guard !waiting.isEmpty else { return }
        let events = waiting.count == 1 ? waiting[0].events : waiting.flatMap(\.events)
        Task(executorPreference: EventLoopTaskExecutor(eventLoop)) { [store] in
            let records: [AuditRecord]
            do {
                records = try await store.append(contentsOf: events)
            } catch {
                for entry in waiting { entry.continuation.resume(throwing: error) }
                return
            }
            var start = records.startIndex
            for entry in waiting {
                let end = start + entry.events.count
                entry.continuation.resume(returning: records[start..<end])
                start = end
            }
        }
    }
}

/// One ``EventLoopAuditBatcher`` per event loop, made on first use.
final class EventLoopAuditBatchers: Sendable {
    private let store: any AuditStore
    private let batchers = NIOLockedValueBox<[ObjectIdentifier: EventLoopAuditBatcher]>([:])

    init(store: any AuditStore) {
        self.store = store
    }

    func batcher(for eventLoop: any EventLoop) -> EventLoopAuditBatcher {
        batchers.withLockedValue { batchers in
            let key = ObjectIdentifier(eventLoop)
            if let existing = batchers[key] { return existing }
            let batcher = EventLoopAuditBatcher(eventLoop: eventLoop, store: store)
            batchers[key] = batcher
            return batcher
        }
    }
}
