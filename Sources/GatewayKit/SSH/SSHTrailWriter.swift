import AuditCore
import Foundation
import Logging

/// Writes a session's after-the-fact trail — detected shell lines, exec outcomes and the
/// recordings of its terminals — in the order the relay produced it, off the event loop.
///
/// The relay enqueues without waiting; ``finish()`` waits until everything is stored, so
/// `session.end` comes after all of it. A recording that cannot be written (its chunk not
/// chained into the audit store) reports through `onFailure`: the session must end then.
final class SSHTrailWriter: Sendable {
    enum Item: Sendable {
        case event(AuditEvent)
        case open(recording: String, header: AsciicastHeader)
        case output(recording: String, String)
        case input(recording: String, String)
        case resize(recording: String, cols: Int, rows: Int)
        case marker(recording: String, String)
        case close(recording: String)
    }

    private let continuation: AsyncStream<Item>.Continuation
    private let consumer: Task<Void, Never>

    init(store: any AuditStore, directory: String, identity: Identity, connection: String, logger: Logger,
         onFailure: @escaping @Sendable (String) -> Void) {
        let (stream, continuation) = AsyncStream<Item>.makeStream()
        self.continuation = continuation
        consumer = Task {
            var recorders: [String: RecordingWriter] = [:]
            var failed = false
            for await item in stream {
                do {
                    switch item {
                    case .event(let event):
                        _ = try await store.append(event)
                    case .open(let id, let header):
                        recorders[id] = RecordingWriter(sessionID: id, directory: directory, store: store, header: header,
                                                        identity: identity, connection: connection, protocol: "ssh")
                    case .output(let id, let text): try await recorders[id]?.output(text)
                    case .input(let id, let text): try await recorders[id]?.input(text)
                    case .resize(let id, let cols, let rows): try await recorders[id]?.resize(cols: cols, rows: rows)
                    case .marker(let id, let text): try await recorders[id]?.marker(text)
                    case .close(let id):
                        try await recorders.removeValue(forKey: id)?.finish()
                    }
                } catch {
                    logger.error("ssh session trail could not be written", metadata: ["error": "\(error)"])
                    if !failed {
                        failed = true
                        onFailure("\(error)")
                    }
                }
            }
            for recorder in recorders.values { try? await recorder.finish() }
        }
    }

    func enqueue(_ item: Item) {
        continuation.yield(item)
    }

    /// Stores what is queued, finishes the recordings, and returns when all is written.
    func finish() async {
        continuation.finish()
        await consumer.value
    }
}
