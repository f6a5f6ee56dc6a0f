/// The first thing verification found wrong.
public struct VerificationProblem: Sendable, Hashable, Codable {
    /// The first bad event (or the checkpoint's event), when one can be named.
    public var seq: Int64?
    /// A stable machine-readable kind (see the static constants).
    public var kind: String
    /// A sentence naming the first bad event, e.g.
    /// `event 42: hash does not match its contents (edited?)`.
    public var message: String

    public init(seq: Int64?, kind: String, message: String) {
        self.seq = seq
        self.kind = kind
        self.message = message
    }

    /// An event's body, hash or previous hash was changed.
    public static let edited = "edited"
    /// The `time_us` column disagrees with the hashed body.
    public static let columnMismatch = "columnMismatch"
    /// An event is missing: a gap in sequence numbers, or events cut from the end.
    public static let missing = "missing"
    /// Events were swapped or moved: one chains to a later event.
    public static let reordered = "reordered"
    /// Events were inserted: the next event chains past them.
    public static let inserted = "inserted"
    /// An event does not chain to its predecessor although its own hash is consistent.
    public static let brokenLink = "brokenLink"
    /// An event body is not valid canonical JSON of an event.
    public static let malformed = "malformed"
    /// A checkpoint's signature does not verify, or it was signed by an unexpected key.
    public static let badCheckpointSignature = "badCheckpointSignature"
    /// A validly signed checkpoint disagrees with the chain: events were rewritten.
    public static let checkpointMismatch = "checkpointMismatch"
    /// A recorded public key is unusable or does not match its id.
    public static let badKey = "badKey"
}
