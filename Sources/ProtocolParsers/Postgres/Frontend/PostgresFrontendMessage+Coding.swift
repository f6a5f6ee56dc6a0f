import NIOCore

extension PostgresFrontendMessage {
    /// Decodes the payload of a typed message (what follows its type byte and length).
    /// The payload must be consumed exactly; leftovers are ``PostgresWireError/Code/trailingBytes``.
    public static func decode(id: ID, from payload: inout ByteBuffer) throws(PostgresWireError) -> Self {
        do throws(PostgresWireError) {
            let message: Self
            switch id {
            case .bind: message = .bind(try .decode(from: &payload))
            case .close: message = .close(try .decode(from: &payload))
            case .copyData: message = .copyData(payload.readSlice(length: payload.readableBytes)!)
            case .copyDone: message = .copyDone
            case .copyFail: message = .copyFail(try payload.pgReadCString("error message"))
            case .describe: message = .describe(try .decode(from: &payload))
            case .execute: message = .execute(try .decode(from: &payload))
            case .flush: message = .flush
            case .functionCall: message = .functionCall(try .decode(from: &payload))
            case .parse: message = .parse(try .decode(from: &payload))
            case .password: message = .password(try .decode(from: &payload))
            case .query: message = .query(try payload.pgReadCString("query"))
            case .sync: message = .sync
            case .terminate: message = .terminate
            }
            try payload.pgExpectFullyConsumed()
            return message
        } catch {
            throw error.with(messageType: id.rawValue)
        }
    }

    /// Decodes a startup-phase packet (what follows its length field: the request code or
    /// protocol version, then the body). The payload must be consumed exactly.
    public static func decodeStartupPacket(
        from payload: inout ByteBuffer,
        maximumParameterCount: Int = Startup.defaultMaximumParameterCount
    ) throws(PostgresWireError) -> Self {
        guard let code = payload.getInteger(at: payload.readerIndex, endianness: .big, as: UInt32.self) else {
            throw .truncated("request code", needed: 4, available: payload.readableBytes)
        }
        let message: Self
        switch code {
        case RequestCode.ssl, RequestCode.gssEnc:
            payload.moveReaderIndex(forwardBy: 4)
            message = code == RequestCode.ssl ? .sslRequest : .gssEncRequest
        case RequestCode.cancel:
            message = .cancelRequest(try .decode(from: &payload))
        default:
            if code >> 16 == 1234 {
                throw PostgresWireError(
                    code: .unknownMessageType,
                    detail: "unknown startup request code 1234.\(code & 0xFFFF)"
                )
            }
            message = .startup(try .decode(from: &payload, maximumParameterCount: maximumParameterCount))
        }
        try payload.pgExpectFullyConsumed()
        return message
    }

    /// Appends the complete frame (type byte, length, payload; or length and payload for
    /// startup-phase messages) to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .startup(let startup):
            buffer.pgWriteFrame(type: nil) { startup.writePayload(into: &$0) }
        case .sslRequest:
            buffer.writeMultipleIntegers(UInt32(8), RequestCode.ssl, endianness: .big)
        case .gssEncRequest:
            buffer.writeMultipleIntegers(UInt32(8), RequestCode.gssEnc, endianness: .big)
        case .cancelRequest(let cancel):
            buffer.pgWriteFrame(type: nil) { cancel.writePayload(into: &$0) }
        case .bind(let bind):
            buffer.pgWriteFrame(type: ID.bind.rawValue) { bind.writePayload(into: &$0) }
        case .close(let target):
            buffer.pgWriteFrame(type: ID.close.rawValue) { target.writePayload(into: &$0) }
        case .copyData(let data):
            buffer.writeInteger(ID.copyData.rawValue)
            buffer.writeInteger(UInt32(truncatingIfNeeded: data.readableBytes &+ 4), endianness: .big)
            buffer.writeImmutableBuffer(data)
        case .copyDone:
            buffer.pgWriteEmptyFrame(type: ID.copyDone.rawValue)
        case .copyFail(let message):
            buffer.pgWriteFrame(type: ID.copyFail.rawValue) { $0.pgWriteCString(message) }
        case .describe(let target):
            buffer.pgWriteFrame(type: ID.describe.rawValue) { target.writePayload(into: &$0) }
        case .execute(let execute):
            buffer.pgWriteFrame(type: ID.execute.rawValue) { execute.writePayload(into: &$0) }
        case .flush:
            buffer.pgWriteEmptyFrame(type: ID.flush.rawValue)
        case .functionCall(let call):
            buffer.pgWriteFrame(type: ID.functionCall.rawValue) { call.writePayload(into: &$0) }
        case .parse(let parse):
            buffer.pgWriteFrame(type: ID.parse.rawValue) { parse.writePayload(into: &$0) }
        case .password(let password):
            buffer.pgWriteFrame(type: ID.password.rawValue) { password.writePayload(into: &$0) }
        case .query(let query):
            buffer.pgWriteFrame(type: ID.query.rawValue) { $0.pgWriteCString(query) }
        case .sync:
            buffer.pgWriteEmptyFrame(type: ID.sync.rawValue)
        case .terminate:
            buffer.pgWriteEmptyFrame(type: ID.terminate.rawValue)
        }
    }
}
