import NIOCore

extension PostgresBackendMessage {
    /// `RowDescription` (`T`): the columns of the rows that follow.
    public struct RowDescription: Hashable, Sendable {
        public struct Field: Hashable, Sendable {
            public var name: String
            /// The table's OID if the column comes straight from a table, else 0.
            public var tableOID: UInt32
            /// The column's attribute number in that table, else 0.
            public var columnAttributeNumber: Int16
            public var dataTypeOID: UInt32
            /// `pg_type.typlen`; negative for variable-width types.
            public var dataTypeSize: Int16
            /// `pg_attribute.atttypmod`; type-specific.
            public var typeModifier: Int32
            /// The format the values will be sent in (always text for simple queries).
            public var format: PostgresFormat

            public init(
                name: String,
                tableOID: UInt32 = 0,
                columnAttributeNumber: Int16 = 0,
                dataTypeOID: UInt32,
                dataTypeSize: Int16,
                typeModifier: Int32 = -1,
                format: PostgresFormat = .text
            ) {
                self.name = name
                self.tableOID = tableOID
                self.columnAttributeNumber = columnAttributeNumber
                self.dataTypeOID = dataTypeOID
                self.dataTypeSize = dataTypeSize
                self.typeModifier = typeModifier
                self.format = format
            }
        }

        public var fields: [Field]

        public init(fields: [Field]) {
            self.fields = fields
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let count = try buffer.pgReadCount("field count")
            // Each field takes at least 19 bytes: an empty name's NUL and 18 bytes of numbers.
            try buffer.pgCheckRemaining(count: count, elementSize: 19, "row description fields")
            var fields: [Field] = []
            fields.reserveCapacity(count)
            for _ in 0..<count {
                let name = try buffer.pgReadCString("field name")
                guard
                    let (tableOID, attribute, typeOID, size, modifier, format) = buffer.readMultipleIntegers(
                        endianness: .big,
                        as: (UInt32, Int16, UInt32, Int16, Int32, Int16).self
                    )
                else {
                    throw .truncated("field description", needed: 18, available: buffer.readableBytes)
                }
                fields.append(
                    Field(
                        name: name,
                        tableOID: tableOID,
                        columnAttributeNumber: attribute,
                        dataTypeOID: typeOID,
                        dataTypeSize: size,
                        typeModifier: modifier,
                        format: PostgresFormat(rawValue: format)
                    )
                )
            }
            return RowDescription(fields: fields)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCount(self.fields.count)
            for field in self.fields {
                buffer.pgWriteCString(field.name)
                buffer.writeMultipleIntegers(
                    field.tableOID,
                    field.columnAttributeNumber,
                    field.dataTypeOID,
                    field.dataTypeSize,
                    field.typeModifier,
                    field.format.rawValue,
                    endianness: .big
                )
            }
        }
    }
}
