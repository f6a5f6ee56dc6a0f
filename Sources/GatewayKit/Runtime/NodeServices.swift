import AuditCore
import Logging
import PolicyEngine

/// What every protocol session needs from its node, whatever the protocol: configuration,
/// token checks, policy, the audit store, the session registry and where recordings go.
///
/// ``PostgresSessionContext`` and ``SSHSessionContext`` hold one and forward its members,
/// so `context.store` reads the same in every relay.
struct NodeServices: Sendable {
    var configuration: GatewayConfiguration
    var connections: [String: ConnectionEntry]
    var verifier: TokenVerifier
    var store: any AuditStore
    var policy: any PolicyEvaluating
    var access: AccessRequestStore
    /// Revocations and leases: a token that is revoked or whose lease lapsed cannot connect.
    var delegation: DelegationStore
    var registry: SessionRegistry
    /// The directory session recordings are written to.
    var recordings: String
    var logger: Logger
    /// The masking engine for a policy masking profile, by name (nil: no such profile).
    var maskingEngine: @Sendable (String) throws -> MaskingEngine? = { _ in nil }
}

extension NodeServices {
    /// The services of `runtime`'s node, logging to `logger`.
    init(runtime: GatewayRuntime, logger: Logger) {
        self.init(
            configuration: runtime.configuration,
            connections: Dictionary(uniqueKeysWithValues: runtime.configuration.connections.map { ($0.name, $0) }),
            verifier: runtime.verifier, store: runtime.store, policy: runtime.policy, access: runtime.access,
            delegation: runtime.delegation, registry: runtime.sessions, recordings: runtime.dataDirectory.recordings,
            logger: logger,
            maskingEngine: { name in try runtime.maskingEngine(profile: name) })
    }
}
