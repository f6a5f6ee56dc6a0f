/// An event as stored: its place in a node's hash chain.
///
/// `hash = SHA-256(previousHash (32 bytes) ‖ seq (8 bytes, big-endian) ‖ canonicalJSON(event))`,
/// see ``AuditChain``.
public struct AuditRecord: Sendable, Hashable, Codable {
    /// Position in the node's chain, starting at 1, gap-free.
    public var seq: Int64
    /// The gateway node that wrote it.
    public var node: String
    /// The event, exactly as hashed (time at microsecond precision).
    public var event: AuditEvent
    /// Lowercase hex of the previous event's hash (64 zeros for the first event).
    public var previousHash: String
    /// Lowercase hex of this event's chain hash.
    public var hash: String

    public init(seq: Int64, node: String, event: AuditEvent, previousHash: String, hash: String) {
        self.seq = seq
        self.node = node
        self.event = event
        self.previousHash = previousHash
        self.hash = hash
    }
}
