import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import GatewayKit

/// ChannelByteStream over real loopback TCP connections: bytes arrive whole and in order,
/// a reader that falls behind stops the socket reads instead of buffering without bound,
/// and a writer to a peer that does not read waits instead of queueing without bound.
@Suite("Channel byte stream")
struct ChannelByteStreamTests {
    /// Runs `body` with a connected pair of streams over loopback TCP (the accepted side
    /// first), on an event loop of their own, and shuts everything down afterwards.
    private static func withPair(_ body: (_ server: ChannelByteStream, _ client: ChannelByteStream) async throws -> Void) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let (stream, continuation) = AsyncStream<ChannelByteStream>.makeStream()
        let listener = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    continuation.yield(try ChannelByteStream(installingOn: channel))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let client = try await ClientBootstrap(group: group)
            .connect(host: "127.0.0.1", port: listener.localAddress!.port!) { channel in
                channel.eventLoop.makeCompletedFuture { try ChannelByteStream(installingOn: channel) }
            }
        var accepted = stream.makeAsyncIterator()
        let server = try #require(await accepted.next())
        do {
            try await body(server, client)
        } catch {
            Self.shutDown(server, client, listener)
            try await group.shutdownGracefully()
            throw error
        }
        Self.shutDown(server, client, listener)
        try await group.shutdownGracefully()
    }

    private static func shutDown(_ server: ChannelByteStream, _ client: ChannelByteStream, _ listener: any Channel) {
        server.close()
        client.close()
        listener.close(promise: nil)
    }

    /// `count` bytes (a multiple of 64 KiB) in 64 KiB blocks that each start with their own
    /// number, so a lost, repeated or reordered block shows.
    private static func pattern(_ count: Int, seed: UInt8) -> ByteBuffer {
        let block = (0..<65_536).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
        var buffer = ByteBuffer()
        buffer.reserveCapacity(count)
        for index in 0..<count / block.count {
            buffer.writeInteger(UInt32(index))
            buffer.writeBytes(block.dropFirst(4))
        }
        return buffer
    }

    /// Reads until `count` bytes have arrived or the stream ends.
    private static func readAll(_ stream: ChannelByteStream, count: Int) async throws -> ByteBuffer {
        var received = ByteBuffer()
        while received.readableBytes < count, var chunk = try await stream.read() {
            received.writeBuffer(&chunk)
        }
        return received
    }

    /// Set once, read from any task.
    private final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .acquiring) }
        func set() { value.store(true, ordering: .releasing) }
    }

    @Test func aSlowReaderHoldsTheSocketBackAndStillGetsEveryByteInOrder() async throws {
        try await Self.withPair { server, client in
            let sent = Self.pattern(8 * 1024 * 1024, seed: 7)
            // The client writes everything while the server reads nothing for a while.
            let writer = Task { try await client.write(sent) }
            try await Task.sleep(for: .milliseconds(500))
            let unread = try await server.channel.eventLoop.submit { server.unreadBytes }.get()
            // At most the high-water mark plus one socket read beyond it.
            #expect(unread > 0)
            #expect(unread <= ChannelByteStream.Handler.highWater + 1024 * 1024, "the stream kept reading from its socket: \(unread) bytes buffered")
            let received = try await Self.readAll(server, count: sent.readableBytes)
            try await writer.value
            #expect(received == sent)
            client.close()
            #expect(try await server.read() == nil)
        }
    }

    @Test func aWriteToAPeerThatDoesNotReadWaitsUntilItDoes() async throws {
        try await Self.withPair { server, client in
            // Far more than the kernel's socket buffers hold on loopback.
            let sent = Self.pattern(64 * 1024 * 1024, seed: 3)
            let written = Flag()
            let writer = Task {
                try await server.write(sent)
                written.set()
            }
            try await Task.sleep(for: .milliseconds(500))
            #expect(!written.isSet, "the write returned although the peer had read nothing")
            let full = try await server.channel.eventLoop.submit { !server.channel.isWritable }.get()
            #expect(full, "the channel took 64 MiB without the peer reading")
            let received = try await Self.readAll(client, count: sent.readableBytes)
            try await writer.value
            #expect(written.isSet)
            #expect(received == sent)
        }
    }

    @Test func aCancelledReadEndsAndTheNextReadGetsTheBytes() async throws {
        try await Self.withPair { server, client in
            let waiting = Task { try await server.read() }
            try await Task.sleep(for: .milliseconds(100))
            waiting.cancel()
            await #expect(throws: CancellationError.self) { try await waiting.value }
            try await client.write(ByteBuffer(string: "after"))
            #expect(String(buffer: try await Self.readAll(server, count: 5)) == "after")
        }
    }

    @Test func readsFromAnotherThreadAndWritesAfterCloseFailClearly() async throws {
        try await Self.withPair { server, client in
            // This test's task is not on the channels' event loop: every call hops there.
            try await client.write(ByteBuffer(string: "hello"))
            let received = try await Self.readAll(server, count: 5)
            #expect(String(buffer: received) == "hello")
            client.close()
            #expect(try await server.read() == nil)
            try await client.channel.closeFuture.get()
            await #expect(throws: ChannelError.ioOnClosedChannel) { try await client.write(ByteBuffer(string: "late")) }
        }
    }

    /// A connection that an error closed (a failed TLS handshake, a reset) reports that error
    /// to a later write too, not a bare "closed channel", so the caller can say what happened.
    @Test func aWriteAfterAnErrorClosedTheConnectionThrowsThatError() async throws {
        struct HandshakeFailed: Error, Equatable {}
        try await Self.withPair { server, client in
            server.channel.pipeline.fireErrorCaught(HandshakeFailed())
            try await server.channel.closeFuture.get()
            await #expect(throws: HandshakeFailed()) { try await server.write(ByteBuffer(string: "startup")) }
            await #expect(throws: HandshakeFailed()) { _ = try await server.read() }
        }
    }
}
