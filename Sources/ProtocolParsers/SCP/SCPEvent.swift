/// What an `scp` transfer did, as the ``SCPTransferDecoder`` reads it from the channel.
public enum SCPEvent: Hashable, Sendable {
    /// A `C` record: the sending side announced a file. Emitted before the receiving side
    /// accepts it, so the audit sees the intent before any data moves.
    case fileStarted(SCPFile)
    /// The file's transfer ended: `bytes` of data passed (all of ``SCPFile/size`` unless
    /// interrupted or refused before any data).
    case fileFinished(SCPFile, bytes: UInt64, outcome: Outcome)
    /// A `D` record the receiving side accepted: later files are inside `path` (relative
    /// to the command's target) until the matching ``directoryLeft(path:)``.
    case directoryEntered(path: String, mode: UInt32)
    /// An `E` record: the sending side finished the directory.
    case directoryLeft(path: String)
    /// An error message (`\1`, or `\2` when fatal) that does not belong to a file's
    /// outcome: a refused directory, a source file that could not be read, a bad target.
    /// After a fatal one the transfer is over.
    case errorReported(by: SCPPeer, message: String, isFatal: Bool)

    /// How a file's transfer ended.
    public enum Outcome: Hashable, Sendable {
        /// Both sides reported success.
        case succeeded
        /// A side reported an error, with its message (for example the server's
        /// `scp: /etc/passwd: Permission denied`).
        case failed(by: SCPPeer, message: String)
        /// The channel ended before both sides had reported.
        case interrupted
    }
}
