import AuditCore
import Foundation
import NIOConcurrencyHelpers

/// The node's live sessions, for the admin API (terminate) and for PostgreSQL cancel
/// requests, which arrive on a new connection naming the gateway's key for a session.
public final class SessionRegistry: Sendable {
    /// Why the gateway ends a live session.
    public struct Termination: Sendable, Equatable {
        /// The `session.end` reason the trail records: `terminated`, `revoked`, `lease_expired`.
        public var reason: String
        /// What the client is told (no secrets: it is shown and logged).
        public var message: String

        public init(reason: String, message: String) {
            self.reason = reason
            self.message = message
        }
    }

    /// What a live session exposes to the rest of the gateway.
    public struct Entry: Sendable {
        public var id: String
        /// Who the session acts for: revocations and leases are checked against it.
        public var identity: Identity
        public var connection: String
        /// Ends the session; the handler tells the client in its protocol.
        public var terminate: @Sendable (Termination) -> Void

        public init(id: String, identity: Identity, connection: String, terminate: @escaping @Sendable (Termination) -> Void) {
            self.id = id
            self.identity = identity
            self.connection = connection
            self.terminate = terminate
        }

        public var subject: String { identity.subject }
    }

    /// Where to send a PostgreSQL CancelRequest for a session: the upstream and its key.
    public struct CancelTarget: Sendable {
        public var host: String
        public var port: Int
        public var processID: Int32
        public var secretKey: [UInt8]
    }

    private struct State {
        var sessions: [String: Entry] = [:]
        var cancelTargets: [CancelKey: (sessionID: String, target: CancelTarget)] = [:]
    }

    struct CancelKey: Hashable {
        var processID: Int32
        var secretKey: [UInt8]
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func register(_ entry: Entry) {
        state.withLockedValue { $0.sessions[entry.id] = entry }
    }

    public func remove(_ id: String) {
        state.withLockedValue { state in
            state.sessions[id] = nil
            state.cancelTargets = state.cancelTargets.filter { $0.value.sessionID != id }
        }
    }

    public var liveSessionIDs: [String] { state.withLockedValue { Array($0.sessions.keys) } }

    /// A snapshot of the live sessions.
    public var entries: [Entry] { state.withLockedValue { Array($0.sessions.values) } }

    /// Ends a live session; false when no such session is live on this node.
    @discardableResult
    public func terminate(_ id: String, _ termination: Termination) -> Bool {
        guard let entry = state.withLockedValue({ $0.sessions[id] }) else { return false }
        entry.terminate(termination)
        return true
    }

    /// Registers the upstream cancel target under a fresh gateway key and returns that key.
    /// - Parameter keyLength: bytes of secret key: 4 for protocol 3.0 clients, longer (up to
    ///   256) for clients that speak 3.2.
    public func registerCancelTarget(sessionID: String, target: CancelTarget, keyLength: Int = 4) -> (processID: Int32, secretKey: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        while true {
            let pid = Int32.random(in: 1...Int32.max, using: &generator)
            let secret = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = CancelKey(processID: pid, secretKey: secret)
            let inserted = state.withLockedValue { state -> Bool in
                guard state.cancelTargets[key] == nil else { return false }
                state.cancelTargets[key] = (sessionID, target)
                return true
            }
            if inserted { return (pid, secret) }
        }
    }

    /// The upstream target for a gateway cancel key, if it names a live session.
    public func cancelTarget(processID: Int32, secretKey: [UInt8]) -> (sessionID: String, target: CancelTarget)? {
        state.withLockedValue { $0.cancelTargets[CancelKey(processID: processID, secretKey: secretKey)] }
    }
}
