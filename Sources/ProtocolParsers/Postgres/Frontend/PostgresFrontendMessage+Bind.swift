import NIOCore

extension PostgresFrontendMessage {
    /// `Bind` (`B`): binds parameter values to a prepared statement, creating a portal.
    ///
    /// Parameter values are slices of the received buffer (no copy); `nil` is SQL NULL.
    public struct Bind: Hashable, Sendable {
        /// The destination portal; empty for the unnamed portal.
        public var portalName: String
        /// The source prepared statement; empty for the unnamed statement.
        public var statementName: String
        /// Zero codes (all text), one (applies to all parameters) or one per parameter.
        public var parameterFormats: [PostgresFormat]
        public var parameters: [ByteBuffer?]
        /// Zero codes (all text), one (applies to all columns) or one per result column.
        public var resultFormats: [PostgresFormat]

        public init(
            portalName: String = "",
            statementName: String = "",
            parameterFormats: [PostgresFormat] = [],
            parameters: [ByteBuffer?] = [],
            resultFormats: [PostgresFormat] = []
        ) {
            self.portalName = portalName
            self.statementName = statementName
            self.parameterFormats = parameterFormats
            self.parameters = parameters
            self.resultFormats = resultFormats
        }

        /// The format of parameter `index`, applying the protocol's 0/1/n rule.
        public func parameterFormat(at index: Int) -> PostgresFormat {
            Self.format(at: index, in: self.parameterFormats)
        }

        /// The format of result column `index`, applying the protocol's 0/1/n rule.
        public func resultFormat(at index: Int) -> PostgresFormat {
            Self.format(at: index, in: self.resultFormats)
        }

        static func format(at index: Int, in formats: [PostgresFormat]) -> PostgresFormat {
            switch formats.count {
            case 0: .text
            case 1: formats[0]
            default: index < formats.count ? formats[index] : .text
            }
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let portal = try buffer.pgReadCString("portal name")
            let statement = try buffer.pgReadCString("statement name")
            let parameterFormats = try buffer.pgReadFormats("parameter format codes")
            let parameters = try buffer.pgReadValues("parameter values")
            guard parameterFormats.count <= 1 || parameterFormats.count == parameters.count else {
                throw PostgresWireError(
                    code: .parameterCountMismatch,
                    detail: "Bind has \(parameterFormats.count) parameter format codes for \(parameters.count) parameters; expected 0, 1 or \(parameters.count)"
                )
            }
            let resultFormats = try buffer.pgReadFormats("result format codes")
            return Bind(
                portalName: portal,
                statementName: statement,
                parameterFormats: parameterFormats,
                parameters: parameters,
                resultFormats: resultFormats
            )
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCString(self.portalName)
            buffer.pgWriteCString(self.statementName)
            buffer.pgWriteFormats(self.parameterFormats)
            buffer.pgWriteCount(self.parameters.count)
            for parameter in self.parameters {
                buffer.pgWriteNullableValue(parameter)
            }
            buffer.pgWriteFormats(self.resultFormats)
        }
    }
}

extension ByteBuffer {
    /// `Int16 n, Int16[n]` format codes.
    mutating func pgReadFormats(_ what: StaticString) throws(PostgresWireError) -> [PostgresFormat] {
        let count = try self.pgReadCount(what)
        if count == 0 { return [] }
        try self.pgCheckRemaining(count: count, elementSize: 2, what)
        var formats: [PostgresFormat] = []
        formats.reserveCapacity(count)
        for _ in 0..<count {
            formats.append(PostgresFormat(rawValue: self.readInteger(endianness: .big, as: Int16.self)!))
        }
        return formats
    }

    mutating func pgWriteFormats(_ formats: [PostgresFormat]) {
        self.pgWriteCount(formats.count)
        for format in formats {
            self.writeInteger(format.rawValue, endianness: .big)
        }
    }

    /// `Int16 n, (Int32 length, Byte[length])[n]` with length -1 for NULL.
    mutating func pgReadValues(_ what: StaticString) throws(PostgresWireError) -> [ByteBuffer?] {
        let count = try self.pgReadCount(what)
        if count == 0 { return [] }
        try self.pgCheckRemaining(count: count, elementSize: 4, what)
        var values: [ByteBuffer?] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try self.pgReadNullableValue(what))
        }
        return values
    }
}
