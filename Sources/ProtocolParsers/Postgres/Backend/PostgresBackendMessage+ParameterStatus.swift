import NIOCore

extension PostgresBackendMessage {
    /// `ParameterStatus` (`S`): a run-time parameter's current value.
    public struct ParameterStatus: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let name = try buffer.pgReadCString("parameter name")
            let value = try buffer.pgReadCString("parameter value")
            return ParameterStatus(name: name, value: value)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCString(self.name)
            buffer.pgWriteCString(self.value)
        }
    }
}
