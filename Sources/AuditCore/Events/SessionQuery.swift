import Foundation

/// A bounded search over sessions, newest first. Set filters are ANDed.
public struct SessionQuery: Sendable, Hashable {
    /// Sessions of this subject.
    public var subject: String?
    /// Sessions where this agent appears in the actor chain.
    public var actor: String?
    /// Sessions on this connection.
    public var connection: String?
    /// Sessions over this protocol.
    public var `protocol`: String?
    /// Only sessions that have not ended.
    public var activeOnly: Bool
    /// Sessions started at or after this time.
    public var since: Date?
    /// Page size: 1 to ``AuditQuery/maxLimit``; out-of-range values are clamped.
    public var limit: Int

    public init(
        subject: String? = nil,
        actor: String? = nil,
        connection: String? = nil,
        protocol: String? = nil,
        activeOnly: Bool = false,
        since: Date? = nil,
        limit: Int = 100
    ) {
        self.subject = subject
        self.actor = actor
        self.connection = connection
        self.protocol = `protocol`
        self.activeOnly = activeOnly
        self.since = since
        self.limit = limit
    }

    /// ``limit`` clamped to `1...AuditQuery.maxLimit`.
    public var effectiveLimit: Int { min(max(limit, 1), AuditQuery.maxLimit) }
}
