import NIOCore

extension PostgresBackendMessage {
    /// Decodes the payload of a typed message (what follows its type byte and length).
    /// The payload must be consumed exactly; leftovers are ``PostgresWireError/Code/trailingBytes``.
    public static func decode(id: ID, from payload: inout ByteBuffer) throws(PostgresWireError) -> Self {
        do throws(PostgresWireError) {
            let message: Self
            switch id {
            case .authentication: message = .authentication(try .decode(from: &payload))
            case .backendKeyData: message = .backendKeyData(try .decode(from: &payload))
            case .bindComplete: message = .bindComplete
            case .closeComplete: message = .closeComplete
            case .commandComplete: message = .commandComplete(try payload.pgReadCString("command tag"))
            case .copyData: message = .copyData(payload.readSlice(length: payload.readableBytes)!)
            case .copyDone: message = .copyDone
            case .copyInResponse: message = .copyInResponse(try .decode(from: &payload))
            case .copyOutResponse: message = .copyOutResponse(try .decode(from: &payload))
            case .copyBothResponse: message = .copyBothResponse(try .decode(from: &payload))
            case .dataRow: message = .dataRow(try .decode(from: &payload))
            case .emptyQueryResponse: message = .emptyQueryResponse
            case .errorResponse: message = .errorResponse(try .decode(from: &payload))
            case .functionCallResponse: message = .functionCallResponse(try payload.pgReadNullableValue("result value"))
            case .negotiateProtocolVersion: message = .negotiateProtocolVersion(try .decode(from: &payload))
            case .noData: message = .noData
            case .noticeResponse: message = .noticeResponse(try .decode(from: &payload))
            case .notificationResponse: message = .notificationResponse(try .decode(from: &payload))
            case .parameterDescription:
                let count = try payload.pgReadCount("parameter count")
                try payload.pgCheckRemaining(count: count, elementSize: 4, "parameter types")
                var types: [UInt32] = []
                types.reserveCapacity(count)
                for _ in 0..<count {
                    types.append(payload.readInteger(endianness: .big, as: UInt32.self)!)
                }
                message = .parameterDescription(types)
            case .parameterStatus: message = .parameterStatus(try .decode(from: &payload))
            case .parseComplete: message = .parseComplete
            case .portalSuspended: message = .portalSuspended
            case .readyForQuery:
                let status = try payload.pgReadUInt8("transaction status")
                guard let transactionStatus = PostgresTransactionStatus(rawValue: status) else {
                    throw .invalidValue(
                        "transaction status is \(PostgresWireError.describeType(status)); expected 'I', 'T' or 'E'"
                    )
                }
                message = .readyForQuery(transactionStatus)
            case .rowDescription: message = .rowDescription(try .decode(from: &payload))
            }
            try payload.pgExpectFullyConsumed()
            return message
        } catch {
            throw error.with(messageType: id.rawValue)
        }
    }

    /// Appends the complete frame (type byte, length, payload; or the single byte of an
    /// encryption answer) to `buffer`.
    public func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .authentication(let authentication):
            buffer.pgWriteFrame(type: ID.authentication.rawValue) { authentication.writePayload(into: &$0) }
        case .backendKeyData(let keyData):
            buffer.pgWriteFrame(type: ID.backendKeyData.rawValue) { keyData.writePayload(into: &$0) }
        case .bindComplete:
            buffer.pgWriteEmptyFrame(type: ID.bindComplete.rawValue)
        case .closeComplete:
            buffer.pgWriteEmptyFrame(type: ID.closeComplete.rawValue)
        case .commandComplete(let tag):
            buffer.pgWriteFrame(type: ID.commandComplete.rawValue) { $0.pgWriteCString(tag) }
        case .copyData(let data):
            buffer.writeInteger(ID.copyData.rawValue)
            buffer.writeInteger(UInt32(truncatingIfNeeded: data.readableBytes &+ 4), endianness: .big)
            buffer.writeImmutableBuffer(data)
        case .copyDone:
            buffer.pgWriteEmptyFrame(type: ID.copyDone.rawValue)
        case .copyInResponse(let response):
            buffer.pgWriteFrame(type: ID.copyInResponse.rawValue) { response.writePayload(into: &$0) }
        case .copyOutResponse(let response):
            buffer.pgWriteFrame(type: ID.copyOutResponse.rawValue) { response.writePayload(into: &$0) }
        case .copyBothResponse(let response):
            buffer.pgWriteFrame(type: ID.copyBothResponse.rawValue) { response.writePayload(into: &$0) }
        case .dataRow(let row):
            buffer.writeInteger(ID.dataRow.rawValue)
            buffer.writeMultipleIntegers(
                UInt32(truncatingIfNeeded: row.bytes.readableBytes &+ 6),
                UInt16(truncatingIfNeeded: row.columnCount),
                endianness: .big
            )
            buffer.writeImmutableBuffer(row.bytes)
        case .emptyQueryResponse:
            buffer.pgWriteEmptyFrame(type: ID.emptyQueryResponse.rawValue)
        case .errorResponse(let error):
            buffer.pgWriteFrame(type: ID.errorResponse.rawValue) { error.writePayload(into: &$0) }
        case .functionCallResponse(let value):
            buffer.pgWriteFrame(type: ID.functionCallResponse.rawValue) { $0.pgWriteNullableValue(value) }
        case .negotiateProtocolVersion(let negotiate):
            buffer.pgWriteFrame(type: ID.negotiateProtocolVersion.rawValue) { negotiate.writePayload(into: &$0) }
        case .noData:
            buffer.pgWriteEmptyFrame(type: ID.noData.rawValue)
        case .noticeResponse(let notice):
            buffer.pgWriteFrame(type: ID.noticeResponse.rawValue) { notice.writePayload(into: &$0) }
        case .notificationResponse(let notification):
            buffer.pgWriteFrame(type: ID.notificationResponse.rawValue) { notification.writePayload(into: &$0) }
        case .parameterDescription(let types):
            buffer.pgWriteFrame(type: ID.parameterDescription.rawValue) {
                $0.pgWriteCount(types.count)
                for type in types { $0.writeInteger(type, endianness: .big) }
            }
        case .parameterStatus(let status):
            buffer.pgWriteFrame(type: ID.parameterStatus.rawValue) { status.writePayload(into: &$0) }
        case .parseComplete:
            buffer.pgWriteEmptyFrame(type: ID.parseComplete.rawValue)
        case .portalSuspended:
            buffer.pgWriteEmptyFrame(type: ID.portalSuspended.rawValue)
        case .readyForQuery(let status):
            buffer.writeMultipleIntegers(ID.readyForQuery.rawValue, UInt32(5), status.rawValue, endianness: .big)
        case .rowDescription(let description):
            buffer.pgWriteFrame(type: ID.rowDescription.rawValue) { description.writePayload(into: &$0) }
        case .sslResponse(let supported):
            buffer.writeInteger(supported ? UInt8(ascii: "S") : UInt8(ascii: "N"))
        case .gssEncResponse(let supported):
            buffer.writeInteger(supported ? UInt8(ascii: "G") : UInt8(ascii: "N"))
        }
    }
}
