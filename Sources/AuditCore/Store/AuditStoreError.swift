/// Why the audit store refused or failed an operation. The ``message`` says what to do.
public struct AuditStoreError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The broad kind of failure, for programs that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable { case closed, writeFailed, invalidConfiguration, wrongNode, unsupportedSchema, notAStore, corrupt, readFailed }
        fileprivate let base: Base

        /// The store was closed; no more events can be appended or read.
        public static let closed = Code(base: .closed)
        /// A batch could not be committed; the events in it were NOT stored.
        public static let writeFailed = Code(base: .writeFailed)
        /// An argument to the store is out of range.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        /// The store file belongs to another gateway node.
        public static let wrongNode = Code(base: .wrongNode)
        /// The store file was written by a newer version.
        public static let unsupportedSchema = Code(base: .unsupportedSchema)
        /// The file is not an audit store.
        public static let notAStore = Code(base: .notAStore)
        /// The chain is broken where the store must extend it.
        public static let corrupt = Code(base: .corrupt)
        /// A query failed.
        public static let readFailed = Code(base: .readFailed)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened and what to do about it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func closed() -> AuditStoreError {
        AuditStoreError(.closed, "the audit store is closed; the event was not recorded")
    }

    static func writeFailed(_ underlying: any Error, events: Int) -> AuditStoreError {
        AuditStoreError(
            .writeFailed,
            "the audit store could not commit \(events) event(s), so they were not recorded (\(underlying)); check disk space, permissions and locks on the store file"
        )
    }
}
