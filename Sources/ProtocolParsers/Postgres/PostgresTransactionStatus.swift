/// The transaction status carried by `ReadyForQuery`.
public enum PostgresTransactionStatus: UInt8, Hashable, Sendable {
    /// `I`: idle, not in a transaction block.
    case idle = 0x49
    /// `T`: in a transaction block.
    case inTransaction = 0x54
    /// `E`: in a failed transaction block; queries are rejected until the block ends.
    case failed = 0x45
}
