import NIOCore

extension PostgresBackendMessage {
    /// `NotificationResponse` (`A`): a `NOTIFY` delivered to a listening session.
    public struct NotificationResponse: Hashable, Sendable {
        /// The notifying backend's process ID.
        public var processID: Int32
        public var channel: String
        public var payload: String

        public init(processID: Int32, channel: String, payload: String) {
            self.processID = processID
            self.channel = channel
            self.payload = payload
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let processID = try buffer.pgReadInt32("process ID")
            let channel = try buffer.pgReadCString("channel")
            let payload = try buffer.pgReadCString("payload")
            return NotificationResponse(processID: processID, channel: channel, payload: payload)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(self.processID, endianness: .big)
            buffer.pgWriteCString(self.channel)
            buffer.pgWriteCString(self.payload)
        }
    }
}
