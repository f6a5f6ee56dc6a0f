import NIOCore

extension SFTPRequest {
    /// Decodes a request's body: what follows the packet's length and type byte. The body
    /// must be consumed exactly; leftovers are ``SFTPError/Code/trailingBytes``.
    public static func decode(type: SFTPPacketType, from body: inout ByteBuffer) throws(SFTPError) -> SFTPRequest {
        try type.decodeBody(&body) { (body) throws(SFTPError) in try Self.decodeFields(type: type, from: &body) }
    }

    private static func decodeFields(type: SFTPPacketType, from body: inout ByteBuffer) throws(SFTPError) -> SFTPRequest {
        if type == .initialize {
            return .initialize(version: try body.sftpReadUInt32("version"), extensions: try body.sftpReadExtensionPairs())
        }
        guard Self.knownTypes.contains(type) else {
            let id = body.readInteger(endianness: .big, as: UInt32.self)
            body.moveReaderIndex(forwardBy: body.readableBytes)
            return .unknown(type: type, id: id)
        }
        let id = try body.sftpReadUInt32("request id")
        switch type {
        case .open:
            return .open(
                id: id,
                path: try body.sftpReadString("path"),
                flags: SFTPOpenFlags(rawValue: try body.sftpReadUInt32("pflags")),
                attributes: try .decode(from: &body)
            )
        case .close: return .close(id: id, handle: try body.sftpReadHandle())
        case .read:
            return .read(
                id: id,
                handle: try body.sftpReadHandle(),
                offset: try body.sftpReadUInt64("offset"),
                length: try body.sftpReadUInt32("length")
            )
        case .write:
            let handle = try body.sftpReadHandle()
            let offset = try body.sftpReadUInt64("offset")
            let length = try body.sftpSkipString("data")
            return .write(id: id, handle: handle, offset: offset, dataLength: UInt32(length))
        case .lstat: return .lstat(id: id, path: try body.sftpReadString("path"))
        case .fstat: return .fstat(id: id, handle: try body.sftpReadHandle())
        case .setstat: return .setstat(id: id, path: try body.sftpReadString("path"), attributes: try .decode(from: &body))
        case .fsetstat: return .fsetstat(id: id, handle: try body.sftpReadHandle(), attributes: try .decode(from: &body))
        case .opendir: return .opendir(id: id, path: try body.sftpReadString("path"))
        case .readdir: return .readdir(id: id, handle: try body.sftpReadHandle())
        case .remove: return .remove(id: id, path: try body.sftpReadString("filename"))
        case .mkdir: return .mkdir(id: id, path: try body.sftpReadString("path"), attributes: try .decode(from: &body))
        case .rmdir: return .rmdir(id: id, path: try body.sftpReadString("path"))
        case .realpath: return .realpath(id: id, path: try body.sftpReadString("path"))
        case .stat: return .stat(id: id, path: try body.sftpReadString("path"))
        case .rename: return .rename(id: id, from: try body.sftpReadString("old path"), to: try body.sftpReadString("new path"))
        case .readlink: return .readlink(id: id, path: try body.sftpReadString("path"))
        case .symlink:
            let target = try body.sftpReadString("target path")
            return .symlink(id: id, linkPath: try body.sftpReadString("link path"), targetPath: target)
        default:
            return .extended(id: id, try .decode(from: &body))
        }
    }

    private static let knownTypes: Set<SFTPPacketType> = [
        .open, .close, .read, .write, .lstat, .fstat, .setstat, .fsetstat, .opendir, .readdir,
        .remove, .mkdir, .rmdir, .realpath, .stat, .rename, .readlink, .symlink, .extended,
    ]
}
