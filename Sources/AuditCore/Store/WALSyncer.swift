import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes committed transactions survive power loss off the writer's thread.
///
/// At ``SQLiteAuditStore/Durability/full`` the writer commits with `synchronous=NORMAL`
/// (the WAL is written, not yet fsynced) and hands the batch here; this syncer calls
/// `fdatasync` on the WAL file and only then resumes the batch's appenders. While one
/// fsync runs, the writer already inserts and commits the next batches, and the next fsync
/// covers all of them: the disk wait is overlapped with the writer's work instead of
/// added to it (SQLite's `synchronous=FULL` would fsync inside every commit).
///
/// Safety: on Linux `fdatasync` flushes the file's data whichever descriptor is used, so
/// every frame written before the call is durable when it returns. Frames that a
/// checkpoint has already copied and the writer then overwrote (after restarting the log)
/// are in the database file, which the checkpoint fsyncs before the log restarts. If the
/// WAL cannot be synced the waiting appenders get the error: their events are committed,
/// but the caller refuses the command, which is the safe side.
final class WALSyncer: Sendable {
    typealias Completion = @Sendable (Result<Void, any Error>) -> Void

    private struct State {
        var waiting: [Completion] = []
        var running = false
        var descriptor: Int32 = -1
        var device: UInt64 = 0
        var inode: UInt64 = 0
        var syncs: Int64 = 0
    }

    private let walPath: String
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "audit.store.wal-sync")

    init(databasePath: String) {
        walPath = databasePath + "-wal"
    }

    /// fsyncs performed so far.
    var syncs: Int64 { state.withLock { $0.syncs } }

    /// Calls `completion` once everything written to the WAL before this call is durable.
    ///
    /// - Parameter inline: when no fsync is running, run it on the calling thread (and call
    ///   `completion` there) instead of waking the syncer's: the writer passes `true` when
    ///   no further batch is waiting, so there is nothing to overlap the fsync with and a
    ///   thread hand-off would only add a wake-up to every commit of a lightly loaded store.
    func sync(inline: Bool = false, then completion: @escaping Completion) {
        enum Start { case none, here, beside }
        let start = state.withLock { state -> Start in
            state.waiting.append(completion)
            if state.running { return .none }
            state.running = true
            return inline ? .here : .beside
        }
        switch start {
        case .none: break
        case .here: run()
        case .beside: queue.async { self.run() }
        }
    }

    /// Fsyncs until nobody is waiting; each fsync serves everyone who was waiting when it began.
    private func run() {
        while true {
            let (waiting, descriptor) = state.withLock { state -> ([Completion], Int32) in
                let waiting = state.waiting
                state.waiting = []
                if waiting.isEmpty { state.running = false }
                return (waiting, state.descriptor)
            }
            if waiting.isEmpty { return }
            let result = Result { try syncWAL(current: descriptor) }
            for completion in waiting { completion(result) }
        }
    }

    private func syncWAL(current: Int32) throws {
        var descriptor = current
        var info = stat()
        // The WAL is created by the first commit and replaced only if every connection
        // closed; follow it by device and inode.
        guard stat(walPath, &info) == 0 else {
            throw AuditStoreError(.writeFailed, "cannot find the audit store's write-ahead log \(walPath): \(String(cString: strerror(errno)))")
        }
        let known = state.withLock { ($0.device, $0.inode) }
        if descriptor < 0 || known.0 != UInt64(info.st_dev) || known.1 != UInt64(info.st_ino) {
            if descriptor >= 0 { close(descriptor) }
            descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw AuditStoreError(.writeFailed, "cannot open the audit store's write-ahead log \(walPath) to sync it: \(String(cString: strerror(errno)))")
            }
            let opened = descriptor
            state.withLock {
                $0.descriptor = opened
                $0.device = UInt64(info.st_dev)
                $0.inode = UInt64(info.st_ino)
            }
        }
        guard fdatasync(descriptor) == 0 else {
            throw AuditStoreError(.writeFailed, "fdatasync of the audit store's write-ahead log failed: \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.syncs += 1 }
    }

    /// Closes the WAL descriptor (after the last sync).
    func shutdown() {
        let descriptor = state.withLock { state -> Int32 in
            defer { state.descriptor = -1 }
            return state.descriptor
        }
        if descriptor >= 0 { close(descriptor) }
    }
}
