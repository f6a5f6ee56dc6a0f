import NIOCore
import ProtocolParsers

/// Small helpers for writing gateway-made backend messages.
enum PostgresWire {
    static func encode(_ messages: PostgresBackendMessage...) -> ByteBuffer {
        var buffer = ByteBuffer()
        for message in messages { message.encode(into: &buffer) }
        return buffer
    }

    static func error(_ severity: String, _ sqlState: String, _ message: String, hint: String? = nil) -> ByteBuffer {
        encode(.error(severity: severity, sqlstate: sqlState, message: message, hint: hint))
    }

    /// A client-facing fatal error, as the server would send before closing.
    static func fatal(_ sqlState: String, _ message: String, hint: String? = nil) -> ByteBuffer {
        error("FATAL", sqlState, message, hint: hint)
    }
}
