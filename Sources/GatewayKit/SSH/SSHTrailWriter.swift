import AuditCore
import Foundation
import Logging
import NIOCore
import Synchronization

/// Writes a session's after-the-fact trail — detected shell lines, exec outcomes and the
/// recordings of its terminals — in the order the relay produced it, off the event loop.
///
/// The relay enqueues without waiting; the writer takes whatever is queued as one batch
/// (see ``RecordingWriter/beginBatch()``). ``finish()`` waits until everything is stored, so
/// `session.end` comes after all of it. A recording that cannot be written (its chunk not
/// chained into the audit store) reports through `onFailure`: the session must end then.
///
/// The terminal bytes queued are bounded by the relays, not here: ``enqueue(_:)`` says when
/// they pass the high-water mark, and the relay then stops reading until
/// ``whenRelieved(_:)`` calls back (at the low-water mark). So a terminal that prints faster
/// than it is recorded is slowed to the recorder's pace instead of filling memory.
final class SSHTrailWriter: Sendable {
    /// Terminal bytes queued (output and input not yet given to the recorder) at which the
    /// relays pause their reads (`high`), and at which they resume (`low`).
    struct Marks: Sendable, Equatable {
        var high: Int
        var low: Int

        static let standard = Marks(high: 8 * 1024 * 1024, low: 2 * 1024 * 1024)

        /// ``standard``, unless gatewayd's environment sets `AGW_TEST_SSH_TRAIL_MARKS` to
        /// `HIGH:LOW` (bytes): a knob for the tests, which need a small queue to fill.
        static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Marks {
            guard let value = environment["AGW_TEST_SSH_TRAIL_MARKS"] else { return standard }
            let parts = value.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] > 0, parts[1] >= 0, parts[1] < parts[0] else { return standard }
            return Marks(high: parts[0], low: parts[1])
        }
    }

    enum Item: Sendable {
        case event(AuditEvent)
        case open(recording: String, header: AsciicastHeader)
        /// Terminal output, UTF-8 bytes not cut inside a sequence (see ``UTF8Carry``).
        case output(recording: String, ByteBuffer)
        /// Typed input, as output.
        case input(recording: String, ByteBuffer)
        case resize(recording: String, cols: Int, rows: Int)
        case marker(recording: String, String)
        case close(recording: String)
    }

    private let inbox: Inbox
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    init(store: any AuditStore, directory: String, identity: Identity, connection: String, logger: Logger, marks: Marks = .standard,
         onFailure: @escaping @Sendable (String) -> Void) {
        let inbox = Inbox(marks: marks)
        self.inbox = inbox
        let task = Task { [inbox] in
            var recorders: [String: RecordingWriter] = [:]
            var failed = false
            func report(_ error: any Error) {
                logger.error("ssh session trail could not be written", metadata: ["error": "\(error)"])
                if !failed {
                    failed = true
                    onFailure("\(error)")
                }
            }
            while let items = await inbox.next() {
                // Everything queued meanwhile is one batch: a recording that fell behind a
                // fast terminal catches up in large chunks instead of syncing every 64 KiB.
                var batched: [String: RecordingWriter] = [:]
                func recorder(_ id: String) async -> RecordingWriter? {
                    guard let recorder = recorders[id] else { return nil }
                    if items.count > 1, batched[id] == nil {
                        await recorder.beginBatch()
                        batched[id] = recorder
                    }
                    return recorder
                }
                for item in items {
                    defer { inbox.consumed(item.terminalBytes) }
                    do {
                        switch item {
                        case .event(let event):
                            _ = try await store.append(event)
                        case .open(let id, let header):
                            recorders[id] = RecordingWriter(sessionID: id, directory: directory, store: store, header: header,
                                                            identity: identity, connection: connection, protocol: "ssh")
                        case .output(let id, let bytes): try await recorder(id)?.output(utf8: bytes.readableBytesView)
                        case .input(let id, let bytes): try await recorder(id)?.input(utf8: bytes.readableBytesView)
                        case .resize(let id, let cols, let rows): try await recorder(id)?.resize(cols: cols, rows: rows)
                        case .marker(let id, let text): try await recorder(id)?.marker(text)
                        case .close(let id):
                            batched[id] = nil
                            try await recorders.removeValue(forKey: id)?.finish()
                        }
                    } catch {
                        report(error)
                    }
                }
                for recorder in batched.values {
                    do { try await recorder.endBatch() } catch { report(error) }
                }
            }
            for recorder in recorders.values { try? await recorder.finish() }
        }
        consumer.withLock { $0 = task }
    }

    /// Queues `item`; true when the terminal bytes queued are now above the high-water
    /// mark: the caller should stop reading and wait for ``whenRelieved(_:)``.
    @discardableResult
    func enqueue(_ item: Item) -> Bool {
        inbox.put(item)
    }

    /// Calls `relieved` (on no particular thread) once the terminal bytes queued are at or
    /// below the low-water mark — at once if they already are.
    func whenRelieved(_ relieved: @escaping @Sendable () -> Void) {
        inbox.whenRelieved(relieved)
    }

    /// Stores what is queued, finishes the recordings, and returns when all is written.
    func finish() async {
        inbox.close()
        await consumer.withLock { $0 }?.value
    }
}

extension SSHTrailWriter.Item {
    /// The terminal bytes the item carries (what the marks count).
    var terminalBytes: Int {
        switch self {
        case .output(_, let bytes), .input(_, let bytes): bytes.readableBytes
        default: 0
        }
    }
}

/// The trail's queue: the relay puts items without waiting; the writer takes all that is
/// queued at once, and reports each item done, which relieves the relays.
private final class Inbox: Sendable {
    private struct State {
        var items: [SSHTrailWriter.Item] = []
        var waiter: CheckedContinuation<[SSHTrailWriter.Item]?, Never>?
        var closed = false
        /// Terminal bytes put and not yet consumed (queued or in the writer's batch).
        var bytes = 0
        var relieved: [@Sendable () -> Void] = []
    }

    private let marks: SSHTrailWriter.Marks
    private let state = Mutex(State())

    init(marks: SSHTrailWriter.Marks) {
        self.marks = marks
    }

    /// Queues `item`; true when the terminal bytes queued are above the high-water mark.
    func put(_ item: SSHTrailWriter.Item) -> Bool {
        let size = item.terminalBytes
        let (waiter, full) = state.withLock { state -> (CheckedContinuation<[SSHTrailWriter.Item]?, Never>?, Bool) in
            guard !state.closed else { return (nil, false) }
            state.bytes += size
            let full = state.bytes > marks.high
            guard let waiter = state.waiter else {
                state.items.append(item)
                return (nil, full)
            }
            state.waiter = nil
            return (waiter, full)
        }
        waiter?.resume(returning: [item])
        return full
    }

    /// The writer is done with an item of `size` terminal bytes.
    func consumed(_ size: Int) {
        guard size > 0 else { return }
        let relieved = state.withLock { state -> [@Sendable () -> Void] in
            state.bytes -= size
            guard state.bytes <= marks.low, !state.relieved.isEmpty else { return [] }
            defer { state.relieved = [] }
            return state.relieved
        }
        for callback in relieved { callback() }
    }

    func whenRelieved(_ callback: @escaping @Sendable () -> Void) {
        let now = state.withLock { state -> Bool in
            guard state.bytes > marks.low else { return true }
            state.relieved.append(callback)
            return false
        }
        if now { callback() }
    }

    /// Everything queued, waiting for at least one item; `nil` once closed and drained.
    func next() async -> [SSHTrailWriter.Item]? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> [SSHTrailWriter.Item]?? in
                if !state.items.isEmpty {
                    defer { state.items = [] }
                    return .some(state.items)
                }
                if state.closed { return .some(nil) }
                state.waiter = continuation
                return .none
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// No more items; the writer finishes what is queued.
    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<[SSHTrailWriter.Item]?, Never>? in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
