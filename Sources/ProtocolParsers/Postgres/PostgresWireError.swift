import NIOCore

/// A PostgreSQL frame or payload that the codecs refused.
///
/// The error names the message type (when there is one), a ``Code`` to switch on, and a
/// short description a person can act on. It never carries payload bytes, so it is safe to
/// log even when the offending message was a password or a SASL exchange.
///
/// The session handler usually turns it into a `FATAL` ``PostgresBackendMessage/ErrorResponse``
/// with ``sqlState`` and closes the connection:
///
/// ```swift
/// catch let error as PostgresWireError {
///     PostgresBackendMessage.error(severity: "FATAL", sqlstate: error.sqlState,
///                                  message: error.description)
/// }
/// ```
public struct PostgresWireError: Error, Hashable, Sendable {
    /// What went wrong, as a value to switch on or compare with.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: Hashable, Sendable {
            case messageTooLarge
            case invalidLength
            case unknownMessageType
            case truncated
            case malformedString
            case tooManyParameters
            case unsupportedProtocolVersion
            case trailingBytes
            case invalidValue
            case parameterCountMismatch
            case unexpectedDataAfterEncryptionRequest
        }

        fileprivate let base: Base

        private init(_ base: Base) { self.base = base }

        /// The declared length exceeds the decoder's configured limit.
        public static let messageTooLarge = Code(.messageTooLarge)
        /// The declared length is impossible (for example smaller than the length field itself).
        public static let invalidLength = Code(.invalidLength)
        /// The type byte (or startup request code) names no known message.
        public static let unknownMessageType = Code(.unknownMessageType)
        /// The payload ended before a field it announced, or the stream ended mid-frame.
        public static let truncated = Code(.truncated)
        /// A string field has no NUL terminator inside the frame.
        public static let malformedString = Code(.malformedString)
        /// More parameters (startup parameters, SASL mechanisms, ...) than the limit allows.
        public static let tooManyParameters = Code(.tooManyParameters)
        /// A startup packet asks for a protocol major version other than 3.
        public static let unsupportedProtocolVersion = Code(.unsupportedProtocolVersion)
        /// The payload was not fully consumed by its decoder.
        public static let trailingBytes = Code(.trailingBytes)
        /// A field holds a value the protocol does not allow (a negative count, an unknown
        /// `Describe` target, a transaction status other than I/T/E, ...).
        public static let invalidValue = Code(.invalidValue)
        /// `Bind` or `FunctionCall` has a number of format codes that is neither 0, 1 nor the
        /// number of parameters.
        public static let parameterCountMismatch = Code(.parameterCountMismatch)
        /// Bytes followed an `SSLRequest`/`GSSENCRequest` (or the server's one-byte answer)
        /// before encryption was established: a plaintext injection attempt (CVE-2021-23214,
        /// CVE-2021-23222).
        public static let unexpectedDataAfterEncryptionRequest = Code(.unexpectedDataAfterEncryptionRequest)

        public var description: String {
            switch self.base {
            case .messageTooLarge: "messageTooLarge"
            case .invalidLength: "invalidLength"
            case .unknownMessageType: "unknownMessageType"
            case .truncated: "truncated"
            case .malformedString: "malformedString"
            case .tooManyParameters: "tooManyParameters"
            case .unsupportedProtocolVersion: "unsupportedProtocolVersion"
            case .trailingBytes: "trailingBytes"
            case .invalidValue: "invalidValue"
            case .parameterCountMismatch: "parameterCountMismatch"
            case .unexpectedDataAfterEncryptionRequest: "unexpectedDataAfterEncryptionRequest"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The message type byte (`Q`, `B`, `D`, ...), or `nil` for startup-phase packets and
    /// the one-byte encryption answers, which have no type byte.
    public var messageType: UInt8?
    /// A short explanation, free of payload bytes.
    public var detail: String

    public init(code: Code, messageType: UInt8? = nil, detail: String) {
        self.code = code
        self.messageType = messageType
        self.detail = detail
    }

    /// The SQLSTATE a server would report for this failure: `0A000` (feature_not_supported)
    /// for an unsupported protocol version, `08P01` (protocol_violation) otherwise.
    public var sqlState: String {
        self.code == .unsupportedProtocolVersion ? "0A000" : "08P01"
    }
}

extension PostgresWireError: CustomStringConvertible {
    public var description: String {
        if let messageType {
            return "invalid PostgreSQL message \(PostgresWireError.describeType(messageType)) (\(self.code)): \(self.detail)"
        }
        return "invalid PostgreSQL startup packet (\(self.code)): \(self.detail)"
    }

    /// `'Q'` for printable ASCII type bytes, `0x00` style otherwise.
    static func describeType(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte <= 0x7E {
            return "'" + String(UnicodeScalar(byte)) + "'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0" + hex : "0x" + hex
    }
}

// MARK: - Constructors used by the codecs

extension PostgresWireError {
    static func truncated(_ what: StaticString, needed: Int, available: Int) -> Self {
        PostgresWireError(
            code: .truncated,
            detail: "\(what) needs \(needed) more bytes but the message has only \(available) left"
        )
    }

    static func malformedString(_ what: StaticString) -> Self {
        PostgresWireError(code: .malformedString, detail: "\(what) is not NUL-terminated within the message")
    }

    static func invalidValue(_ detail: String) -> Self {
        PostgresWireError(code: .invalidValue, detail: detail)
    }

    static func trailingBytes(_ count: Int) -> Self {
        PostgresWireError(code: .trailingBytes, detail: "\(count) unexpected bytes after the last field of the message")
    }

    func with(messageType: UInt8?) -> Self {
        var copy = self
        if copy.messageType == nil { copy.messageType = messageType }
        return copy
    }
}
