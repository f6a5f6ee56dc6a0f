import NIOCore

/// Frames and decodes the byte stream a PostgreSQL client sends to the gateway.
///
/// It starts in the ``Phase/startup`` phase, where packets carry no type byte: an
/// `SSLRequest` or `GSSENCRequest` keeps it there (the client follows with another startup
/// packet, possibly over TLS), a `StartupMessage` moves it to ``Phase/messages``.
///
/// Every declared length is checked against a limit *before* the decoder waits for or
/// slices the payload, so a hostile length never makes the gateway buffer it. Each payload
/// must be consumed exactly.
public struct PostgresFrontendMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = PostgresFrontendMessage

    public enum Phase: Hashable, Sendable {
        /// Expecting a packet without type byte: StartupMessage, SSLRequest, GSSENCRequest
        /// or CancelRequest.
        case startup
        /// Expecting typed messages.
        case messages
    }

    /// The default payload limit for messages that carry data (Query, Parse, Bind, CopyData, ...).
    public static let defaultMaximumMessageSize = 64 << 20
    /// The server's limit for startup packets (`MAX_STARTUP_PACKET_LENGTH`).
    public static let defaultMaximumStartupPacketSize = 10_000
    /// The server's limit for messages that never carry data (`PQ_SMALL_MESSAGE_LIMIT`):
    /// Describe, Close, Execute, Sync, Flush, Terminate, CopyDone.
    public static let smallMessageLimit = 10_000
    /// The server's limit for authentication responses (`PG_MAX_AUTH_TOKEN_LENGTH`).
    public static let passwordMessageLimit = 65_535

    public private(set) var phase: Phase
    /// The largest payload (declared length minus the 4 bytes of the length itself) accepted
    /// for a typed message.
    public var maximumMessageSize: Int
    /// The largest payload accepted for a startup-phase packet.
    public var maximumStartupPacketSize: Int
    /// The most parameters a StartupMessage may carry.
    public var maximumStartupParameterCount: Int

    public init(
        phase: Phase = .startup,
        maximumMessageSize: Int = Self.defaultMaximumMessageSize,
        maximumStartupPacketSize: Int = Self.defaultMaximumStartupPacketSize,
        maximumStartupParameterCount: Int = PostgresFrontendMessage.Startup.defaultMaximumParameterCount
    ) {
        self.phase = phase
        self.maximumMessageSize = maximumMessageSize
        self.maximumStartupPacketSize = maximumStartupPacketSize
        self.maximumStartupParameterCount = maximumStartupParameterCount
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> PostgresFrontendMessage? {
        switch self.phase {
        case .startup: try self.decodeStartupPacket(buffer: &buffer)
        case .messages: try self.decodeMessage(buffer: &buffer)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PostgresFrontendMessage? {
        if let message = try self.decode(buffer: &buffer) {
            return message
        }
        if seenEOF && buffer.readableBytes > 0 {
            throw PostgresWireError(
                code: .truncated,
                messageType: self.phase == .messages ? buffer.getInteger(at: buffer.readerIndex) : nil,
                detail: "the client closed the connection in the middle of a message (\(buffer.readableBytes) bytes buffered)"
            )
        }
        return nil
    }

    private mutating func decodeStartupPacket(buffer: inout ByteBuffer) throws(PostgresWireError) -> PostgresFrontendMessage? {
        let start = buffer.readerIndex
        guard let length = buffer.getInteger(at: start, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard length >= 8 else {
            throw PostgresWireError(
                code: .invalidLength,
                detail: "startup packet length \(length) is below the minimum of 8"
            )
        }
        let payloadLength = Int(length) - 4
        guard payloadLength <= self.maximumStartupPacketSize else {
            throw PostgresWireError(
                code: .messageTooLarge,
                detail: "startup packet of \(payloadLength) bytes exceeds the limit of \(self.maximumStartupPacketSize) bytes"
            )
        }
        guard var payload = buffer.getSlice(at: start + 4, length: payloadLength) else {
            return nil
        }
        let message = try PostgresFrontendMessage.decodeStartupPacket(
            from: &payload,
            maximumParameterCount: self.maximumStartupParameterCount
        )
        buffer.moveReaderIndex(forwardBy: Int(length))

        switch message {
        case .sslRequest, .gssEncRequest:
            // A client must wait for the one-byte answer before it sends anything else; bytes
            // already here would be processed as if they had come over the encrypted channel.
            guard buffer.readableBytes == 0 else {
                throw PostgresWireError(
                    code: .unexpectedDataAfterEncryptionRequest,
                    detail: "\(buffer.readableBytes) bytes arrived after the encryption request, before the gateway answered it"
                )
            }
        case .startup:
            self.phase = .messages
        default:
            break
        }
        return message
    }

    private func decodeMessage(buffer: inout ByteBuffer) throws(PostgresWireError) -> PostgresFrontendMessage? {
        let start = buffer.readerIndex
        guard let type = buffer.getInteger(at: start, as: UInt8.self) else {
            return nil
        }
        guard let id = PostgresFrontendMessage.ID(rawValue: type) else {
            throw PostgresWireError(
                code: .unknownMessageType,
                messageType: type,
                detail: "no frontend message has type \(PostgresWireError.describeType(type))"
            )
        }
        guard let length = buffer.getInteger(at: start + 1, endianness: .big, as: Int32.self) else {
            return nil
        }
        guard length >= 4 else {
            throw PostgresWireError(
                code: .invalidLength,
                messageType: type,
                detail: "declared length \(length) is below the minimum of 4"
            )
        }
        let payloadLength = Int(length) - 4
        let limit = self.limit(for: id)
        guard payloadLength <= limit else {
            throw PostgresWireError(
                code: .messageTooLarge,
                messageType: type,
                detail: "payload of \(payloadLength) bytes exceeds the limit of \(limit) bytes"
            )
        }
        guard var payload = buffer.getSlice(at: start + 5, length: payloadLength) else {
            return nil
        }
        let message = try PostgresFrontendMessage.decode(id: id, from: &payload)
        buffer.moveReaderIndex(forwardBy: payloadLength + 5)
        return message
    }

    private func limit(for id: PostgresFrontendMessage.ID) -> Int {
        switch id {
        case .describe, .close, .execute, .sync, .flush, .terminate, .copyDone:
            min(Self.smallMessageLimit, self.maximumMessageSize)
        case .password:
            min(Self.passwordMessageLimit, self.maximumMessageSize)
        case .bind, .copyData, .copyFail, .functionCall, .parse, .query:
            self.maximumMessageSize
        }
    }
}
