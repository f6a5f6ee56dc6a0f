/// One end of an `scp` exec channel, as the gateway sees it.
public enum SCPPeer: Hashable, Sendable {
    /// The person's `scp`, connected to the gateway.
    case client
    /// The `scp -t` or `scp -f` the gateway started on the target host.
    case server
}
