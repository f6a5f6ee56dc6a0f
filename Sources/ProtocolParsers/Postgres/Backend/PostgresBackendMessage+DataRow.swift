import NIOCore

extension PostgresBackendMessage {
    /// `DataRow` (`D`): one row of column values.
    ///
    /// The row keeps the received bytes as one slice (no copy) and yields each column as a
    /// slice of it; `nil` is SQL NULL. The structure is validated once when decoding, so
    /// iterating never fails. Build a modified row (for masking) with ``init(columns:)``.
    public struct DataRow: Hashable, Sendable {
        /// The number of columns.
        public let columnCount: Int
        /// The column bytes as on the wire after the count: `(Int32 length, Byte[length])*`.
        public let bytes: ByteBuffer

        /// A row from column values (`nil` is SQL NULL).
        public init<Columns: Collection>(columns: Columns) where Columns.Element == ByteBuffer? {
            var bytes = ByteBuffer()
            var capacity = 0
            for column in columns { capacity += 4 + (column?.readableBytes ?? 0) }
            bytes.reserveCapacity(capacity)
            for column in columns { bytes.pgWriteNullableValue(column) }
            self.columnCount = columns.count
            self.bytes = bytes
        }

        private init(columnCount: Int, validatedBytes: ByteBuffer) {
            self.columnCount = columnCount
            self.bytes = validatedBytes
        }

        /// The columns as an array of slices.
        public var columns: [ByteBuffer?] { Array(self) }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let count = try buffer.pgReadCount("column count")
            try buffer.pgCheckRemaining(count: count, elementSize: 4, "column values")
            let start = buffer.readerIndex
            for _ in 0..<count {
                let length = try buffer.pgReadInt32("column length")
                if length == -1 { continue }
                guard length >= 0 else {
                    throw .invalidValue("column length is \(length); only -1 (NULL) may be negative")
                }
                guard Int(length) <= buffer.readableBytes else {
                    throw .truncated("column value", needed: Int(length), available: buffer.readableBytes)
                }
                buffer.moveReaderIndex(forwardBy: Int(length))
            }
            // `getSlice(at:)` refuses indices before the reader index, so rewind and read.
            let length = buffer.readerIndex - start
            buffer.moveReaderIndex(to: start)
            let bytes = buffer.readSlice(length: length)!
            return DataRow(columnCount: count, validatedBytes: bytes)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.pgWriteCount(self.columnCount)
            buffer.writeImmutableBuffer(self.bytes)
        }
    }
}

extension PostgresBackendMessage.DataRow: Collection {
    public typealias Element = ByteBuffer?

    /// A position in the row: the offset of the column's length field in ``bytes``.
    public struct Index: Comparable, Hashable, Sendable {
        @usableFromInline let offset: Int

        @usableFromInline init(offset: Int) { self.offset = offset }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.offset < rhs.offset }
    }

    public var startIndex: Index { Index(offset: self.bytes.readerIndex) }
    public var endIndex: Index { Index(offset: self.bytes.writerIndex) }
    public var count: Int { self.columnCount }
    public var isEmpty: Bool { self.columnCount == 0 }

    public func index(after index: Index) -> Index {
        let length = self.bytes.getInteger(at: index.offset, endianness: .big, as: Int32.self)!
        return Index(offset: index.offset + 4 + (length > 0 ? Int(length) : 0))
    }

    public subscript(index: Index) -> ByteBuffer? {
        let length = self.bytes.getInteger(at: index.offset, endianness: .big, as: Int32.self)!
        if length < 0 { return nil }
        return self.bytes.getSlice(at: index.offset + 4, length: Int(length))!
    }

    /// The value of column `column` (0-based); walks the row, so prefer iteration for
    /// several columns.
    public subscript(column column: Int) -> ByteBuffer? {
        precondition(column >= 0 && column < self.columnCount, "column index out of range")
        return self[self.index(self.startIndex, offsetBy: column)]
    }
}
