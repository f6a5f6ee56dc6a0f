import Dispatch
import Foundation
import GRDB
import Logging
import Synchronization

/// Copies the write-ahead log into the database file from a connection of its own, so the
/// writer never stops to do it (SQLite's automatic checkpoint runs inside the committing
/// transaction and would stall every appender of that batch).
///
/// Runs `PRAGMA wal_checkpoint(PASSIVE)` every ``interval``: it copies what no reader still
/// needs and never blocks the writer or readers. Once a checkpoint has caught up, the
/// writer's next transaction starts the log from the beginning again, so it stays small.
final class WALCheckpointer: Sendable {
    /// How often the log is copied back.
    static let interval: Duration = .milliseconds(250)

    private let connection: DatabaseQueue
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger

    init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "audit.store.checkpointer"
        configuration.busyMode = .timeout(5)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.logger = logger
    }

    func start() {
        let connection = connection
        let logger = logger
        let loop = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.interval)
                if Task.isCancelled { return }
                do {
                    _ = try await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
                } catch {
                    logger.warning("audit store WAL checkpoint failed; will retry", metadata: ["error": "\(error)"])
                }
            }
        }
        task.withLock { $0 = loop }
    }

    /// Stops the loop without waiting (for a store dropped without ``SQLiteAuditStore/close()``).
    func cancel() {
        task.withLock { $0?.cancel() }
    }

    /// Stops the loop and closes the connection (the last connection to close checkpoints
    /// whatever is left).
    func stop() async {
        let loop = task.withLock { task -> Task<Void, Never>? in
            defer { task = nil }
            return task
        }
        loop?.cancel()
        await loop?.value
        try? connection.close()
    }
}
