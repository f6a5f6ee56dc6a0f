import NIOCore
import NIOPosix

/// The event loops the protocol listeners serve sessions on: NIO's shared group (one thread
/// per core) unless `listeners.threads` names a number, in which case the node owns a group
/// of that size.
///
/// Whoever runs the node's service group owns this too: create it before
/// ``GatewayService/serviceGroup(runtime:loops:registry:logger:onAdminRunning:onPostgresListening:onSSHListening:)``,
/// and call ``shutdown()`` only once that group's `run()` has returned (or the group could not
/// be made). Not a service of the group itself: sessions still finishing after their
/// listener's service returned (an SSH session's last notices) need their loops, and a
/// group that is cancelled must not pull the loops from under the tasks it is unwinding.
public final class ListenerEventLoops: Sendable {
    /// The group sessions and their upstream connections run on.
    public let group: any EventLoopGroup
    private let owned: MultiThreadedEventLoopGroup?

    /// - Parameter threads: the number of event loops; nil for NIO's shared group.
    public init(threads: Int?) {
        if let threads {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            self.group = group
            self.owned = group
        } else {
            self.group = MultiThreadedEventLoopGroup.singleton
            self.owned = nil
        }
    }

    /// Stops the threads of an owned group (the shared group is never stopped).
    public func shutdown() async {
        try? await owned?.shutdownGracefully()
    }
}
