/// Counters describing what the store's writer has done since it was opened.
public struct AuditStoreStatistics: Sendable, Hashable, Codable {
    /// Events committed.
    public var events: Int64 = 0
    /// Transactions committed (each holding one or more events: group commit).
    public var transactions: Int64 = 0
    /// Transactions that failed; their events were refused.
    public var failedTransactions: Int64 = 0
    /// Signed checkpoints written.
    public var checkpoints: Int64 = 0
    /// The largest number of events committed in one transaction.
    public var largestBatch: Int = 0
    /// Seconds the writer spent inside transactions (insert, hash, commit and fsync).
    /// Compared with wall time it shows whether the single writer is the bottleneck.
    public var writerBusySeconds: Double = 0
    /// CPU seconds the writer thread used inside transactions; the rest of
    /// ``writerBusySeconds`` is waiting for the disk (fsync) or for a CPU.
    public var writerCPUSeconds: Double = 0

    public init() {}

    /// Average events per committed transaction.
    public var averageBatch: Double {
        transactions == 0 ? 0 : Double(events) / Double(transactions)
    }
}
