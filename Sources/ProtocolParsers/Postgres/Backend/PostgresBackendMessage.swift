import NIOCore

/// A message a PostgreSQL server sends: decoded by the gateway from upstream servers and
/// encoded by the gateway towards its clients.
///
/// ``sslResponse(supported:)`` and ``gssEncResponse(supported:)`` are the single-byte answers
/// to `SSLRequest`/`GSSENCRequest`; they have no type byte or length.
///
/// Message formats: <https://www.postgresql.org/docs/current/protocol-message-formats.html>
public enum PostgresBackendMessage: Hashable, Sendable {
    /// `R`
    case authentication(Authentication)
    /// `K`
    case backendKeyData(BackendKeyData)
    /// `2`
    case bindComplete
    /// `3`
    case closeComplete
    /// `C`: the command tag, for example `SELECT 1` or `INSERT 0 5`.
    case commandComplete(String)
    /// `d`: a chunk of COPY data; the payload is a slice of the received buffer.
    case copyData(ByteBuffer)
    /// `c`
    case copyDone
    /// `G`
    case copyInResponse(CopyResponse)
    /// `H`
    case copyOutResponse(CopyResponse)
    /// `W`
    case copyBothResponse(CopyResponse)
    /// `D`
    case dataRow(DataRow)
    /// `I`
    case emptyQueryResponse
    /// `E`
    case errorResponse(ErrorResponse)
    /// `V`: the function's result; `nil` is SQL NULL.
    case functionCallResponse(ByteBuffer?)
    /// `v`
    case negotiateProtocolVersion(NegotiateProtocolVersion)
    /// `n`
    case noData
    /// `N`
    case noticeResponse(NoticeResponse)
    /// `A`
    case notificationResponse(NotificationResponse)
    /// `t`: the type OIDs of a prepared statement's parameters.
    case parameterDescription([UInt32])
    /// `S`
    case parameterStatus(ParameterStatus)
    /// `1`
    case parseComplete
    /// `s`
    case portalSuspended
    /// `Z`
    case readyForQuery(PostgresTransactionStatus)
    /// `T`
    case rowDescription(RowDescription)
    /// The one-byte answer to `SSLRequest`: `S` (go ahead with TLS) or `N`.
    case sslResponse(supported: Bool)
    /// The one-byte answer to `GSSENCRequest`: `G` (go ahead with GSSAPI) or `N`.
    case gssEncResponse(supported: Bool)
}

extension PostgresBackendMessage {
    /// The type byte of a typed backend message.
    public enum ID: UInt8, Hashable, Sendable, CaseIterable {
        case authentication = 0x52  // R
        case backendKeyData = 0x4B  // K
        case bindComplete = 0x32  // 2
        case closeComplete = 0x33  // 3
        case commandComplete = 0x43  // C
        case copyData = 0x64  // d
        case copyDone = 0x63  // c
        case copyInResponse = 0x47  // G
        case copyOutResponse = 0x48  // H
        case copyBothResponse = 0x57  // W
        case dataRow = 0x44  // D
        case emptyQueryResponse = 0x49  // I
        case errorResponse = 0x45  // E
        case functionCallResponse = 0x56  // V
        case negotiateProtocolVersion = 0x76  // v
        case noData = 0x6E  // n
        case noticeResponse = 0x4E  // N
        case notificationResponse = 0x41  // A
        case parameterDescription = 0x74  // t
        case parameterStatus = 0x53  // S
        case parseComplete = 0x31  // 1
        case portalSuspended = 0x73  // s
        case readyForQuery = 0x5A  // Z
        case rowDescription = 0x54  // T
    }

    /// The type byte, or `nil` for the one-byte encryption answers.
    public var id: ID? {
        switch self {
        case .authentication: .authentication
        case .backendKeyData: .backendKeyData
        case .bindComplete: .bindComplete
        case .closeComplete: .closeComplete
        case .commandComplete: .commandComplete
        case .copyData: .copyData
        case .copyDone: .copyDone
        case .copyInResponse: .copyInResponse
        case .copyOutResponse: .copyOutResponse
        case .copyBothResponse: .copyBothResponse
        case .dataRow: .dataRow
        case .emptyQueryResponse: .emptyQueryResponse
        case .errorResponse: .errorResponse
        case .functionCallResponse: .functionCallResponse
        case .negotiateProtocolVersion: .negotiateProtocolVersion
        case .noData: .noData
        case .noticeResponse: .noticeResponse
        case .notificationResponse: .notificationResponse
        case .parameterDescription: .parameterDescription
        case .parameterStatus: .parameterStatus
        case .parseComplete: .parseComplete
        case .portalSuspended: .portalSuspended
        case .readyForQuery: .readyForQuery
        case .rowDescription: .rowDescription
        case .sslResponse, .gssEncResponse: nil
        }
    }

    /// An `ErrorResponse` for the client, with `S` and `V` set to `severity`, `C` to
    /// `sqlstate` and `M` to `message` (plus `D` and `H` when given), as the server does:
    ///
    /// ```swift
    /// .error(severity: "FATAL", sqlstate: "08P01", message: "invalid startup packet")
    /// ```
    public static func error(
        severity: String,
        sqlstate: String,
        message: String,
        detail: String? = nil,
        hint: String? = nil
    ) -> Self {
        .errorResponse(ErrorResponse(severity: severity, sqlState: sqlstate, message: message, detail: detail, hint: hint))
    }

    /// A `NoticeResponse` for the client (severity `NOTICE`, `WARNING`, `INFO`, ...).
    public static func notice(
        severity: String,
        sqlstate: String,
        message: String,
        detail: String? = nil,
        hint: String? = nil
    ) -> Self {
        .noticeResponse(ErrorResponse(severity: severity, sqlState: sqlstate, message: message, detail: detail, hint: hint))
    }
}
