/// The type byte that follows an SFTP packet's length.
///
/// Any byte is representable, so a type these decoders do not know (a later protocol
/// version's, or a vendor's) survives as a value rather than an error. Numbers are those of
/// draft-ietf-secsh-filexfer-02 (protocol version 3).
public struct SFTPPacketType: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    // Client to server.
    public static let initialize = SFTPPacketType(rawValue: 1)
    public static let open = SFTPPacketType(rawValue: 3)
    public static let close = SFTPPacketType(rawValue: 4)
    public static let read = SFTPPacketType(rawValue: 5)
    public static let write = SFTPPacketType(rawValue: 6)
    public static let lstat = SFTPPacketType(rawValue: 7)
    public static let fstat = SFTPPacketType(rawValue: 8)
    public static let setstat = SFTPPacketType(rawValue: 9)
    public static let fsetstat = SFTPPacketType(rawValue: 10)
    public static let opendir = SFTPPacketType(rawValue: 11)
    public static let readdir = SFTPPacketType(rawValue: 12)
    public static let remove = SFTPPacketType(rawValue: 13)
    public static let mkdir = SFTPPacketType(rawValue: 14)
    public static let rmdir = SFTPPacketType(rawValue: 15)
    public static let realpath = SFTPPacketType(rawValue: 16)
    public static let stat = SFTPPacketType(rawValue: 17)
    public static let rename = SFTPPacketType(rawValue: 18)
    public static let readlink = SFTPPacketType(rawValue: 19)
    public static let symlink = SFTPPacketType(rawValue: 20)
    public static let extended = SFTPPacketType(rawValue: 200)

    // Server to client.
    public static let version = SFTPPacketType(rawValue: 2)
    public static let status = SFTPPacketType(rawValue: 101)
    public static let handle = SFTPPacketType(rawValue: 102)
    public static let data = SFTPPacketType(rawValue: 103)
    public static let name = SFTPPacketType(rawValue: 104)
    public static let attributes = SFTPPacketType(rawValue: 105)
    public static let extendedReply = SFTPPacketType(rawValue: 201)
}

extension SFTPPacketType: CustomStringConvertible {
    /// The spec's name and number, for example `SSH_FXP_OPEN (3)`, or `type 42`.
    public var description: String {
        guard let name = Self.names[self.rawValue] else { return "type \(self.rawValue)" }
        return "SSH_FXP_\(name) (\(self.rawValue))"
    }

    private static let names: [UInt8: String] = [
        1: "INIT", 2: "VERSION", 3: "OPEN", 4: "CLOSE", 5: "READ", 6: "WRITE", 7: "LSTAT",
        8: "FSTAT", 9: "SETSTAT", 10: "FSETSTAT", 11: "OPENDIR", 12: "READDIR", 13: "REMOVE",
        14: "MKDIR", 15: "RMDIR", 16: "REALPATH", 17: "STAT", 18: "RENAME", 19: "READLINK",
        20: "SYMLINK", 101: "STATUS", 102: "HANDLE", 103: "DATA", 104: "NAME", 105: "ATTRS",
        200: "EXTENDED", 201: "EXTENDED_REPLY",
    ]
}
