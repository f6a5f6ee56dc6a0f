import NIOCore

/// Frames and decodes the byte stream a PostgreSQL server sends to the gateway.
///
/// Created with ``Expectation/sslResponse`` (or ``Expectation/gssEncResponse``) right after
/// the gateway sent an `SSLRequest`, it first decodes the server's one-byte answer; an `E`
/// there is an ErrorResponse from a server that predates the request, and is decoded as one.
///
/// Every declared length is checked against a limit *before* the decoder waits for or
/// slices the payload. Like libpq, only the message types that carry data (`T`, `D`, `d`,
/// `V`, `E`, `N`, `A`) may exceed ``smallMessageLimit``. Each payload must be consumed exactly.
public struct PostgresBackendMessageDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = PostgresBackendMessage

    public enum Expectation: Hashable, Sendable {
        /// Typed messages.
        case messages
        /// The one-byte answer to an `SSLRequest` (`S` or `N`), then typed messages.
        case sslResponse
        /// The one-byte answer to a `GSSENCRequest` (`G` or `N`), then typed messages.
        case gssEncResponse
    }

    /// The default payload limit for the message types that carry data.
    public static let defaultMaximumMessageSize = 64 << 20
    /// libpq's limit for every other message type.
    public static let smallMessageLimit = 30_000

    public private(set) var expectation: Expectation
    /// The largest payload (declared length minus the 4 bytes of the length itself) accepted
    /// for DataRow, RowDescription, CopyData, FunctionCallResponse, ErrorResponse,
    /// NoticeResponse and NotificationResponse.
    public var maximumMessageSize: Int

    public init(expecting expectation: Expectation = .messages, maximumMessageSize: Int = Self.defaultMaximumMessageSize) {
        self.expectation = expectation
        self.maximumMessageSize = maximumMessageSize
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> PostgresBackendMessage? {
        switch self.expectation {
        case .messages:
            return try self.decodeMessage(buffer: &buffer)
        case .sslResponse, .gssEncResponse:
            return try self.decodeEncryptionResponse(buffer: &buffer)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> PostgresBackendMessage? {
        if let message = try self.decode(buffer: &buffer) {
            return message
        }
        if seenEOF && buffer.readableBytes > 0 {
            throw PostgresWireError(
                code: .truncated,
                messageType: buffer.getInteger(at: buffer.readerIndex),
                detail: "the server closed the connection in the middle of a message (\(buffer.readableBytes) bytes buffered)"
            )
        }
        return nil
    }

    private mutating func decodeEncryptionResponse(buffer: inout ByteBuffer) throws(PostgresWireError) -> PostgresBackendMessage? {
        guard let byte = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else {
            return nil
        }
        let isSSL = self.expectation == .sslResponse
        let message: PostgresBackendMessage
        switch byte {
        case UInt8(ascii: "S") where isSSL:
            message = .sslResponse(supported: true)
        case UInt8(ascii: "G") where !isSSL:
            message = .gssEncResponse(supported: true)
        case UInt8(ascii: "N"):
            message = isSSL ? .sslResponse(supported: false) : .gssEncResponse(supported: false)
        case PostgresBackendMessage.ID.errorResponse.rawValue:
            self.expectation = .messages
            return try self.decodeMessage(buffer: &buffer)
        default:
            throw PostgresWireError(
                code: .invalidValue,
                detail: "the server answered the \(isSSL ? "SSLRequest" : "GSSENCRequest") with \(PostgresWireError.describeType(byte)); expected \(isSSL ? "'S'" : "'G'"), 'N' or an ErrorResponse"
            )
        }
        buffer.moveReaderIndex(forwardBy: 1)
        self.expectation = .messages
        if case .sslResponse(true) = message, buffer.readableBytes > 0 {
            throw Self.injectionError(buffer.readableBytes)
        }
        if case .gssEncResponse(true) = message, buffer.readableBytes > 0 {
            throw Self.injectionError(buffer.readableBytes)
        }
        return message
    }

    private static func injectionError(_ count: Int) -> PostgresWireError {
        PostgresWireError(
            code: .unexpectedDataAfterEncryptionRequest,
            detail: "\(count) unencrypted bytes followed the server's consent to encrypt"
        )
    }

    private func decodeMessage(buffer: inout ByteBuffer) throws(PostgresWireError) -> PostgresBackendMessage? {
        let start = buffer.readerIndex
        guard let type = buffer.getInteger(at: start, as: UInt8.self) else {
            return nil
        }
        guard let id = PostgresBackendMessage.ID(rawValue: type) else {
            throw PostgresWireError(
                code: .unknownMessageType,
                messageType: type,
                detail: "no backend message has type \(PostgresWireError.describeType(type))"
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
        let message = try PostgresBackendMessage.decode(id: id, from: &payload)
        buffer.moveReaderIndex(forwardBy: payloadLength + 5)
        return message
    }

    private func limit(for id: PostgresBackendMessage.ID) -> Int {
        switch id {
        case .rowDescription, .dataRow, .copyData, .functionCallResponse, .errorResponse, .noticeResponse,
            .notificationResponse:
            self.maximumMessageSize
        default:
            min(Self.smallMessageLimit, self.maximumMessageSize)
        }
    }
}
