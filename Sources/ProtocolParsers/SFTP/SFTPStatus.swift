import NIOCore

/// The body of `SSH_FXP_STATUS` after its request id: how a request ended.
public struct SFTPStatus: Hashable, Sendable {
    public var code: SFTPStatusCode
    /// The server's explanation, for example `Permission denied` (empty when the server
    /// sent none: version 3 servers before the message field existed omit it).
    public var message: String
    /// The language of ``message`` (RFC 1766), usually empty.
    public var languageTag: String

    public init(code: SFTPStatusCode, message: String = "", languageTag: String = "") {
        self.code = code
        self.message = message
        self.languageTag = languageTag
    }

    /// Decodes `uint32 code, string message, string language`. Some servers stop after
    /// the code; both strings are then empty.
    static func decode(from buffer: inout ByteBuffer) throws(SFTPError) -> SFTPStatus {
        var status = SFTPStatus(code: SFTPStatusCode(rawValue: try buffer.sftpReadUInt32("status code")))
        if buffer.readableBytes > 0 {
            status.message = try buffer.sftpReadString("status message")
            if buffer.readableBytes > 0 {
                status.languageTag = try buffer.sftpReadString("status language tag")
            }
        }
        return status
    }

    /// Writes a whole `SSH_FXP_STATUS` packet answering `requestID`: what the gateway
    /// sends a client in place of forwarding a request that policy refused.
    ///
    /// ```swift
    /// var reply = ByteBuffer()
    /// SFTPStatus(code: .permissionDenied, message: "denied by policy: no writes to /etc")
    ///     .encodePacket(answering: id, into: &reply)
    /// ```
    public func encodePacket(answering requestID: UInt32, into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(UInt32(0), endianness: .big)
        buffer.writeInteger(SFTPPacketType.status.rawValue)
        buffer.writeInteger(requestID, endianness: .big)
        buffer.writeInteger(self.code.rawValue, endianness: .big)
        for text in [self.message, self.languageTag] {
            buffer.writeInteger(UInt32(text.utf8.count), endianness: .big)
            buffer.writeString(text)
        }
        buffer.setInteger(UInt32(buffer.writerIndex - lengthIndex - 4), at: lengthIndex, endianness: .big)
    }
}

extension SFTPStatus: CustomStringConvertible {
    /// `SSH_FX_PERMISSION_DENIED: Permission denied`
    public var description: String {
        self.message.isEmpty ? self.code.description : "\(self.code): \(self.message)"
    }
}
