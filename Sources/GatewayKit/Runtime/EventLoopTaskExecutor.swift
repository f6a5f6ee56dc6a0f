import NIOCore

/// Runs Swift tasks on a NIO event loop.
///
/// A session's tasks prefer the event loop its channels live on, so handing bytes between
/// the relay code and the channels stays on one thread instead of waking a thread of the
/// cooperative pool at every read and write — several cross-thread hops per statement.
/// Work done on it must not block (as for any code on an event loop).
final class EventLoopTaskExecutor: TaskExecutor, @unchecked Sendable {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
