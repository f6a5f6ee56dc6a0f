import NIOCore
import NIOSSL

/// Everything a PostgreSQL session needs, shared by all sessions: the node's services
/// (read through, as in `context.store`) and the PostgreSQL listener's own.
@dynamicMemberLookup
struct PostgresSessionContext: Sendable {
    var node: NodeServices
    var serverTLS: NIOSSLContext
    var upstreamTLS: [String: NIOSSLContext]
    var group: any EventLoopGroup
    /// Per-session roles of the connections with `jit_role`, by connection name.
    var jitRoles: [String: PostgresJITRoles] = [:]
    /// Write-ahead appends, gathered per event loop turn.
    var auditBatchers: EventLoopAuditBatchers

    subscript<Value>(dynamicMember member: WritableKeyPath<NodeServices, Value>) -> Value {
        get { node[keyPath: member] }
        set { node[keyPath: member] = newValue }
    }
}
