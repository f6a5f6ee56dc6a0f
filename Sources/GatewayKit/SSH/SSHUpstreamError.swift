/// The gateway could not open its own SSH connection to the upstream server. The message is
/// shown to the client: it names the connection and what went wrong, never a credential.
struct SSHUpstreamError: Error, CustomStringConvertible {
    /// The `session.end` reason: `upstream_host_key_mismatch`, `upstream_auth_failed`, `upstream_error`.
    var reason: String
    var message: String
    var description: String { message }
}
