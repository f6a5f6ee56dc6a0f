import Crypto
import Dispatch
import Foundation
import GRDB
import Logging
import Synchronization

/// The embedded audit store: SQLite in WAL mode, one writer with group commit.
///
/// ## Writing
/// ``append(_:)`` encodes the event in the caller's task (canonical JSON, columns), then
/// queues it. A single writer — GRDB's writer queue — drains everything queued, assigns
/// sequence numbers, chains hashes, inserts the whole batch in one transaction, commits,
/// and only then resumes every appender of the batch. Many sessions therefore share one
/// fsync. Lookup indexes and the `sessions` table follow behind the writer in bulk, in a
/// file of their own written beside it (``EventIndexer``); queries bring them up to date
/// first, so they never miss an event. If the transaction fails, every appender in it gets
/// the error (fail closed) and the chain head does not move, so sequence numbers stay
/// gap-free. After a crash, reopening resumes from the last committed event.
///
/// ## Checkpoints
/// Every `checkpointEvery` events or `checkpointInterval` seconds (whichever comes first,
/// and only if there are new events), and on ``close()``, the writer signs the chain head
/// with `signingKey` (see ``Checkpoint``).
///
/// ## Durability
/// ``Durability/full`` fsyncs the WAL after every group commit and before the batch's
/// appenders resume, so an acknowledged event survives power loss; while further batches
/// wait, the fsync runs beside the writer (``WALSyncer``), which meanwhile commits them, and
/// one fsync covers every batch committed before it (when none waits, the writer fsyncs
/// itself, saving a thread hand-off). ``Durability/normal`` survives a process crash
/// but may lose the last commits on power loss.
public final class SQLiteAuditStore: AuditStore {
    /// How hard each commit pushes data to disk.
    public enum Durability: String, Sendable, Codable, CaseIterable {
        /// fsync the WAL before an append returns: survives power loss.
        case full
        /// WAL with `synchronous=NORMAL`: survives a process crash, not power loss.
        case normal
    }

    /// The gateway node whose chain this store holds.
    public let nodeID: String
    /// The SQLite file.
    public let path: String
    /// The durability the writer commits with.
    public let durability: Durability

    /// The most events one transaction holds; larger queues are committed in several.
    static let maxBatch = 4096

    let pool: DatabasePool
    let writer: ChainWriter
    let indexer: EventIndexer
    /// The last committed event, readable from any thread (the writer's head is confined).
    private let committedSeq = Atomic<Int64>(0)
    /// The last event the indexer was asked to reach.
    private let indexRequested = Atomic<Int64>(0)
    let walCheckpointer: WALCheckpointer
    /// Fsyncs the WAL for ``Durability/full`` (see ``WALSyncer``); `nil` for ``Durability/normal``.
    let syncer: WALSyncer?
    let logger: Logger

    /// One caller's append: one event, or several that commit together.
    ///
    /// Unchecked continuations: an append is resumed exactly once, by the commit that stores
    /// it (after its fsync), by a failed transaction or fsync, or at once when the store is
    /// closed; the checked kind costs an allocation per append on the hot path.
    struct PendingAppend: Sendable {
        enum Waiter: Sendable {
            case one(UnsafeContinuation<AuditRecord, any Error>)
            case many(UnsafeContinuation<[AuditRecord], any Error>)
        }
        let events: [EncodedEvent]
        let waiter: Waiter

        func resume(returning records: ArraySlice<AuditRecord>) {
            switch waiter {
            case .one(let continuation): continuation.resume(returning: records[records.startIndex])
            case .many(let continuation): continuation.resume(returning: Array(records))
            }
        }

        func resume(throwing error: any Error) {
            switch waiter {
            case .one(let continuation): continuation.resume(throwing: error)
            case .many(let continuation): continuation.resume(throwing: error)
            }
        }
    }

    struct AppendQueue: Sendable {
        var pending: [PendingAppend] = []
        /// Events in `pending` (a batch append counts each of its events).
        var pendingEvents = 0
        var draining = false
        var closed = false
    }

    private let queue = Mutex(AppendQueue())
    private let observerList = Mutex<[@Sendable ([AuditRecord]) -> Void]>([])
    private let counters = Mutex(AuditStoreStatistics())
    private let timer = Mutex<Task<Void, Never>?>(nil)
    private let resumeQueue = DispatchQueue(label: "audit.store.resume")

    /// Opens (or creates) the store at `path` for `nodeID`.
    ///
    /// - Parameters:
    ///   - path: the SQLite file; its directory is created if missing.
    ///   - nodeID: this gateway node. A file written by another node is refused.
    ///   - signingKey: signs checkpoints. Its public key is recorded in the store.
    ///   - checkpointEvery: events between checkpoints (at least 1).
    ///   - checkpointInterval: seconds between checkpoints when events trickle in.
    ///   - durability: see ``Durability``.
    /// - Throws: ``AuditStoreError`` if the file cannot be opened, belongs to another node,
    ///   or its unsigned tail (events after the last checkpoint) does not verify.
    public init(
        path: String,
        nodeID: String,
        signingKey: Curve25519.Signing.PrivateKey,
        checkpointEvery: Int = 1000,
        checkpointInterval: TimeInterval = 10,
        durability: Durability = .full,
        logger: Logger = Logger(label: "audit.store")
    ) throws {
        guard !nodeID.isEmpty else {
            throw AuditStoreError(.invalidConfiguration, "the audit store needs a non-empty node id")
        }
        guard checkpointEvery >= 1 else {
            throw AuditStoreError(.invalidConfiguration, "checkpointEvery must be at least 1 (got \(checkpointEvery))")
        }
        guard checkpointInterval > 0, checkpointInterval.isFinite else {
            throw AuditStoreError(.invalidConfiguration, "checkpointInterval must be a positive number of seconds (got \(checkpointInterval))")
        }
        self.nodeID = nodeID
        self.path = path
        self.durability = durability
        self.logger = logger
        let writer = ChainWriter(nodeID: nodeID, signingKey: signingKey, checkpointEvery: checkpointEvery, checkpointInterval: checkpointInterval)
        self.writer = writer

        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw AuditStoreError(.invalidConfiguration, "cannot create the audit store directory \(directory): \(error.localizedDescription)")
            }
        }
        var configuration = Configuration()
        configuration.label = "audit.store"
        configuration.busyMode = .timeout(5)
        configuration.maximumReaderCount = 4
        // Readers see the lookup tables under `lookup.`; the writer does not attach them, so
        // its transactions never touch the lookup file's lock.
        let lookupPath = EventIndexer.lookupPath(forStoreAt: path)
        configuration.prepareDatabase { db in
            if db.configuration.readonly {
                try db.execute(sql: "ATTACH DATABASE ? AS \(EventIndexer.schemaName)", arguments: [lookupPath])
            }
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            walCheckpointer = try WALCheckpointer(path: path, logger: logger)
            indexer = try EventIndexer(storePath: path, logger: logger)
        } catch {
            throw AuditStoreError(.notAStore, "cannot open the audit store at \(path): \(error)")
        }
        // Commits never fsync on the writer's thread: at `full` the WALSyncer does it.
        syncer = durability == .full ? WALSyncer(databasePath: path) : nil
        do {
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA cache_size = -65536")
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")  // see WALCheckpointer
                try db.inTransaction(.immediate) {
                    try Self.migrate(db, nodeID: nodeID, publicKey: signingKey.publicKey)
                    return .commit
                }
                try writer.loadHead(db)
                try Self.verifyUnsignedTail(db, writer: writer, path: path)
            }
            try indexer.open(lastSeq: writer.lastSeq)
            committedSeq.store(writer.lastSeq, ordering: .releasing)
            indexRequested.store(writer.lastSeq, ordering: .releasing)
        } catch let error as AuditStoreError {
            try? indexer.close()
            try? pool.close()
            throw error
        } catch {
            try? indexer.close()
            try? pool.close()
            throw AuditStoreError(.notAStore, "cannot prepare the audit store at \(path): \(error)")
        }
        logger.info("audit store open", metadata: [
            "path": "\(path)", "node": "\(nodeID)", "lastSeq": "\(writer.lastSeq)", "durability": "\(durability.rawValue)",
        ])
        startMaintenanceTimer(interval: checkpointInterval)
        walCheckpointer.start()
    }

    deinit {
        timer.withLock { $0?.cancel() }
        walCheckpointer.cancel()
    }

    /// Checks the events after the last checkpoint before the writer extends (and later
    /// signs) them: a store whose tail was tampered with while the gateway was down is
    /// refused rather than countersigned.
    private static func verifyUnsignedTail(_ db: Database, writer: ChainWriter, path: String) throws {
        let checkpointSeq = writer.lastCheckpointSeq
        guard writer.lastSeq != checkpointSeq else { return }
        var previous = AuditChain.genesisHex
        if checkpointSeq > 0 {
            guard let hash = try String.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [checkpointSeq]) else {
                throw AuditStoreError(.corrupt, "the audit store at \(path) has a checkpoint at event \(checkpointSeq) but that event is missing (deleted?); run `auditctl verify --store \(path)` and keep the file as evidence")
            }
            previous = hash
        }
        let report = try ChainVerification(db: db, trustedKey: writer.signingKey.publicKey).run(from: checkpointSeq + 1, previousHash: previous)
        if let problem = report.problem {
            throw AuditStoreError(.corrupt, "the audit store at \(path) is damaged after its last checkpoint, so the gateway will not extend it: \(problem.message); run `auditctl verify --store \(path)`, keep the file as evidence and start with a new one")
        }
    }

    // MARK: - Appending

    /// Stores `event` durably and returns its record (sequence number and chain hashes).
    ///
    /// Returns only after the transaction holding the event has committed. Throws
    /// ``AuditStoreError`` (``AuditStoreError/Code/writeFailed`` or ``AuditStoreError/Code/closed``)
    /// if it was not stored; the caller must then refuse the audited action.
    ///
    /// The returned record's event has its time rounded to the microsecond, as stored.
    public func append(_ event: AuditEvent) async throws -> AuditRecord {
        let encoded = [EncodedEvent(event)]
        return try await withUnsafeThrowingContinuation { continuation in
            enqueue(PendingAppend(events: encoded, waiter: .one(continuation)))
        }
    }

    /// Stores `events` in order, in one transaction, and returns their records once all are
    /// committed; if the transaction fails, none is stored and the error is thrown. One
    /// wait for a protocol batch (e.g. the statements of a multi-statement query) instead of
    /// one per event.
    public func append(contentsOf events: [AuditEvent]) async throws -> [AuditRecord] {
        if events.isEmpty { return [] }
        let encoded = events.map(EncodedEvent.init)
        return try await withUnsafeThrowingContinuation { continuation in
            enqueue(PendingAppend(events: encoded, waiter: .many(continuation)))
        }
    }

    private func enqueue(_ append: PendingAppend) {
        enum Action { case refuse, schedule, wait }
        let action = queue.withLock { queue -> Action in
            if queue.closed { return .refuse }
            queue.pending.append(append)
            queue.pendingEvents += append.events.count
            if queue.draining { return .wait }
            queue.draining = true
            return .schedule
        }
        switch action {
        case .refuse: append.resume(throwing: AuditStoreError.closed())
        case .schedule: pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        case .wait: break
        }
    }

    /// Runs on the writer queue: commits queued appends batch by batch until none are left.
    /// Under sustained load it re-queues itself every few batches so that other writer work
    /// (``checkpoint()``, ``close()``) gets its turn.
    private func drain(_ db: Database, yielding: Bool = true) {
        var batches = 0
        while true {
            if yielding, batches == 16 {
                pool.asyncWriteWithoutTransaction { db in self.drain(db) }  // `draining` stays true
                return
            }
            batches += 1
            let batch = queue.withLock { queue -> [PendingAppend] in
                if queue.pending.isEmpty {
                    queue.draining = false
                    return []
                }
                if queue.pendingEvents <= Self.maxBatch {
                    let batch = queue.pending
                    queue.pending = []
                    queue.pendingEvents = 0
                    return batch
                }
                // Whole appends only: a batch append is never split across transactions.
                var count = 0
                var events = 0
                while count < queue.pending.count, count == 0 || events + queue.pending[count].events.count <= Self.maxBatch {
                    events += queue.pending[count].events.count
                    count += 1
                }
                let batch = Array(queue.pending.prefix(count))
                queue.pending.removeFirst(count)
                queue.pendingEvents -= events
                return batch
            }
            if batch.isEmpty { return }
            commit(batch, db)
            if writer.lastSeq - indexRequested.load(ordering: .relaxed) >= Self.indexLag {
                requestIndexing(upTo: writer.lastSeq)
            }
            if walCheckpointer.takeTail() {
                // Busy (a background pass is running) is fine: the next pass hands it back.
                _ = try? db.checkpoint(.passive)
            }
        }
    }

    /// Events the lookup may fall behind before the writer asks the indexer for a step.
    static let indexLag: Int64 = 4096

    private func requestIndexing(upTo seq: Int64) {
        indexRequested.store(seq, ordering: .relaxed)
        indexer.schedule(upTo: seq)
    }

    /// Brings the lookup tables up to the last committed event (before a query) and returns
    /// the last indexed sequence number: queries see events up to it and no further, so a
    /// filtered and an unfiltered query agree.
    func catchUpIndex() async throws -> Int64 {
        do {
            return try await indexer.catchUp(to: committedSeq.load(ordering: .acquiring))
        } catch {
            throw AuditStoreError(.readFailed, "the audit store's lookup tables could not be brought up to date: \(error)")
        }
    }

    private func commit(_ batch: [PendingAppend], _ db: Database) {
        let result: (records: [AuditRecord], checkpoint: Checkpoint?)
        let started = ContinuousClock.now
        let startedCPU = Self.threadCPUSeconds()
        do {
            result = try writer.write(batch, db: db)
        } catch {
            let busy = Self.seconds(started.duration(to: .now))
            let cpu = Self.threadCPUSeconds() - startedCPU
            counters.withLock {
                $0.failedTransactions += 1
                $0.writerBusySeconds += busy
                $0.writerCPUSeconds += cpu
            }
            let events = batch.reduce(0) { $0 + $1.events.count }
            let failure = AuditStoreError.writeFailed(error, events: events)
            logger.error("audit batch not committed; refusing its events", metadata: ["events": "\(events)", "error": "\(error)"])
            for append in batch { append.resume(throwing: failure) }
            // The transaction rolled back; re-read the head in case the failure hit COMMIT itself.
            try? writer.loadHead(db)
            return
        }
        // Handed over before the new head is published, so a query that brings the lookup
        // level finds these events in memory instead of reading them back.
        var entries: [EventIndexer.Entry] = []
        entries.reserveCapacity(result.records.count)
        var index = result.records.startIndex
        for append in batch {
            for encoded in append.events {
                entries.append(EventIndexer.Entry(seq: result.records[index].seq, encoded))
                index += 1
            }
        }
        indexer.hand(entries)
        committedSeq.store(writer.lastSeq, ordering: .releasing)
        let busy = Self.seconds(started.duration(to: .now))
        let cpu = Self.threadCPUSeconds() - startedCPU
        counters.withLock { stats in
            stats.writerBusySeconds += busy
            stats.writerCPUSeconds += cpu
            stats.events += Int64(result.records.count)
            stats.transactions += 1
            stats.largestBatch = max(stats.largestBatch, result.records.count)
            if result.checkpoint != nil { stats.checkpoints += 1 }
        }
        // Observers first, so that when append returns every observer has seen the record.
        notifyObservers(result.records)
        // Resuming hundreds of appenders is hand-off work: do it beside the writer, which
        // moves straight on to the next batch.
        let records = result.records
        let resume: @Sendable () -> Void = {
            var start = records.startIndex
            for append in batch {
                let end = start + append.events.count
                append.resume(returning: records[start..<end])
                start = end
            }
        }
        guard let syncer else {
            // A few appenders are resumed at once (each resume only schedules a task); hundreds
            // are handed to a queue beside the writer, which moves on to the next batch.
            if batch.count <= 16 { resume() } else { resumeQueue.async(execute: resume) }
            return
        }
        let events = records.count
        let nothingWaiting = queue.withLock { $0.pending.isEmpty }
        syncer.sync(inline: nothingWaiting) { result in
            switch result {
            case .success:
                resume()
            case .failure(let error):
                self.logger.error("audit batch committed but not synced to disk; refusing its events", metadata: ["events": "\(events)", "error": "\(error)"])
                for append in batch { append.resume(throwing: AuditStoreError.writeFailed(error, events: events)) }
            }
        }
    }

    /// CPU time of the calling thread.
    static func threadCPUSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private func notifyObservers(_ records: [AuditRecord]) {
        let observers = observerList.withLock { $0 }
        for observer in observers { observer(records) }
    }

    /// Registers `observer` to receive every committed batch, in chain order, on the
    /// writer's queue, before the batch's appenders resume. It must return quickly (hand
    /// work to its own queue): appenders and the next batch wait for it.
    public func addObserver(_ observer: @escaping @Sendable ([AuditRecord]) -> Void) {
        observerList.withLock { $0.append(observer) }
    }

    /// What the writer has done since the store was opened (e.g. events per transaction).
    public var statistics: AuditStoreStatistics {
        counters.withLock { $0 }
    }

    /// The sequence number of the last committed event (0 when empty).
    public var lastSeq: Int64 {
        get async throws {
            try ensureOpen()
            return try await pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(seq) FROM events") ?? 0 }
        }
    }

    // MARK: - Checkpoints and closing

    /// Signs a checkpoint of the current chain head now, if events were added since the
    /// last one. Returns the newest checkpoint (new or existing), or `nil` if the store is
    /// empty.
    @discardableResult
    public func checkpoint() async throws -> Checkpoint? {
        try ensureOpen()
        return try await onWriter { db in
            if let checkpoint = try self.writer.checkpointIfNeeded(db, force: true) {
                self.counters.withLock { $0.checkpoints += 1 }
                return checkpoint
            }
            return try Self.latestCheckpoint(db)
        }
    }

    /// Commits everything queued, writes a final checkpoint and closes the file. Appends
    /// after this throw ``AuditStoreError/Code/closed``. Calling it again does nothing.
    public func close() async throws {
        let first = queue.withLock { queue -> Bool in
            defer { queue.closed = true }
            return !queue.closed
        }
        guard first else { return }
        timer.withLock { task in
            task?.cancel()
            task = nil
        }
        await walCheckpointer.stop()
        do {
            _ = try await onWriter { db -> Checkpoint? in
                self.drain(db, yielding: false)
                let checkpoint = try self.writer.checkpointIfNeeded(db, force: true)
                if checkpoint != nil { self.counters.withLock { $0.checkpoints += 1 } }
                return checkpoint
            }
        } catch {
            try? pool.close()
            throw AuditStoreError(.writeFailed, "the final checkpoint of the audit store could not be written (\(error)); the events are stored, run `auditctl verify`")
        }
        if let syncer {
            // Every appender of the last batches is resumed once this sync (the newest) is done.
            await withCheckedContinuation { continuation in syncer.sync { _ in continuation.resume() } }
            syncer.shutdown()
        }
        do {
            try indexer.catchUpNow(to: committedSeq.load(ordering: .acquiring))
            try indexer.close()
        } catch {
            logger.warning("audit lookup tables not brought up to date at close; the next open rebuilds what is missing", metadata: ["error": "\(error)"])
        }
        do {
            try pool.close()
        } catch {
            throw AuditStoreError(.writeFailed, "the audit store could not be closed cleanly: \(error)")
        }
        logger.info("audit store closed", metadata: ["node": "\(nodeID)", "lastSeq": "\(writer.lastSeq)"])
    }

    /// Runs `work` on the writer queue after everything already queued; not cancellable,
    /// so a cancelled caller cannot abandon a half-done write.
    private func onWriter<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            pool.asyncWriteWithoutTransaction { db in
                continuation.resume(with: Result { try work(db) })
            }
        }
    }

    /// Starts the background tick that signs due checkpoints and indexes trailing events.
    private func startMaintenanceTimer(interval: TimeInterval) {
        let tick = Duration.milliseconds(Int64(min(max(interval / 4, 0.05), 1) * 1000))
        let task = Task.detached { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                guard let store = self else { return }
                store.maintain()
            }
        }
        timer.withLock { $0 = task }
    }

    private func maintain() {
        let open = queue.withLock { !$0.closed }
        guard open else { return }
        let committed = committedSeq.load(ordering: .acquiring)
        if indexer.indexedSeq < committed { requestIndexing(upTo: committed) }
        pool.asyncWriteWithoutTransaction { db in
            do {
                if try self.writer.checkpointIfNeeded(db, force: false) != nil {
                    self.counters.withLock { $0.checkpoints += 1 }
                }
            } catch {
                self.logger.error("audit checkpoint failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    func ensureOpen() throws {
        if queue.withLock({ $0.closed }) { throw AuditStoreError.closed() }
    }

    static func latestCheckpoint(_ db: Database) throws -> Checkpoint? {
        guard let row = try Row.fetchOne(db, sql: "SELECT seq, hash, time_us, key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT 1") else {
            return nil
        }
        return Checkpoint(seq: row["seq"], hash: row["hash"], time: AuditEvent.date(microseconds: row["time_us"]), keyID: row["key_id"], signature: row["signature"])
    }

    // MARK: - Verification

    /// Recomputes the whole chain from a consistent snapshot, checking every checkpoint
    /// against the keys recorded in the store.
    public func verify() async throws -> VerificationReport {
        try ensureOpen()
        return try await pool.read { db in
            try ChainVerification(db: db, trustedKey: nil).run()
        }
    }

    /// Checkpoints recorded in the store, oldest first (at most `limit`).
    public func checkpoints(limit: Int = 100) async throws -> [Checkpoint] {
        try ensureOpen()
        let limit = min(max(limit, 1), AuditQuery.maxLimit)
        return try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT seq, hash, time_us, key_id, signature FROM checkpoints ORDER BY seq DESC LIMIT ?", arguments: [limit])
                .reversed()
                .map { row in
                    Checkpoint(seq: row["seq"], hash: row["hash"], time: AuditEvent.date(microseconds: row["time_us"]), keyID: row["key_id"], signature: row["signature"])
                }
        }
    }
}
