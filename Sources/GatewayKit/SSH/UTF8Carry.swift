import NIOCore

/// Cuts a byte stream, which arrives cut at arbitrary points, into pieces that never end
/// inside a UTF-8 sequence: an incomplete sequence at the end of a chunk waits for the next
/// chunk. The pieces stay bytes; the recorder escapes them without decoding (ill-formed
/// bytes become U+FFFD there).
struct UTF8Carry: Sendable {
    private var held: ByteBuffer?

    /// `chunk` after what was held, holding back a trailing incomplete sequence.
    mutating func next(_ chunk: ByteBuffer) -> ByteBuffer {
        var ready = chunk
        if var joined = held {
            held = nil
            joined.writeImmutableBuffer(chunk)
            ready = joined
        }
        let keep = ready.withUnsafeReadableBytes(Self.incompleteTail)
        if keep > 0 {
            held = ready.getSlice(at: ready.writerIndex - keep, length: keep)
            ready.moveWriterIndex(to: ready.writerIndex - keep)
        }
        return ready
    }

    /// Whatever is held (the stream ended).
    mutating func finish() -> ByteBuffer? {
        defer { held = nil }
        return held
    }

    /// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
    static func incompleteTail(_ bytes: UnsafeRawBufferPointer) -> Int {
        var index = bytes.count - 1
        var continuation = 0
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            continuation += 1
            index -= 1
        }
        guard index >= 0 else { return 0 }
        let lead = bytes[index]
        let length = lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 1
        return length > continuation + 1 ? continuation + 1 : 0
    }
}
