/// An `scp` (rcp protocol) stream the ``SCPTransferDecoder`` refused.
///
/// Every code means the gateway can no longer tell file data from control records (or a
/// peer broke the protocol's lockstep in a way that could hide a file from the audit): the
/// session handler records the error and closes the exec channel. The error never carries
/// file data, only a short description a person can act on.
public struct SCPError: Error, Hashable, Sendable {
    /// What went wrong, as a value to switch on or compare with.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case lineTooLong
            case unexpectedRecord
            case malformedRecord
            case invalidName
            case unbalancedDirectoryEnd
            case directoryTooDeep
            case unexpectedResponse
            case outOfTurn
        }

        fileprivate let base: Base

        private init(_ base: Base) { self.base = base }

        /// A control record or message ran past the line limit (4 KiB by default) without
        /// a newline.
        public static let lineTooLong = Code(.lineTooLong)
        /// A record starts with a byte other than `C`, `D`, `E`, `T`, `\1` or `\2`.
        public static let unexpectedRecord = Code(.unexpectedRecord)
        /// A `C`, `D`, `E` or `T` record does not have the protocol's shape (mode of four
        /// octal digits, decimal size, times, single spaces), or a byte after file data is
        /// neither `\0`, `\1` nor `\2`.
        public static let malformedRecord = Code(.malformedRecord)
        /// A file or directory name is empty, `.`, `..`, or holds `/` or NUL: names that
        /// would write outside the target (OpenSSH's `scp` refuses them too).
        public static let invalidName = Code(.invalidName)
        /// An `E` record with no directory open.
        public static let unbalancedDirectoryEnd = Code(.unbalancedDirectoryEnd)
        /// Directories nested deeper than the decoder's limit (256 by default).
        public static let directoryTooDeep = Code(.directoryTooDeep)
        /// The receiving side answered with a byte other than `\0`, `\1` or `\2`.
        public static let unexpectedResponse = Code(.unexpectedResponse)
        /// A side sent bytes when the protocol's lockstep gives the turn to the other side
        /// (for example file data before the receiver accepted the file). Following such a
        /// stream would mean guessing whether the bytes are data or records.
        public static let outOfTurn = Code(.outOfTurn)

        public var description: String {
            switch self.base {
            case .lineTooLong: "lineTooLong"
            case .unexpectedRecord: "unexpectedRecord"
            case .malformedRecord: "malformedRecord"
            case .invalidName: "invalidName"
            case .unbalancedDirectoryEnd: "unbalancedDirectoryEnd"
            case .directoryTooDeep: "directoryTooDeep"
            case .unexpectedResponse: "unexpectedResponse"
            case .outOfTurn: "outOfTurn"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The side whose bytes were refused.
    public var peer: SCPPeer
    /// A short explanation, free of file data.
    public var detail: String

    public init(code: Code, peer: SCPPeer, detail: String) {
        self.code = code
        self.peer = peer
        self.detail = detail
    }
}

extension SCPError: CustomStringConvertible {
    public var description: String {
        "scp stream from the \(self.peer) refused (\(self.code)): \(self.detail)"
    }
}
