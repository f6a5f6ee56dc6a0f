/// A file operation the ``SFTPOperationTracker`` has seen through to its end: what was done,
/// to which path, and how it ended. One becomes one audit event.
public struct SFTPOperation: Hashable, Sendable {
    /// What the client did.
    public enum Action: Hashable, Sendable {
        /// A file was opened (OPEN answered with a handle, or refused).
        case open(path: String, flags: SFTPOpenFlags)
        /// An open file was closed. `bytesRead` sums the DATA the server returned for it;
        /// `bytesWritten` sums the WRITEs the server acknowledged with `SSH_FX_OK`.
        case close(path: String, flags: SFTPOpenFlags, bytesRead: UInt64, bytesWritten: UInt64)
        /// A directory was listed: OPENDIR, READDIRs returning `entries` names in all, CLOSE.
        /// A refused OPENDIR ends here too, with no entries.
        case listDirectory(path: String, entries: Int)
        /// REMOVE
        case remove(path: String)
        /// RENAME, or `posix-rename@openssh.com` (which replaces an existing `to`).
        case rename(from: String, to: String)
        /// MKDIR, with the attributes the client asked for (usually the mode).
        case mkdir(path: String, attributes: SFTPAttributes)
        /// RMDIR
        case rmdir(path: String)
        /// SETSTAT, FSETSTAT (on an open handle's path) or `lsetstat@openssh.com`: the
        /// attributes hold exactly what the client asked to change.
        case setstat(path: String, attributes: SFTPAttributes)
        /// SYMLINK: `linkPath` now points at `targetPath`.
        case symlink(linkPath: String, targetPath: String)
        /// `hardlink@openssh.com`: `to` is a new name for the file `from`.
        case hardlink(from: String, to: String)
    }

    /// How the operation ended.
    public enum Outcome: Hashable, Sendable {
        /// The server reported success.
        case succeeded
        /// The server refused or failed it; the status carries its code and message.
        case failed(SFTPStatus)
        /// The server answered with a packet of the wrong type (for example DATA to an
        /// OPEN); whether the operation happened is unknown.
        case unexpectedReply(SFTPPacketType)
        /// The channel ended before the server answered, or before the client closed the
        /// handle; whether the operation happened (or how many bytes moved after the last
        /// acknowledged one) is unknown.
        case interrupted
    }

    /// The id of the request whose reply completed the operation, or `nil` for a handle the
    /// client never closed.
    public var requestID: UInt32?
    public var action: Action
    public var outcome: Outcome

    public init(requestID: UInt32?, action: Action, outcome: Outcome) {
        self.requestID = requestID
        self.action = action
        self.outcome = outcome
    }

    /// Whether the server reported success.
    public var succeeded: Bool { self.outcome == .succeeded }
}

extension SFTPOperation.Outcome {
    /// `.succeeded` for `SSH_FX_OK`, `.failed(status)` otherwise.
    init(_ status: SFTPStatus) {
        self = status.code == .ok ? .succeeded : .failed(status)
    }
}
