import NIOCore

/// Frames PostgreSQL messages out of a connection's bytes, keeping each message's raw
/// bytes so that untouched messages are forwarded as they arrived (no re-encoding).
///
/// `@unchecked Sendable`: a reader is owned by exactly one task at a time — the session's
/// startup code, then the relay task it is handed to — and is never used from two at once.
struct PostgresFrameReader<Decoder: NIOSingleStepByteToMessageDecoder>: @unchecked Sendable {
    typealias Frame = (message: Decoder.InboundOut, bytes: ByteBuffer)

    private let source: ChannelByteStream
    private var buffer: ByteBuffer
    var decoder: Decoder

    init(_ source: ChannelByteStream, decoder: Decoder) {
        self.source = source
        self.buffer = ByteBuffer()
        self.decoder = decoder
    }

    /// The next message, waiting for bytes as needed; nil at a clean end of stream.
    mutating func next() async throws -> Frame? {
        while true {
            if let frame = try buffered() { return frame }
            guard let chunk = try await source.read() else {
                if let message = try decoder.decodeLast(buffer: &buffer, seenEOF: true) {
                    return (message, ByteBuffer())
                }
                return nil
            }
            append(chunk)
        }
    }

    /// Bytes received and not yet decoded into a message.
    var bufferedBytes: Int { buffer.readableBytes }

    private mutating func append(_ chunk: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            var chunk = chunk
            buffer.writeBuffer(&chunk)
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

    /// The next message plus every further complete message already received: one batch
    /// that the caller audits together and forwards with one write.
    mutating func nextBatch() async throws -> [Frame]? {
        guard let first = try await next() else { return nil }
        var batch = [first]
        while true {
            while let more = try buffered() { batch.append(more) }
            guard let chunk = source.readIfReady() else { return batch }
            append(chunk)
        }
    }
}
