import NIOCore

/// Frames PostgreSQL messages out of a stream of byte chunks, keeping each message's raw
/// bytes so that untouched messages are forwarded as they arrived (no re-encoding).
///
/// `@unchecked Sendable`: a reader is owned by exactly one task at a time — the session's
/// startup code, then the relay task it is handed to — and is never used from two at once.
struct PostgresFrameReader<Decoder: NIOSingleStepByteToMessageDecoder>: @unchecked Sendable {
    typealias Frame = (message: Decoder.InboundOut, bytes: ByteBuffer)

    private var iterator: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var buffer: ByteBuffer
    var decoder: Decoder

    init(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, decoder: Decoder) {
        self.iterator = inbound.makeAsyncIterator()
        self.buffer = ByteBuffer()
        self.decoder = decoder
    }

    /// The next message, waiting for bytes as needed; nil at a clean end of stream.
    mutating func next() async throws -> Frame? {
        while true {
            if let frame = try buffered() { return frame }
            guard var chunk = try await iterator.next() else {
                if let message = try decoder.decodeLast(buffer: &buffer, seenEOF: true) {
                    return (message, ByteBuffer())
                }
                return nil
            }
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.writeBuffer(&chunk)
            }
        }
    }

    /// The next message already buffered, without waiting.
    mutating func buffered() throws -> Frame? {
        // The decoder may re-slice the buffer, so measure what it consumed by what is left.
        let before = buffer
        guard let message = try decoder.decode(buffer: &buffer) else { return nil }
        let consumed = before.readableBytes - buffer.readableBytes
        let bytes = before.getSlice(at: before.readerIndex, length: consumed) ?? ByteBuffer()
        return (message, bytes)
    }

    /// The next message plus every further complete message already buffered: one batch
    /// that the caller audits together and forwards with one write.
    mutating func nextBatch() async throws -> [Frame]? {
        guard let first = try await next() else { return nil }
        var batch = [first]
        while let more = try buffered() { batch.append(more) }
        return batch
    }
}
