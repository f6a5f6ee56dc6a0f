/// A packet an SFTP client sends (protocol version 3, draft-ietf-secsh-filexfer-02), as the
/// gateway decodes it from the client's side of an `sftp` subsystem channel.
///
/// Every request but ``initialize(version:extensions:)`` carries an `id` the server's reply
/// repeats. File data is never kept: a WRITE keeps only its length.
public enum SFTPRequest: Hashable, Sendable {
    /// `SSH_FXP_INIT`: the client's highest version (OpenSSH sends 3) and its extensions.
    case initialize(version: UInt32, extensions: [SFTPExtensionPair])
    /// `SSH_FXP_OPEN`
    case open(id: UInt32, path: String, flags: SFTPOpenFlags, attributes: SFTPAttributes)
    /// `SSH_FXP_CLOSE`: closes a file or directory handle.
    case close(id: UInt32, handle: SFTPHandle)
    /// `SSH_FXP_READ`: asks for up to `length` bytes at `offset`.
    case read(id: UInt32, handle: SFTPHandle, offset: UInt64, length: UInt32)
    /// `SSH_FXP_WRITE`: `dataLength` bytes at `offset` (the data itself is skipped).
    case write(id: UInt32, handle: SFTPHandle, offset: UInt64, dataLength: UInt32)
    /// `SSH_FXP_LSTAT`: attributes, not following a final symbolic link.
    case lstat(id: UInt32, path: String)
    /// `SSH_FXP_FSTAT`
    case fstat(id: UInt32, handle: SFTPHandle)
    /// `SSH_FXP_SETSTAT`: change attributes (chmod, chown, truncate, touch).
    case setstat(id: UInt32, path: String, attributes: SFTPAttributes)
    /// `SSH_FXP_FSETSTAT`: SETSTAT on an open handle.
    case fsetstat(id: UInt32, handle: SFTPHandle, attributes: SFTPAttributes)
    /// `SSH_FXP_OPENDIR`
    case opendir(id: UInt32, path: String)
    /// `SSH_FXP_READDIR`
    case readdir(id: UInt32, handle: SFTPHandle)
    /// `SSH_FXP_REMOVE`: delete a file.
    case remove(id: UInt32, path: String)
    /// `SSH_FXP_MKDIR`
    case mkdir(id: UInt32, path: String, attributes: SFTPAttributes)
    /// `SSH_FXP_RMDIR`
    case rmdir(id: UInt32, path: String)
    /// `SSH_FXP_REALPATH`: canonicalise a path (clients send `.` at start-up).
    case realpath(id: UInt32, path: String)
    /// `SSH_FXP_STAT`
    case stat(id: UInt32, path: String)
    /// `SSH_FXP_RENAME`: fails when `to` exists (see ``SFTPExtendedRequest/posixRename(from:to:)``).
    case rename(id: UInt32, from: String, to: String)
    /// `SSH_FXP_READLINK`
    case readlink(id: UInt32, path: String)
    /// `SSH_FXP_SYMLINK`: create `linkPath` pointing at `targetPath`.
    ///
    /// The draft orders the fields `linkpath, targetpath`, but OpenSSH (client and server)
    /// has always sent and read them the other way round, and every widely deployed server
    /// follows OpenSSH; this decoder reads the OpenSSH order: target first, then link.
    case symlink(id: UInt32, linkPath: String, targetPath: String)
    /// `SSH_FXP_EXTENDED`
    case extended(id: UInt32, SFTPExtendedRequest)
    /// A type version 3 does not define. `id` is the first four bytes of the body when it
    /// has them (every request after INIT starts with its id), so the reply can still be
    /// matched.
    case unknown(type: SFTPPacketType, id: UInt32?)

    /// The request id, or `nil` for INIT (and for an unknown type without one).
    public var id: UInt32? {
        switch self {
        case .initialize: nil
        case .open(let id, _, _, _), .close(let id, _), .read(let id, _, _, _), .write(let id, _, _, _),
            .lstat(let id, _), .fstat(let id, _), .setstat(let id, _, _), .fsetstat(let id, _, _),
            .opendir(let id, _), .readdir(let id, _), .remove(let id, _), .mkdir(let id, _, _),
            .rmdir(let id, _), .realpath(let id, _), .stat(let id, _), .rename(let id, _, _),
            .readlink(let id, _), .symlink(let id, _, _), .extended(let id, _):
            id
        case .unknown(_, let id): id
        }
    }

    /// The packet type the request came in.
    public var packetType: SFTPPacketType {
        switch self {
        case .initialize: .initialize
        case .open: .open
        case .close: .close
        case .read: .read
        case .write: .write
        case .lstat: .lstat
        case .fstat: .fstat
        case .setstat: .setstat
        case .fsetstat: .fsetstat
        case .opendir: .opendir
        case .readdir: .readdir
        case .remove: .remove
        case .mkdir: .mkdir
        case .rmdir: .rmdir
        case .realpath: .realpath
        case .stat: .stat
        case .rename: .rename
        case .readlink: .readlink
        case .symlink: .symlink
        case .extended: .extended
        case .unknown(let type, _): type
        }
    }
}
