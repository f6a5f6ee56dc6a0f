import NIOCore

/// File attributes as protocol version 3 carries them (`ATTRS`): in OPEN, MKDIR, SETSTAT
/// and FSETSTAT requests they are the changes the client asks for; in ATTRS and NAME
/// replies they describe a file. A field is `nil` when its flag was not set.
public struct SFTPAttributes: Hashable, Sendable {
    /// `SSH_FILEXFER_ATTR_SIZE`: the size in bytes (a SETSTAT with a size truncates or
    /// extends the file).
    public var size: UInt64?
    /// `SSH_FILEXFER_ATTR_UIDGID`: owner; always set together with ``groupID``.
    public var userID: UInt32?
    /// `SSH_FILEXFER_ATTR_UIDGID`: group; always set together with ``userID``.
    public var groupID: UInt32?
    /// `SSH_FILEXFER_ATTR_PERMISSIONS`: POSIX mode bits (in replies, with the file type).
    public var permissions: UInt32?
    /// `SSH_FILEXFER_ATTR_ACMODTIME`: access time, seconds since 1970; always set together
    /// with ``modificationTime``.
    public var accessTime: UInt32?
    /// `SSH_FILEXFER_ATTR_ACMODTIME`: modification time, seconds since 1970.
    public var modificationTime: UInt32?
    /// `SSH_FILEXFER_ATTR_EXTENDED`: vendor attributes (data decoded as text).
    public var extended: [SFTPExtensionPair]

    public init(
        size: UInt64? = nil,
        userID: UInt32? = nil,
        groupID: UInt32? = nil,
        permissions: UInt32? = nil,
        accessTime: UInt32? = nil,
        modificationTime: UInt32? = nil,
        extended: [SFTPExtensionPair] = []
    ) {
        self.size = size
        self.userID = userID
        self.groupID = groupID
        self.permissions = permissions
        self.accessTime = accessTime
        self.modificationTime = modificationTime
        self.extended = extended
    }

    /// Whether no field is set (an OPEN or MKDIR that leaves everything to the server).
    public var isEmpty: Bool {
        self == SFTPAttributes()
    }

    enum Flag {
        static let size: UInt32 = 0x0000_0001
        static let userGroup: UInt32 = 0x0000_0002
        static let permissions: UInt32 = 0x0000_0004
        static let accessModificationTime: UInt32 = 0x0000_0008
        static let extended: UInt32 = 0x8000_0000
    }

    /// Decodes `uint32 flags` and the fields the flags announce. Flag bits version 3 does
    /// not define carry no fields and are ignored, as OpenSSH does.
    static func decode(from buffer: inout ByteBuffer) throws(SFTPError) -> SFTPAttributes {
        let flags = try buffer.sftpReadUInt32("attribute flags")
        var attributes = SFTPAttributes()
        if flags & Flag.size != 0 {
            attributes.size = try buffer.sftpReadUInt64("attribute size")
        }
        if flags & Flag.userGroup != 0 {
            attributes.userID = try buffer.sftpReadUInt32("attribute uid")
            attributes.groupID = try buffer.sftpReadUInt32("attribute gid")
        }
        if flags & Flag.permissions != 0 {
            attributes.permissions = try buffer.sftpReadUInt32("attribute permissions")
        }
        if flags & Flag.accessModificationTime != 0 {
            attributes.accessTime = try buffer.sftpReadUInt32("attribute atime")
            attributes.modificationTime = try buffer.sftpReadUInt32("attribute mtime")
        }
        if flags & Flag.extended != 0 {
            let count = try buffer.sftpReadUInt32("extended attribute count")
            try buffer.sftpCheckCount(count, minimumSize: 8, "extended attribute")
            attributes.extended.reserveCapacity(Int(count))
            for _ in 0..<count {
                let name = try buffer.sftpReadString("extended attribute name")
                let data = try buffer.sftpReadString("extended attribute data")
                attributes.extended.append(SFTPExtensionPair(name: name, data: data))
            }
        }
        return attributes
    }
}

extension SFTPAttributes: CustomStringConvertible {
    /// The fields that are set, for an audit line: `size=0 uid=1000 gid=1000 mode=0644
    /// atime=1700000000 mtime=1700000000`; `none` when nothing is set.
    public var description: String {
        var parts: [String] = []
        if let size { parts.append("size=\(size)") }
        if let userID { parts.append("uid=\(userID)") }
        if let groupID { parts.append("gid=\(groupID)") }
        if let permissions { parts.append("mode=0" + String(permissions, radix: 8)) }
        if let accessTime { parts.append("atime=\(accessTime)") }
        if let modificationTime { parts.append("mtime=\(modificationTime)") }
        for pair in self.extended { parts.append("ext:\(pair.name)") }
        return parts.isEmpty ? "none" : parts.joined(separator: " ")
    }
}
