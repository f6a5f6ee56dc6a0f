import NIOCore

/// A message a PostgreSQL client sends: decoded by the gateway from its clients and encoded
/// by the gateway towards upstream servers.
///
/// The startup-phase messages (``startup(_:)``, ``sslRequest``, ``gssEncRequest`` and
/// ``cancelRequest(_:)``) have no type byte; ``PostgresFrontendMessageDecoder`` tells them
/// apart by their request code. All others start with a type byte (see ``ID``).
///
/// Message formats: <https://www.postgresql.org/docs/current/protocol-message-formats.html>
public enum PostgresFrontendMessage: Hashable, Sendable {
    // MARK: Startup phase (no type byte)

    /// `StartupMessage`: protocol version and connection parameters (`user`, `database`, ...).
    case startup(Startup)
    /// `SSLRequest` (request code 80877103): the client asks to switch to TLS.
    case sslRequest
    /// `GSSENCRequest` (request code 80877104): the client asks for GSSAPI encryption.
    case gssEncRequest
    /// `CancelRequest` (request code 80877102), sent on a fresh connection.
    case cancelRequest(CancelRequest)

    // MARK: Typed messages

    /// `B`
    case bind(Bind)
    /// `C`
    case close(Target)
    /// `d`: a chunk of COPY data; the payload is a slice of the received buffer.
    case copyData(ByteBuffer)
    /// `c`
    case copyDone
    /// `f`: the COPY failed on the client side, with an error message.
    case copyFail(String)
    /// `D`
    case describe(Target)
    /// `E`
    case execute(Execute)
    /// `H`
    case flush
    /// `F`
    case functionCall(FunctionCall)
    /// `P`
    case parse(Parse)
    /// `p`: PasswordMessage, SASLInitialResponse, SASLResponse or GSSResponse. Which one it
    /// is depends on the authentication request the server sent, so the bytes are kept raw;
    /// see ``PasswordMessage`` for typed views.
    case password(PasswordMessage)
    /// `Q`: a simple query, possibly several statements.
    case query(String)
    /// `S`
    case sync
    /// `X`
    case terminate
}

extension PostgresFrontendMessage {
    /// The type byte of a typed frontend message.
    public enum ID: UInt8, Hashable, Sendable, CaseIterable {
        case bind = 0x42  // B
        case close = 0x43  // C
        case copyData = 0x64  // d
        case copyDone = 0x63  // c
        case copyFail = 0x66  // f
        case describe = 0x44  // D
        case execute = 0x45  // E
        case flush = 0x48  // H
        case functionCall = 0x46  // F
        case parse = 0x50  // P
        case password = 0x70  // p
        case query = 0x51  // Q
        case sync = 0x53  // S
        case terminate = 0x58  // X
    }

    /// The request codes that take the place of a protocol version in startup-phase packets.
    public enum RequestCode {
        public static let cancel: UInt32 = 80_877_102  // 1234 << 16 | 5678
        public static let ssl: UInt32 = 80_877_103  // 1234 << 16 | 5679
        public static let gssEnc: UInt32 = 80_877_104  // 1234 << 16 | 5680
    }

    /// The type byte, or `nil` for startup-phase messages.
    public var id: ID? {
        switch self {
        case .startup, .sslRequest, .gssEncRequest, .cancelRequest: nil
        case .bind: .bind
        case .close: .close
        case .copyData: .copyData
        case .copyDone: .copyDone
        case .copyFail: .copyFail
        case .describe: .describe
        case .execute: .execute
        case .flush: .flush
        case .functionCall: .functionCall
        case .parse: .parse
        case .password: .password
        case .query: .query
        case .sync: .sync
        case .terminate: .terminate
        }
    }

    /// The object a `Describe` or `Close` message names: a prepared statement (`S`) or a
    /// portal (`P`). An empty name is the unnamed statement or portal.
    public enum Target: Hashable, Sendable {
        case statement(String)
        case portal(String)

        public var name: String {
            switch self {
            case .statement(let name), .portal(let name): name
            }
        }

        static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let kind = try buffer.pgReadUInt8("target kind")
            let name = try buffer.pgReadCString("target name")
            switch kind {
            case UInt8(ascii: "S"): return .statement(name)
            case UInt8(ascii: "P"): return .portal(name)
            default:
                throw .invalidValue(
                    "target kind is \(PostgresWireError.describeType(kind)); expected 'S' (statement) or 'P' (portal)"
                )
            }
        }

        func writePayload(into buffer: inout ByteBuffer) {
            switch self {
            case .statement(let name):
                buffer.writeInteger(UInt8(ascii: "S"))
                buffer.pgWriteCString(name)
            case .portal(let name):
                buffer.writeInteger(UInt8(ascii: "P"))
                buffer.pgWriteCString(name)
            }
        }
    }
}
