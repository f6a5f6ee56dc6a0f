import AuditCore
import NIOConcurrencyHelpers
import NIOCore

/// Command outcomes waiting to be stored. Outcomes are not write-ahead (the command already
/// ran), so rather than a commit of their own each one rides along with the next statement's
/// write-ahead append — one commit per statement instead of two for a client that waits for
/// each answer. What no statement picks up within ``grace`` is stored by a timer on the
/// session's event loop, and everything left is stored by ``finish()``.
///
/// The timer is armed only while outcomes wait, and once per ``grace`` at most: a busy
/// session costs no wake-up per statement (an earlier flusher task woke for every outcome,
/// which cost more CPU than the statement's own relay work).
final class PendingOutcomes: Sendable {
    /// How long an outcome waits for a statement to carry it.
    static let grace: TimeAmount = .milliseconds(5)

    private struct Entry {
        var events: [AuditEvent]
        var added: NIODeadline
    }

    private struct State {
        var entries: [Entry] = []
        var timerArmed = false
        var finished = false
        /// The last flush started by the timer; the next one (and ``finish()``) waits for it,
        /// so flushes store in order and none is still running when the session's end is stored.
        var lastFlush: Task<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())
    private let eventLoop: any EventLoop
    private let store: any AuditStore

    init(eventLoop: any EventLoop, store: any AuditStore) {
        self.eventLoop = eventLoop
        self.store = store
    }

    func add(_ events: [AuditEvent]) {
        guard !events.isEmpty else { return }
        let arm = state.withLockedValue { state -> Bool in
            state.entries.append(Entry(events: events, added: .now()))
            guard !state.timerArmed, !state.finished else { return false }
            state.timerArmed = true
            return true
        }
        if arm { armTimer() }
    }

    /// Everything waiting, oldest first (for the next write-ahead append).
    func takeAll() -> [AuditEvent] {
        state.withLockedValue { state in
            defer { state.entries.removeAll(keepingCapacity: true) }
            return state.entries.flatMap(\.events)
        }
    }

    /// Stores everything still waiting, after any flush in progress, and stops the timer.
    func finish() async {
        let (previous, rest) = state.withLockedValue { state -> (Task<Void, Never>?, [AuditEvent]) in
            state.finished = true
            defer { state.entries.removeAll() }
            return (state.lastFlush, state.entries.flatMap(\.events))
        }
        await previous?.value
        if !rest.isEmpty { _ = try? await store.append(contentsOf: rest) }
    }

    private func armTimer() {
        eventLoop.scheduleTask(in: Self.grace) { self.timerFired() }
    }

    /// Stores the outcomes that waited at least ``grace``; re-arms while any are left.
    private func timerFired() {
        let now = NIODeadline.now()
        let rearm = state.withLockedValue { state -> Bool in
            guard !state.finished else { return false }  // finish() stores the rest
            let due = state.entries.prefix { now - $0.added >= Self.grace }
            if !due.isEmpty {
                let events = due.flatMap(\.events)
                state.entries.removeFirst(due.count)
                let previous = state.lastFlush
                // Not a child of the session's task: an outcome is stored even if the session is cancelled.
                state.lastFlush = Task { [store] in
                    await previous?.value
                    _ = try? await store.append(contentsOf: events)
                }
            }
            state.timerArmed = !state.entries.isEmpty
            return state.timerArmed
        }
        if rearm { armTimer() }
    }
}
