import Foundation

/// One thing that happened, attributed to the original identity and every agent in between.
///
/// Events are immutable once appended: the store chains the SHA-256 of each event's
/// canonical encoding (``canonicalJSON()``) to its predecessor, so any later edit shows
/// up in verification.
///
/// Times are kept to the microsecond: ``SQLiteAuditStore/append(_:)`` truncates
/// (rounds to the nearest microsecond) before hashing, and the returned
/// ``AuditRecord`` carries the stored value.
public struct AuditEvent: Sendable, Hashable, Codable {
    /// When it happened.
    public var time: Date
    /// What happened.
    public var type: AuditEventType
    /// The gateway session it belongs to, if any.
    public var sessionID: String?
    /// The original identity's subject (the human or service at the root of the chain).
    public var subject: String?
    /// The issuer that vouched for ``subject``.
    public var issuer: String?
    /// The agents acting for ``subject``, outermost first, as in ``Identity/actors``.
    public var actors: [String]
    /// The id of the token that authorised the action.
    public var tokenID: String?
    /// The configured connection (target) name.
    public var connection: String?
    /// The wire protocol: `postgres`, `mysql`, `ssh`, `http`, `kubernetes`.
    public var `protocol`: String?
    /// Type-specific fields (see ``AuditField`` for conventional keys).
    public var fields: [String: AuditValue]

    /// Creates an event, taking ``subject``, ``issuer``, ``actors`` and ``tokenID`` from `identity`.
    public init(
        type: AuditEventType,
        time: Date = Date(),
        sessionID: String? = nil,
        identity: Identity? = nil,
        connection: String? = nil,
        protocol: String? = nil,
        fields: [String: AuditValue] = [:]
    ) {
        self.time = time
        self.type = type
        self.sessionID = sessionID
        self.subject = identity?.subject
        self.issuer = identity?.issuer
        self.actors = identity?.actors ?? []
        self.tokenID = identity?.tokenID
        self.connection = connection
        self.protocol = `protocol`
        self.fields = fields
    }

    /// Microseconds since 1970-01-01T00:00:00Z, rounded to the nearest microsecond:
    /// the value the canonical encoding carries as `time_us`.
    public var timeMicroseconds: Int64 {
        Self.microseconds(time)
    }

    static func microseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    static func date(microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }
}
