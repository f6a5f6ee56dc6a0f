/// A packet an SFTP server sends (protocol version 3), as the gateway decodes it from the
/// server's side of an `sftp` subsystem channel.
///
/// Every reply but ``version(version:extensions:)`` repeats the id of the request it
/// answers. File data is never kept: DATA keeps only its length.
public enum SFTPResponse: Hashable, Sendable {
    /// `SSH_FXP_VERSION`: the version the server chose and its extensions.
    case version(version: UInt32, extensions: [SFTPExtensionPair])
    /// `SSH_FXP_STATUS`: success or failure of a request that returns no data, or failure
    /// (including EOF) of one that does.
    case status(id: UInt32, SFTPStatus)
    /// `SSH_FXP_HANDLE`: the answer to a successful OPEN or OPENDIR.
    case handle(id: UInt32, SFTPHandle)
    /// `SSH_FXP_DATA`: `dataLength` bytes read (the data itself is skipped).
    case data(id: UInt32, dataLength: UInt32)
    /// `SSH_FXP_NAME`: directory entries, or the one name REALPATH and READLINK return.
    case name(id: UInt32, [SFTPName])
    /// `SSH_FXP_ATTRS`: the answer to STAT, LSTAT and FSTAT.
    case attributes(id: UInt32, SFTPAttributes)
    /// `SSH_FXP_EXTENDED_REPLY`: the number of bytes of reply data after the id.
    case extendedReply(id: UInt32, dataLength: Int)
    /// A type version 3 does not define. `id` is the first four bytes of the body when it
    /// has them.
    case unknown(type: SFTPPacketType, id: UInt32?)

    /// The id of the request this answers, or `nil` for VERSION (and for an unknown type
    /// without one).
    public var id: UInt32? {
        switch self {
        case .version: nil
        case .status(let id, _), .handle(let id, _), .data(let id, _), .name(let id, _),
            .attributes(let id, _), .extendedReply(let id, _):
            id
        case .unknown(_, let id): id
        }
    }

    /// The packet type the reply came in.
    public var packetType: SFTPPacketType {
        switch self {
        case .version: .version
        case .status: .status
        case .handle: .handle
        case .data: .data
        case .name: .name
        case .attributes: .attributes
        case .extendedReply: .extendedReply
        case .unknown(let type, _): type
        }
    }
}
