import NIOCore
import NIOPosix
import ServiceLifecycle

/// The event loops the protocol listeners serve sessions on: NIO's shared group (one thread
/// per core) unless `listeners.threads` names a number, in which case the node owns a group
/// of that size and shuts its threads down after every listener has stopped.
///
/// As a service it is the first of the group to start and so the last to stop.
struct ListenerEventLoops: Service {
    let group: any EventLoopGroup
    private let owned: MultiThreadedEventLoopGroup?

    init(threads: Int?) {
        if let threads {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            self.group = group
            self.owned = group
        } else {
            self.group = MultiThreadedEventLoopGroup.singleton
            self.owned = nil
        }
    }

    /// Waits for the node to shut down (a service that returned would end the node), then
    /// stops the threads of an owned group; every listener has ended by then.
    func run() async throws {
        try? await gracefulShutdown()
        try await owned?.shutdownGracefully()
    }
}
