import AuditCore
import Logging
import NIOCore
import NIOSSH
import PolicyEngine

/// Everything an SSH session needs from the node, shared by all sessions.
struct SSHSessionContext: Sendable {
    var configuration: GatewayConfiguration
    var connections: [String: ConnectionEntry]
    var verifier: TokenVerifier
    var store: any AuditStore
    var policy: any PolicyEvaluating
    var access: AccessRequestStore
    /// Revocations and leases: a token that is revoked or whose lease lapsed cannot connect.
    var delegation: DelegationStore
    var registry: SessionRegistry
    var hostKey: NIOSSHPrivateKey
    /// Signs the user certificates logins may present instead of a token; nil: none are accepted.
    var userCA: SSHUserCA?
    var recordings: String
    var logger: Logger
    /// The masking engine for a policy masking profile, by name (nil: no such profile).
    var maskingEngine: @Sendable (String) throws -> MaskingEngine? = { _ in nil }

    /// A client that has not authenticated within this long is disconnected.
    var handshakeTimeout: TimeAmount = .seconds(30)
    /// How long the gateway waits for the upstream server to accept its login.
    var upstreamTimeout: TimeAmount = .seconds(15)
    /// How much terminal output may wait for a session's recorder before the relay pauses.
    var trailMarks = SSHTrailWriter.Marks.fromEnvironment()
}
