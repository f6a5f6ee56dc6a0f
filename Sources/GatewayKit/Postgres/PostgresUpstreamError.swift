/// Connecting or authenticating to the upstream server failed. The message is safe to show
/// the client: it names the connection and the server's reason, never the credential.
struct PostgresUpstreamError: Error, CustomStringConvertible {
    var message: String
    /// The server's SQLSTATE when it refused us, else 08006 (connection failure).
    var sqlState: String = "08006"
    /// What the operator can change, shown to the client as the error's HINT.
    var hint: String?
    var description: String { message }
}
