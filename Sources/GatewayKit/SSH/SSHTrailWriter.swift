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
final class SSHTrailWriter: Sendable {
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

    private let inbox = Inbox()
    private let consumer = Mutex<Task<Void, Never>?>(nil)

    init(store: any AuditStore, directory: String, identity: Identity, connection: String, logger: Logger,
         onFailure: @escaping @Sendable (String) -> Void) {
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

    func enqueue(_ item: Item) {
        inbox.put(item)
    }

    /// Stores what is queued, finishes the recordings, and returns when all is written.
    func finish() async {
        inbox.close()
        await consumer.withLock { $0 }?.value
    }
}

/// The trail's queue: the relay puts items without waiting; the writer takes all that is
/// queued at once.
private final class Inbox: Sendable {
    private struct State {
        var items: [SSHTrailWriter.Item] = []
        var waiter: CheckedContinuation<[SSHTrailWriter.Item]?, Never>?
        var closed = false
    }

    private let state = Mutex(State())

    func put(_ item: SSHTrailWriter.Item) {
        let waiter = state.withLock { state -> CheckedContinuation<[SSHTrailWriter.Item]?, Never>? in
            guard !state.closed else { return nil }
            guard let waiter = state.waiter else {
                state.items.append(item)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: [item])
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
