import NIOCore

extension PostgresFrontendMessage {
    /// `Parse` (`P`): a statement name, the query text and the parameter type OIDs the
    /// client fixed in advance (0 leaves a type unspecified).
    public struct Parse: Hashable, Sendable {
        /// The prepared statement's name; empty for the unnamed statement.
        public var statementName: String
        public var query: String
        public var parameterTypes: [UInt32]

        public init(statementName: String = "", query: String, parameterTypes: [UInt32] = []) {
            self.statementName = statementName
            self.query = query
            self.parameterTypes = parameterTypes
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let name = try buffer.pgReadCString("statement name")
            let query = try buffer.pgReadCString("query")
            let count = try buffer.pgReadCount("parameter type count")
            try buffer.pgCheckRemaining(count: count, elementSize: 4, "parameter types")
            var types: [UInt32] = []
            types.reserveCapacity(count)
            for _ in 0..<count {
                types.append(buffer.readInteger(endianness: .big, as: UInt32.self)!)
            }
            return Parse(statementName: name, query: query, parameterTypes: types)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCString(self.statementName)
            buffer.pgWriteCString(self.query)
            buffer.pgWriteCount(self.parameterTypes.count)
            for type in self.parameterTypes {
                buffer.writeInteger(type, endianness: .big)
            }
        }
    }
}
