import Foundation

/// A bounded search over stored events. Every filter is optional; set filters are ANDed.
public struct AuditQuery: Sendable, Hashable {
    /// The largest page one query returns; larger ``limit`` values are capped to it.
    public static let maxLimit = 10_000

    /// Events whose original identity is this subject.
    public var subject: String?
    /// Events where this agent appears anywhere in the actor chain.
    public var actor: String?
    /// Events for this configured connection.
    public var connection: String?
    /// Events over this protocol.
    public var `protocol`: String?
    /// Events of this session.
    public var sessionID: String?
    /// Case-insensitive (ASCII) substring search over the event's canonical JSON,
    /// which includes the statement and every other field.
    public var text: String?
    /// Only these event types.
    public var types: [AuditEventType]?
    /// Events at or after this time.
    public var since: Date?
    /// Events strictly before this time.
    public var until: Date?
    /// Events with a sequence number above this one (for paging and tailing).
    public var afterSeq: Int64?
    /// Page size: 1 to ``maxLimit``; out-of-range values are clamped.
    public var limit: Int
    /// Newest events first (default: oldest first, in chain order).
    public var newestFirst: Bool

    public init(
        subject: String? = nil,
        actor: String? = nil,
        connection: String? = nil,
        protocol: String? = nil,
        sessionID: String? = nil,
        text: String? = nil,
        types: [AuditEventType]? = nil,
        since: Date? = nil,
        until: Date? = nil,
        afterSeq: Int64? = nil,
        limit: Int = 100,
        newestFirst: Bool = false
    ) {
        self.subject = subject
        self.actor = actor
        self.connection = connection
        self.protocol = `protocol`
        self.sessionID = sessionID
        self.text = text
        self.types = types
        self.since = since
        self.until = until
        self.afterSeq = afterSeq
        self.limit = limit
        self.newestFirst = newestFirst
    }

    /// ``limit`` clamped to `1...maxLimit`.
    public var effectiveLimit: Int { min(max(limit, 1), Self.maxLimit) }
}
