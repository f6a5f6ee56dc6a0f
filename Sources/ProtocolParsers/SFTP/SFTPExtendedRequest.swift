import NIOCore

/// The body of `SSH_FXP_EXTENDED` after its request id: a named vendor request.
///
/// The OpenSSH extensions that change files are decoded; any other request keeps only its
/// name and the size of its data.
public enum SFTPExtendedRequest: Hashable, Sendable {
    /// `posix-rename@openssh.com`: rename that replaces an existing target (what OpenSSH's
    /// `sftp rename` uses when the server offers it).
    case posixRename(from: String, to: String)
    /// `hardlink@openssh.com`: make `to` a new hard link to the existing file `from`.
    case hardlink(from: String, to: String)
    /// `lsetstat@openssh.com`: SETSTAT that does not follow a final symbolic link.
    case lsetstat(path: String, attributes: SFTPAttributes)
    /// Any other extension (`statvfs@openssh.com`, `fsync@openssh.com`, `limits@openssh.com`,
    /// `copy-data`, ...): its name and the number of bytes of request data that followed.
    case other(name: String, dataLength: Int)

    /// The extension's name, as on the wire.
    public var name: String {
        switch self {
        case .posixRename: Self.posixRenameName
        case .hardlink: Self.hardlinkName
        case .lsetstat: Self.lsetstatName
        case .other(let name, _): name
        }
    }

    static let posixRenameName = "posix-rename@openssh.com"
    static let hardlinkName = "hardlink@openssh.com"
    static let lsetstatName = "lsetstat@openssh.com"

    /// Decodes `string extended-request` and the request's data, up to the end of the packet.
    static func decode(from buffer: inout ByteBuffer) throws(SFTPError) -> SFTPExtendedRequest {
        let name = try buffer.sftpReadString("extended request name")
        switch name {
        case Self.posixRenameName:
            return .posixRename(from: try buffer.sftpReadString("old path"), to: try buffer.sftpReadString("new path"))
        case Self.hardlinkName:
            return .hardlink(from: try buffer.sftpReadString("old path"), to: try buffer.sftpReadString("new path"))
        case Self.lsetstatName:
            return .lsetstat(path: try buffer.sftpReadString("path"), attributes: try .decode(from: &buffer))
        default:
            let length = buffer.readableBytes
            buffer.moveReaderIndex(forwardBy: length)
            return .other(name: name, dataLength: length)
        }
    }
}
