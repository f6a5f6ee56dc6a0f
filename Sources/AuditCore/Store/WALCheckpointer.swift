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
/// needs and never blocks the writer or readers. The log only starts again from the
/// beginning when a checkpoint has copied *every* frame, which a background pass never
/// manages while the writer keeps appending; so after each pass the writer copies the
/// short tail written meanwhile (``takeTail()``), and its next transaction restarts the
/// log. Without that the log grows without bound and every page lookup slows down.
final class WALCheckpointer: Sendable {
    /// How often the log is copied back.
    static let interval: Duration = .milliseconds(250)

    private let connection: DatabaseQueue
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let tailPending = Atomic<Bool>(false)
    private let logger: Logger

    init(path: String, logger: Logger) throws {
        var configuration = Configuration()
        configuration.label = "audit.store.checkpointer"
        configuration.busyMode = .timeout(5)
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.logger = logger
    }

    func start() {
        let loop = Task.detached(priority: .utility) { await self.run() }
        task.withLock { $0 = loop }
    }

    private func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            if Task.isCancelled { return }
            do {
                let pass = try await connection.writeWithoutTransaction { try $0.checkpoint(.passive) }
                if pass.walFrameCount > 0 { tailPending.store(true, ordering: .releasing) }
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_INTERRUPT {
                // Another connection is checkpointing (the writer copying the tail), or the
                // store is closing: the next pass picks up where this one stopped.
                logger.debug("audit store WAL checkpoint skipped", metadata: ["error": "\(error)"])
            } catch {
                logger.warning("audit store WAL checkpoint failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Whether a background pass has finished since the last call: the writer should now
    /// copy the frames appended during that pass (`db.checkpoint(.passive)`).
    func takeTail() -> Bool {
        tailPending.exchange(false, ordering: .acquiring)
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
