import NIOCore

/// One entry of `SSH_FXP_NAME`: a directory entry (READDIR), a resolved path (REALPATH)
/// or a link target (READLINK).
public struct SFTPName: Hashable, Sendable {
    public var filename: String
    /// The `ls -l`-style line version 3 servers add; clients only display it.
    public var longname: String
    public var attributes: SFTPAttributes

    public init(filename: String, longname: String, attributes: SFTPAttributes) {
        self.filename = filename
        self.longname = longname
        self.attributes = attributes
    }

    /// The least an entry can take on the wire: two empty strings and attribute flags.
    static let minimumEncodedSize = 12

    static func decode(from buffer: inout ByteBuffer) throws(SFTPError) -> SFTPName {
        SFTPName(
            filename: try buffer.sftpReadString("filename"),
            longname: try buffer.sftpReadString("longname"),
            attributes: try .decode(from: &buffer)
        )
    }
}
