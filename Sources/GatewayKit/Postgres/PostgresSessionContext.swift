import AuditCore
import Logging
import NIOCore
import NIOSSL
import PolicyEngine

/// Everything a PostgreSQL session needs from the node, shared by all sessions.
struct PostgresSessionContext: Sendable {
    var configuration: GatewayConfiguration
    var connections: [String: ConnectionEntry]
    var verifier: TokenVerifier
    var store: any AuditStore
    var policy: any PolicyEvaluating
    var access: AccessRequestStore
    /// Revocations and leases: a token that is revoked or whose lease lapsed cannot connect.
    var delegation: DelegationStore
    var registry: SessionRegistry
    var serverTLS: NIOSSLContext
    var upstreamTLS: [String: NIOSSLContext]
    var recordings: String
    var group: any EventLoopGroup
    var logger: Logger
    /// The masking engine for a policy masking profile, by name (nil: no such profile).
    var maskingEngine: @Sendable (String) throws -> MaskingEngine? = { _ in nil }
    /// Per-session roles of the connections with `jit_role`, by connection name.
    var jitRoles: [String: PostgresJITRoles] = [:]
}
