import NIOCore

extension SFTPResponse {
    /// Decodes a reply's body: what follows the packet's length and type byte. The body
    /// must be consumed exactly; leftovers are ``SFTPError/Code/trailingBytes``.
    public static func decode(type: SFTPPacketType, from body: inout ByteBuffer) throws(SFTPError) -> SFTPResponse {
        try type.decodeBody(&body) { (body) throws(SFTPError) in try Self.decodeFields(type: type, from: &body) }
    }

    private static func decodeFields(type: SFTPPacketType, from body: inout ByteBuffer) throws(SFTPError) -> SFTPResponse {
        switch type {
        case .version:
            return .version(version: try body.sftpReadUInt32("version"), extensions: try body.sftpReadExtensionPairs())
        case .status:
            return .status(id: try body.sftpReadUInt32("request id"), try .decode(from: &body))
        case .handle:
            return .handle(id: try body.sftpReadUInt32("request id"), try body.sftpReadHandle())
        case .data:
            let id = try body.sftpReadUInt32("request id")
            return .data(id: id, dataLength: UInt32(try body.sftpSkipString("data")))
        case .name:
            let id = try body.sftpReadUInt32("request id")
            let count = try body.sftpReadUInt32("name count")
            try body.sftpCheckCount(count, minimumSize: SFTPName.minimumEncodedSize, "name")
            var names: [SFTPName] = []
            names.reserveCapacity(Int(count))
            for _ in 0..<count {
                names.append(try .decode(from: &body))
            }
            return .name(id: id, names)
        case .attributes:
            return .attributes(id: try body.sftpReadUInt32("request id"), try .decode(from: &body))
        case .extendedReply:
            let id = try body.sftpReadUInt32("request id")
            let length = body.readableBytes
            body.moveReaderIndex(forwardBy: length)
            return .extendedReply(id: id, dataLength: length)
        default:
            let id = body.readInteger(endianness: .big, as: UInt32.self)
            body.moveReaderIndex(forwardBy: body.readableBytes)
            return .unknown(type: type, id: id)
        }
    }
}
