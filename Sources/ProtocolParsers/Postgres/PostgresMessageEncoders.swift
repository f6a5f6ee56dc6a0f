import NIOCore

/// Encodes frontend messages for a `MessageToByteHandler` (the gateway's upstream side).
public struct PostgresFrontendMessageEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = PostgresFrontendMessage

    public init() {}

    public func encode(data: PostgresFrontendMessage, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}

/// Encodes backend messages for a `MessageToByteHandler` (the gateway's client side).
public struct PostgresBackendMessageEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = PostgresBackendMessage

    public init() {}

    public func encode(data: PostgresBackendMessage, out: inout ByteBuffer) {
        data.encode(into: &out)
    }
}
