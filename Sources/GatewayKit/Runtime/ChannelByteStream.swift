import NIOCore
import Synchronization

/// A connection's bytes for one reading task and its writers, as a handler at the end of the
/// channel's pipeline: the data path's replacement for `NIOAsyncChannel`.
///
/// Made for a task that runs on the channel's own event loop (see ``EventLoopTaskExecutor``).
/// There a read that finds bytes waiting returns them without suspending, a read that has to
/// wait is resumed straight from `channelRead`, and a write goes into the pipeline at once:
/// no locks, no producer or writer state machines, no hop between threads. (The async
/// channel's machinery around each read and write was a tenth of a PostgreSQL statement's
/// CPU in the gateway.) From any other thread every call hops to the event loop first.
///
/// Back-pressure both ways: above ``Handler/highWater`` unread bytes the channel stops
/// reading from its socket until the reader drains them below ``Handler/lowWater``; a write
/// that leaves the channel unwritable (its send buffer full) suspends until it drains.
/// A task cancelled while it waits gets `CancellationError`.
final class ChannelByteStream: Sendable {
    /// The connection.
    let channel: any Channel
    private let handler: NIOLoopBound<Handler>
    /// Numbers the reads and writes that wait, so that cancelling one ends only it.
    private let nextWaiter = Atomic<Int>(0)

    /// Adds the stream's handler at the end of `channel`'s pipeline. Call it on the
    /// channel's event loop, for example in a bootstrap's channel initializer.
    init(installingOn channel: any Channel) throws {
        let handler = Handler()
        try channel.pipeline.syncOperations.addHandler(handler)
        self.channel = channel
        self.handler = NIOLoopBound(handler, eventLoop: channel.eventLoop)
    }

    /// The next bytes the peer sent, waiting for them if none are buffered; nil once the
    /// connection has closed and everything it sent has been read.
    func read() async throws -> ByteBuffer? {
        let loop = channel.eventLoop
        if loop.inEventLoop, case .ready(let result) = handler.value.poll() {
            return try result.get()
        }
        return try await suspend { handler, waiter, continuation in handler.wait(waiter, continuation) }
    }

    /// Bytes already received, without waiting; nil when none are (or when not called on the
    /// channel's event loop). For batching: a reader that has a message can take what else
    /// has arrived before it acts.
    func readIfReady() -> ByteBuffer? {
        guard channel.eventLoop.inEventLoop, case .ready(.success(let bytes?)) = handler.value.poll() else { return nil }
        return bytes
    }

    /// Bytes received and not yet read. Call it on the channel's event loop.
    var unreadBytes: Int { handler.value.unreadBytes }

    /// Writes and flushes `buffer`.
    func write(_ buffer: ByteBuffer) async throws {
        try await write(contentsOf: CollectionOfOne(buffer))
    }

    /// Writes `buffers` in order and flushes them once; returns when the channel can take
    /// more. Once the connection has closed, throws the error that closed it (a failed TLS
    /// handshake, a reset), or `ChannelError.ioOnClosedChannel` after a clean close.
    func write(contentsOf buffers: some Collection<ByteBuffer> & Sendable) async throws {
        let loop = channel.eventLoop
        let full: Bool
        if loop.inEventLoop {
            full = try handler.value.write(buffers)
        } else {
            full = try await loop.submit { try self.handler.value.write(buffers) }.get()
        }
        guard full else { return }
        try await suspend { handler, waiter, continuation in handler.waitUntilWritable(waiter, continuation) }
    }

    /// Suspends until the handler resumes the continuation that `register` hands it, on the
    /// event loop; a cancelled task's wait ends with `CancellationError`.
    private func suspend<Value: Sendable>(
        _ register: @escaping @Sendable (Handler, Int, CheckedContinuation<Value, any Error>) -> Void
    ) async throws -> Value {
        let loop = channel.eventLoop
        let waiter = nextWaiter.add(1, ordering: .relaxed).newValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if loop.inEventLoop {
                    register(self.handler.value, waiter, continuation)
                } else {
                    loop.execute { register(self.handler.value, waiter, continuation) }
                }
            }
        } onCancel: {
            loop.execute { self.handler.value.cancel(waiter) }
        }
    }

    /// Closes the connection (a no-op if it is closed already).
    func close() {
        channel.close(promise: nil)
    }

    /// Runs `body`, then closes the connection, however `body` ended.
    func executeThenClose<Result>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> Result) async throws -> Result {
        defer { close() }
        return try await body()
    }

    /// The stream's state, confined to the channel's event loop.
    final class Handler: ChannelDuplexHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        /// Unread bytes above which the channel stops reading from its socket.
        static let highWater = 256 * 1024
        /// Unread bytes below which it reads again.
        static let lowWater = 64 * 1024

        enum Poll {
            /// Bytes, or nil for the end of the stream, or the error that ended it.
            case ready(Result<ByteBuffer?, any Error>)
            case pending
        }

        private var context: ChannelHandlerContext?
        private var chunks = CircularBuffer<ByteBuffer>()
        private var unread = 0
        /// Set when the connection has ended: nil for a clean end, else its error.
        private var ending: (any Error)??
        private var reader: (waiter: Int, continuation: CheckedContinuation<ByteBuffer?, any Error>)?
        /// The newest wait that has reached the loop.
        private var lastWaiter = 0
        /// Waits cancelled before they reached the loop.
        private var cancelledEarly: Set<Int> = []
        private var writers: [(waiter: Int, continuation: CheckedContinuation<Void, any Error>)] = []
        /// A socket read the handler held back because too much was unread.
        private var readHeld = false

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            end(nil)
            self.context = nil
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let bytes = unwrapInboundIn(data)
            if let reader {
                self.reader = nil
                reader.continuation.resume(returning: bytes)
            } else {
                unread += bytes.readableBytes
                chunks.append(bytes)
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            end(nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            end(error)
            context.close(promise: nil)
        }

        func channelWritabilityChanged(context: ChannelHandlerContext) {
            if context.channel.isWritable { resumeWriters(.success(())) }
            context.fireChannelWritabilityChanged()
        }

        func read(context: ChannelHandlerContext) {
            if unread >= Self.highWater {
                readHeld = true
            } else {
                context.read()
            }
        }

        var unreadBytes: Int { unread }

        func poll() -> Poll {
            if let bytes = chunks.popFirst() {
                unread -= bytes.readableBytes
                if readHeld, unread < Self.lowWater {
                    readHeld = false
                    context?.read()
                }
                return .ready(.success(bytes))
            }
            switch ending {
            case .none: return .pending
            case .some(.none): return .ready(.success(nil))
            case .some(.some(let error)): return .ready(.failure(error))
            }
        }

        func wait(_ waiter: Int, _ continuation: CheckedContinuation<ByteBuffer?, any Error>) {
            precondition(reader == nil, "one reader at a time")
            lastWaiter = max(lastWaiter, waiter)
            if cancelledEarly.remove(waiter) != nil {
                continuation.resume(throwing: CancellationError())
                return
            }
            switch poll() {
            case .ready(let result): continuation.resume(with: result)
            case .pending: reader = (waiter, continuation)
            }
        }

        /// Ends the wait of a cancelled read or write with `CancellationError` (received bytes
        /// stay buffered). A cancellation that arrives before its wait (the task was cancelled
        /// while the call hopped to the loop) is kept until the wait comes, and ends it at once;
        /// one for a wait already over is dropped.
        func cancel(_ waiter: Int) {
            if let reader, reader.waiter == waiter {
                self.reader = nil
                reader.continuation.resume(throwing: CancellationError())
            } else if let index = writers.firstIndex(where: { $0.waiter == waiter }) {
                writers.remove(at: index).continuation.resume(throwing: CancellationError())
            } else if waiter > lastWaiter {
                cancelledEarly.insert(waiter)
            }
        }

        /// The error that ended the connection (a failed TLS handshake, a reset), else
        /// `ioOnClosedChannel`: what a write or a wait for writability on it throws.
        private var closedError: any Error {
            if case .some(.some(let error)) = ending { return error }
            return ChannelError.ioOnClosedChannel
        }

        /// Writes and flushes; returns whether the channel is now full.
        func write(_ buffers: some Collection<ByteBuffer>) throws -> Bool {
            guard let context, context.channel.isActive else { throw closedError }
            for buffer in buffers {
                context.write(wrapOutboundOut(buffer), promise: nil)
            }
            context.flush()
            return !context.channel.isWritable
        }

        func waitUntilWritable(_ waiter: Int, _ continuation: CheckedContinuation<Void, any Error>) {
            lastWaiter = max(lastWaiter, waiter)
            if cancelledEarly.remove(waiter) != nil {
                continuation.resume(throwing: CancellationError())
                return
            }
            guard let context, context.channel.isActive else {
                continuation.resume(throwing: closedError)
                return
            }
            if context.channel.isWritable {
                continuation.resume()
            } else {
                writers.append((waiter, continuation))
            }
        }

        private func end(_ error: (any Error)?) {
            if ending == nil { ending = .some(error) }
            if let reader, case .ready(let result) = poll() {
                self.reader = nil
                reader.continuation.resume(with: result)
            }
            resumeWriters(.failure(closedError))
        }

        private func resumeWriters(_ result: Result<Void, any Error>) {
            let waiting = writers
            writers = []
            for writer in waiting { writer.continuation.resume(with: result) }
        }
    }
}
