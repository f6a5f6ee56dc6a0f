import NIOCore

extension PostgresFrontendMessage {
    /// `FunctionCall` (`F`): the legacy fast-path call of a function by OID.
    public struct FunctionCall: Hashable, Sendable {
        public var functionOID: UInt32
        /// Zero codes (all text), one (applies to all arguments) or one per argument.
        public var argumentFormats: [PostgresFormat]
        /// Argument values as slices of the received buffer; `nil` is SQL NULL.
        public var arguments: [ByteBuffer?]
        public var resultFormat: PostgresFormat

        public init(
            functionOID: UInt32,
            argumentFormats: [PostgresFormat] = [],
            arguments: [ByteBuffer?] = [],
            resultFormat: PostgresFormat = .text
        ) {
            self.functionOID = functionOID
            self.argumentFormats = argumentFormats
            self.arguments = arguments
            self.resultFormat = resultFormat
        }

        /// The format of argument `index`, applying the protocol's 0/1/n rule.
        public func argumentFormat(at index: Int) -> PostgresFormat {
            Bind.format(at: index, in: self.argumentFormats)
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let oid = try buffer.pgReadUInt32("function OID")
            let formats = try buffer.pgReadFormats("argument format codes")
            let arguments = try buffer.pgReadValues("argument values")
            guard formats.count <= 1 || formats.count == arguments.count else {
                throw PostgresWireError(
                    code: .parameterCountMismatch,
                    detail: "FunctionCall has \(formats.count) argument format codes for \(arguments.count) arguments; expected 0, 1 or \(arguments.count)"
                )
            }
            let resultFormat = PostgresFormat(rawValue: try buffer.pgReadInt16("result format code"))
            return FunctionCall(
                functionOID: oid,
                argumentFormats: formats,
                arguments: arguments,
                resultFormat: resultFormat
            )
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(self.functionOID, endianness: .big)
            buffer.pgWriteFormats(self.argumentFormats)
            buffer.pgWriteCount(self.arguments.count)
            for argument in self.arguments {
                buffer.pgWriteNullableValue(argument)
            }
            buffer.writeInteger(self.resultFormat.rawValue, endianness: .big)
        }
    }
}
