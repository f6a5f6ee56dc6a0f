import Foundation

/// Session limits an `allow` rule attaches (`session:`); nil fields keep the connection's own.
public struct PolicySessionLimits: Sendable, Hashable {
    /// Longest a session may last, in seconds.
    public var maxDuration: TimeInterval?
    /// Longest a session may sit idle, in seconds.
    public var idleTimeout: TimeInterval?
    /// Whether the session is recorded; nil keeps the default (on).
    public var recording: Bool?

    public init(maxDuration: TimeInterval? = nil, idleTimeout: TimeInterval? = nil, recording: Bool? = nil) {
        self.maxDuration = maxDuration
        self.idleTimeout = idleTimeout
        self.recording = recording
    }
}
