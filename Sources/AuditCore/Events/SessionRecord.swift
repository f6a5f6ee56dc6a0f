import Foundation

/// A gateway session as the store sees it, maintained from `session.start`,
/// `command` and `session.end` events in the same transaction that stores them.
public struct SessionRecord: Sendable, Hashable, Codable {
    /// The session id (the `sessionID` of its events).
    public var id: String
    /// Time of the `session.start` event.
    public var startedAt: Date
    /// Time of the `session.end` event; `nil` while active (or orphaned by a crash).
    public var endedAt: Date?
    /// The `reason` field of the `session.end` event.
    public var endReason: String?
    /// The original identity's subject.
    public var subject: String?
    /// The agent chain, outermost first.
    public var actors: [String]
    /// The token that opened the session.
    public var tokenID: String?
    /// The configured connection name.
    public var connection: String?
    /// The protocol.
    public var `protocol`: String?
    /// The `client_address` field of the `session.start` event.
    public var clientAddress: String?
    /// Number of `command` events recorded for the session.
    public var commandCount: Int

    public init(
        id: String, startedAt: Date, endedAt: Date? = nil, endReason: String? = nil, subject: String? = nil,
        actors: [String] = [], tokenID: String? = nil, connection: String? = nil, protocol: String? = nil,
        clientAddress: String? = nil, commandCount: Int = 0
    ) {
        self.id = id
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.endReason = endReason
        self.subject = subject
        self.actors = actors
        self.tokenID = tokenID
        self.connection = connection
        self.protocol = `protocol`
        self.clientAddress = clientAddress
        self.commandCount = commandCount
    }

    /// Whether the session has not ended.
    public var isActive: Bool { endedAt == nil }
}
