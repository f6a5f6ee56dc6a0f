import NIOCore
import NIOSSH

/// Everything an SSH session needs, shared by all sessions: the node's services (read
/// through, as in `context.store`) and the SSH listener's own.
@dynamicMemberLookup
struct SSHSessionContext: Sendable {
    var node: NodeServices
    var hostKey: NIOSSHPrivateKey
    /// Signs the user certificates logins may present instead of a token; nil: none are accepted.
    var userCA: SSHUserCA?

    /// A client that has not authenticated within this long is disconnected.
    var handshakeTimeout: TimeAmount = .seconds(30)
    /// How long the gateway waits for the upstream server to accept its login.
    var upstreamTimeout: TimeAmount = .seconds(15)
    /// How much terminal output may wait for a session's recorder before the relay pauses.
    var trailMarks = SSHTrailWriter.Marks.fromEnvironment()

    subscript<Value>(dynamicMember member: WritableKeyPath<NodeServices, Value>) -> Value {
        get { node[keyPath: member] }
        set { node[keyPath: member] = newValue }
    }
}
