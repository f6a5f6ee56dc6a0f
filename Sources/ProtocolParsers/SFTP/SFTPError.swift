/// An SFTP packet the decoders refused, or a session the ``SFTPOperationTracker`` stopped
/// following.
///
/// The error names the packet type (when there is one), a ``Code`` to switch on, and a
/// short description a person can act on. It never carries file data or whole paths, so it
/// is safe to log.
///
/// Every code means the gateway can no longer follow the channel reliably: the session
/// handler records the error and closes the `sftp` channel (the client shows
/// "Connection closed"); the rest of the SSH connection can stay up.
public struct SFTPError: Error, Hashable, Sendable {
    /// What went wrong, as a value to switch on or compare with.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case packetTooLarge
            case invalidLength
            case truncated
            case trailingBytes
            case invalidValue
            case unsupportedVersion
            case duplicateRequestID
            case tooManyOutstandingRequests
            case tooManyOpenHandles
            case tooMuchRetainedState
        }

        fileprivate let base: Base

        private init(_ base: Base) { self.base = base }

        /// The declared packet length exceeds the decoder's limit (256 KiB by default, as in
        /// OpenSSH).
        public static let packetTooLarge = Code(.packetTooLarge)
        /// The declared packet length is impossible (zero: every packet has a type byte).
        public static let invalidLength = Code(.invalidLength)
        /// A field runs past the end of its packet, or the stream ended mid-packet.
        public static let truncated = Code(.truncated)
        /// Bytes follow the last field of a packet.
        public static let trailingBytes = Code(.trailingBytes)
        /// A field holds a value the protocol does not allow (a handle over 256 bytes, a
        /// count larger than the packet could hold, ...).
        public static let invalidValue = Code(.invalidValue)
        /// The server chose a protocol version other than 3, whose packets these decoders
        /// would misread.
        public static let unsupportedVersion = Code(.unsupportedVersion)
        /// The client reused the id of a request that has not been answered yet, which
        /// would make the replies ambiguous.
        public static let duplicateRequestID = Code(.duplicateRequestID)
        /// More requests are waiting for replies than the tracker's limit.
        public static let tooManyOutstandingRequests = Code(.tooManyOutstandingRequests)
        /// More files and directories are open (or being opened) than the tracker's limit.
        public static let tooManyOpenHandles = Code(.tooManyOpenHandles)
        /// The paths and handles the tracker holds for unanswered requests and open files
        /// exceed its byte budget.
        public static let tooMuchRetainedState = Code(.tooMuchRetainedState)

        public var description: String {
            switch self.base {
            case .packetTooLarge: "packetTooLarge"
            case .invalidLength: "invalidLength"
            case .truncated: "truncated"
            case .trailingBytes: "trailingBytes"
            case .invalidValue: "invalidValue"
            case .unsupportedVersion: "unsupportedVersion"
            case .duplicateRequestID: "duplicateRequestID"
            case .tooManyOutstandingRequests: "tooManyOutstandingRequests"
            case .tooManyOpenHandles: "tooManyOpenHandles"
            case .tooMuchRetainedState: "tooMuchRetainedState"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The packet's type, or `nil` when the packet is not known yet (a bad length) or the
    /// error concerns the session rather than one packet.
    public var packetType: SFTPPacketType?
    /// A short explanation, free of file data.
    public var detail: String

    public init(code: Code, packetType: SFTPPacketType? = nil, detail: String) {
        self.code = code
        self.packetType = packetType
        self.detail = detail
    }
}

extension SFTPError: CustomStringConvertible {
    public var description: String {
        if let packetType {
            return "invalid SFTP packet \(packetType) (\(self.code)): \(self.detail)"
        }
        return "SFTP stream refused (\(self.code)): \(self.detail)"
    }
}

// MARK: - Constructors used by the codecs

extension SFTPError {
    static func truncated(_ what: StaticString, needed: Int, available: Int) -> Self {
        SFTPError(code: .truncated, detail: "\(what) needs \(needed) bytes but the packet has only \(available) left")
    }

    static func invalidValue(_ detail: String) -> Self {
        SFTPError(code: .invalidValue, detail: detail)
    }

    func with(packetType: SFTPPacketType) -> Self {
        var copy = self
        if copy.packetType == nil { copy.packetType = packetType }
        return copy
    }
}
