/// The outcome of recomputing a store's hash chain and checking its signed checkpoints.
public struct VerificationReport: Sendable, Hashable, Codable {
    /// `true` when every event and checkpoint checked out.
    public var ok: Bool
    /// Events whose hash, link and columns were verified (before the first problem).
    public var eventsChecked: Int64
    /// Checkpoints whose signature and hash were verified.
    public var checkpointsChecked: Int
    /// The last event verified.
    public var lastSeq: Int64
    /// The first problem found, or `nil` when ``ok``.
    public var problem: VerificationProblem?
    /// The node whose chain was verified (from the store's meta table).
    public var node: String?
    /// Ids of the keys checkpoint signatures were verified with.
    public var keyIDs: [String]

    public init(ok: Bool, eventsChecked: Int64, checkpointsChecked: Int, lastSeq: Int64, problem: VerificationProblem? = nil, node: String? = nil, keyIDs: [String] = []) {
        self.ok = ok
        self.eventsChecked = eventsChecked
        self.checkpointsChecked = checkpointsChecked
        self.lastSeq = lastSeq
        self.problem = problem
        self.node = node
        self.keyIDs = keyIDs
    }
}
