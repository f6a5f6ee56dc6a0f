import NIOCore

/// Frames and decodes one direction of an `sftp` subsystem channel: `uint32 length`,
/// `byte type`, body.
///
/// Use ``SFTPRequestDecoder`` on the bytes the client sends and ``SFTPResponseDecoder`` on
/// the bytes the server sends. The declared length is checked against
/// ``maximumPacketLength`` *before* the decoder waits for or buffers the packet, so a hostile
/// length never makes the gateway hold more than one packet of at most that size.
///
/// It works two ways:
/// - as a `NIOSingleStepByteToMessageDecoder`, with NIO's processor or a frame reader that
///   keeps the buffer (``decode(buffer:)`` consumes exactly one packet per message);
/// - on its own, buffering partial packets itself: ``process(_:_:)`` takes chunks as they
///   arrive, in any sizes, and hands each complete packet's message with its raw bytes, so
///   a relay can forward the packet unchanged or withhold it.
///
/// ```swift
/// var requests = SFTPRequestDecoder()
/// try requests.process(chunk) { request, packetBytes in
///     try tracker.clientSent(request)
///     forward(packetBytes)
/// }
/// ```
public struct SFTPPacketDecoder<Message: Hashable & Sendable>: NIOSingleStepByteToMessageDecoder, Sendable {
    public typealias InboundOut = Message

    /// OpenSSH's limit (`SFTP_MAX_MSG_LENGTH`, 256 KiB): its client and server refuse
    /// longer packets, so no legitimate peer sends one.
    public static var defaultMaximumPacketLength: Int { 256 * 1024 }

    /// The largest accepted packet length (the length field's value: type byte and body).
    public var maximumPacketLength: Int

    private let decodeBody: @Sendable (SFTPPacketType, inout ByteBuffer) throws(SFTPError) -> Message
    /// What ``process(_:_:)`` holds between chunks: at most one partial packet.
    private var pending = ByteBuffer()

    private init(
        maximumPacketLength: Int,
        decodeBody: @escaping @Sendable (SFTPPacketType, inout ByteBuffer) throws(SFTPError) -> Message
    ) {
        self.maximumPacketLength = maximumPacketLength
        self.decodeBody = decodeBody
    }

    /// The number of bytes of an incomplete packet ``process(_:_:)`` is holding.
    public var bufferedByteCount: Int { self.pending.readableBytes }

    public mutating func decode(buffer: inout ByteBuffer) throws(SFTPError) -> Message? {
        try self.decodePacket(from: &buffer)
    }

    private func decodePacket(from buffer: inout ByteBuffer) throws(SFTPError) -> Message? {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, endianness: .big, as: UInt32.self) else {
            return nil
        }
        guard length > 0 else {
            throw SFTPError(code: .invalidLength, detail: "packet length 0: every packet has at least a type byte")
        }
        guard length <= self.maximumPacketLength else {
            throw SFTPError(
                code: .packetTooLarge,
                packetType: buffer.getInteger(at: start + 4).map(SFTPPacketType.init(rawValue:)),
                detail: "packet of \(length) bytes exceeds the limit of \(self.maximumPacketLength) bytes"
            )
        }
        guard var body = buffer.getSlice(at: start + 5, length: Int(length) - 1) else {
            return nil
        }
        let type = SFTPPacketType(rawValue: buffer.getInteger(at: start + 4)!)
        let message = try self.decodeBody(type, &body)
        buffer.moveReaderIndex(forwardBy: 4 + Int(length))
        return message
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws(SFTPError) -> Message? {
        if let message = try self.decode(buffer: &buffer) {
            return message
        }
        if seenEOF && buffer.readableBytes > 0 {
            throw Self.endedMidPacket(buffer)
        }
        return nil
    }

    /// Buffers `chunk` after whatever partial packet came before, then hands every
    /// complete packet to `receive`, in order, with its raw bytes (length field included).
    ///
    /// Messages decoded before an error have been delivered when it is thrown. After an
    /// error the stream cannot be followed any further: close the channel.
    public mutating func process(_ chunk: ByteBuffer, _ receive: (Message, ByteBuffer) throws -> Void) throws {
        var buffer = self.pending
        self.pending = ByteBuffer()
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            buffer.writeImmutableBuffer(chunk)
        }
        // Whatever happens below, keep only the bytes not yet consumed.
        defer {
            if buffer.readableBytes > 0 {
                buffer.discardReadBytes()
                self.pending = buffer
            }
        }
        while true {
            // Reading moves only the reader index, so `before` still sees the packet's bytes.
            let before = buffer
            guard let message = try self.decodePacket(from: &buffer) else { break }
            try receive(message, before.getSlice(at: before.readerIndex, length: buffer.readerIndex - before.readerIndex)!)
        }
    }

    /// Call when the direction's stream ends (EOF or channel close): throws
    /// ``SFTPError/Code/truncated`` if ``process(_:_:)`` holds part of a packet.
    public func finish() throws(SFTPError) {
        if self.pending.readableBytes > 0 {
            throw Self.endedMidPacket(self.pending)
        }
    }

    private static func endedMidPacket(_ buffer: ByteBuffer) -> SFTPError {
        SFTPError(
            code: .truncated,
            packetType: buffer.getInteger(at: buffer.readerIndex + 4).map(SFTPPacketType.init(rawValue:)),
            detail: "the stream ended in the middle of a packet (\(buffer.readableBytes) bytes buffered)"
        )
    }
}

/// Decodes what an SFTP client sends.
public typealias SFTPRequestDecoder = SFTPPacketDecoder<SFTPRequest>
/// Decodes what an SFTP server sends.
public typealias SFTPResponseDecoder = SFTPPacketDecoder<SFTPResponse>

extension SFTPPacketDecoder where Message == SFTPRequest {
    /// A decoder for the client's side of the channel.
    public init(maximumPacketLength: Int = Self.defaultMaximumPacketLength) {
        self.init(maximumPacketLength: maximumPacketLength) { (type, body) throws(SFTPError) in
            try SFTPRequest.decode(type: type, from: &body)
        }
    }
}

extension SFTPPacketDecoder where Message == SFTPResponse {
    /// A decoder for the server's side of the channel.
    public init(maximumPacketLength: Int = Self.defaultMaximumPacketLength) {
        self.init(maximumPacketLength: maximumPacketLength) { (type, body) throws(SFTPError) in
            try SFTPResponse.decode(type: type, from: &body)
        }
    }
}
