import NIOCore

/// Collects one newline-terminated line across chunks, refusing to hold more than a limit.
struct SCPLineBuffer: Sendable {
    private(set) var bytes: [UInt8] = []

    /// Moves bytes from `chunk` up to and including the next newline. Returns the line
    /// (without its newline) when complete, `nil` when `chunk` ran out first. Throws
    /// ``SCPError/Code/lineTooLong`` as soon as the line is longer than `limit`.
    mutating func append(from chunk: inout ByteBuffer, limit: Int, peer: SCPPeer) throws(SCPError) -> [UInt8]? {
        let newline = chunk.withUnsafeReadableBytes { $0.firstIndex(of: UInt8(ascii: "\n")) }
        let take = newline ?? chunk.readableBytes
        guard self.bytes.count + take <= limit else {
            throw SCPError(code: .lineTooLong, peer: peer, detail: "a line ran past \(limit) bytes without a newline")
        }
        self.bytes += chunk.readBytes(length: take)!
        guard newline != nil else { return nil }
        chunk.moveReaderIndex(forwardBy: 1)
        defer { self.bytes = [] }
        return self.bytes
    }
}
