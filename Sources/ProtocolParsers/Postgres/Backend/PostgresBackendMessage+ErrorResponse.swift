import NIOCore

extension PostgresBackendMessage {
    /// `NoticeResponse` (`N`) has the same shape as `ErrorResponse` (`E`).
    public typealias NoticeResponse = ErrorResponse

    /// `ErrorResponse`/`NoticeResponse`: `(Byte1 code, String value)*` ended by a zero byte.
    ///
    /// Fields keep their wire order, and codes this type does not name survive a relay.
    public struct ErrorResponse: Hashable, Sendable {
        /// A field's type code.
        public struct FieldCode: RawRepresentable, Hashable, Sendable {
            public var rawValue: UInt8
            public init(rawValue: UInt8) { self.rawValue = rawValue }

            /// `S`: ERROR, FATAL, PANIC, WARNING, NOTICE, ... possibly localized.
            public static let severity = FieldCode(rawValue: 0x53)
            /// `V`: the severity, never localized (9.6 and later).
            public static let severityNonLocalized = FieldCode(rawValue: 0x56)
            /// `C`: the SQLSTATE code.
            public static let sqlState = FieldCode(rawValue: 0x43)
            /// `M`: the primary message.
            public static let message = FieldCode(rawValue: 0x4D)
            /// `D`: detail.
            public static let detail = FieldCode(rawValue: 0x44)
            /// `H`: hint.
            public static let hint = FieldCode(rawValue: 0x48)
            /// `P`: cursor position in the query, 1-based, in characters.
            public static let position = FieldCode(rawValue: 0x50)
            /// `p`: position in an internally generated command.
            public static let internalPosition = FieldCode(rawValue: 0x70)
            /// `q`: the internally generated command.
            public static let internalQuery = FieldCode(rawValue: 0x71)
            /// `W`: context (call stack).
            public static let context = FieldCode(rawValue: 0x57)
            /// `s`
            public static let schemaName = FieldCode(rawValue: 0x73)
            /// `t`
            public static let tableName = FieldCode(rawValue: 0x74)
            /// `c`
            public static let columnName = FieldCode(rawValue: 0x63)
            /// `d`
            public static let dataTypeName = FieldCode(rawValue: 0x64)
            /// `n`
            public static let constraintName = FieldCode(rawValue: 0x6E)
            /// `F`: source file.
            public static let file = FieldCode(rawValue: 0x46)
            /// `L`: source line.
            public static let line = FieldCode(rawValue: 0x4C)
            /// `R`: source routine.
            public static let routine = FieldCode(rawValue: 0x52)
        }

        public struct Field: Hashable, Sendable {
            public var code: FieldCode
            public var value: String

            public init(code: FieldCode, value: String) {
                self.code = code
                self.value = value
            }
        }

        public var fields: [Field]

        public init(fields: [Field]) {
            self.fields = fields
        }

        /// The fields a server sends for a simple error: `S`, `V`, `C`, `M`, then `D` and
        /// `H` when given.
        public init(severity: String, sqlState: String, message: String, detail: String? = nil, hint: String? = nil) {
            var fields = [
                Field(code: .severity, value: severity),
                Field(code: .severityNonLocalized, value: severity),
                Field(code: .sqlState, value: sqlState),
                Field(code: .message, value: message),
            ]
            if let detail { fields.append(Field(code: .detail, value: detail)) }
            if let hint { fields.append(Field(code: .hint, value: hint)) }
            self.fields = fields
        }

        /// The first field with this code.
        public subscript(code: FieldCode) -> String? {
            self.fields.first(where: { $0.code == code })?.value
        }

        /// The non-localized severity (`V`) if present, else `S`.
        public var severity: String? { self[.severityNonLocalized] ?? self[.severity] }
        public var sqlState: String? { self[.sqlState] }
        public var message: String? { self[.message] }
        public var detail: String? { self[.detail] }
        public var hint: String? { self[.hint] }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            var fields: [Field] = []
            while true {
                let code = try buffer.pgReadUInt8("field code")
                if code == 0 { break }
                let value = try buffer.pgReadCString("field value")
                fields.append(Field(code: FieldCode(rawValue: code), value: value))
            }
            return ErrorResponse(fields: fields)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            for field in self.fields where field.code.rawValue != 0 {
                buffer.writeInteger(field.code.rawValue)
                buffer.pgWriteCString(field.value)
            }
            buffer.writeInteger(UInt8(0))
        }
    }
}
