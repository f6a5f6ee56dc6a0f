import NIOCore

// Internal read/write primitives shared by every PostgreSQL payload codec. Reads throw a
// `PostgresWireError` without a message type; the message-level dispatch fills it in.

extension ByteBuffer {
    mutating func pgReadUInt8(_ what: StaticString) throws(PostgresWireError) -> UInt8 {
        guard let value = self.readInteger(as: UInt8.self) else {
            throw .truncated(what, needed: 1, available: self.readableBytes)
        }
        return value
    }

    mutating func pgReadInt16(_ what: StaticString) throws(PostgresWireError) -> Int16 {
        guard let value = self.readInteger(endianness: .big, as: Int16.self) else {
            throw .truncated(what, needed: 2, available: self.readableBytes)
        }
        return value
    }

    /// Counts are Int16 in the spec, but the server reads them as unsigned 16-bit values, so
    /// up to 65535 parameters are legal.
    mutating func pgReadCount(_ what: StaticString) throws(PostgresWireError) -> Int {
        guard let value = self.readInteger(endianness: .big, as: UInt16.self) else {
            throw .truncated(what, needed: 2, available: self.readableBytes)
        }
        return Int(value)
    }

    mutating func pgReadInt32(_ what: StaticString) throws(PostgresWireError) -> Int32 {
        guard let value = self.readInteger(endianness: .big, as: Int32.self) else {
            throw .truncated(what, needed: 4, available: self.readableBytes)
        }
        return value
    }

    mutating func pgReadUInt32(_ what: StaticString) throws(PostgresWireError) -> UInt32 {
        guard let value = self.readInteger(endianness: .big, as: UInt32.self) else {
            throw .truncated(what, needed: 4, available: self.readableBytes)
        }
        return value
    }

    /// Reads `count` elements of `elementSize` bytes each, after checking that they fit, so
    /// a hostile count never makes us reserve memory for elements that are not there.
    func pgCheckRemaining(count: Int, elementSize: Int, _ what: StaticString) throws(PostgresWireError) {
        let needed = count &* elementSize
        guard needed <= self.readableBytes else {
            throw .truncated(what, needed: needed, available: self.readableBytes)
        }
    }

    mutating func pgReadSlice(length: Int, _ what: StaticString) throws(PostgresWireError) -> ByteBuffer {
        guard let slice = self.readSlice(length: length) else {
            throw .truncated(what, needed: length, available: self.readableBytes)
        }
        return slice
    }

    /// A value prefixed by an Int32 length where -1 means NULL (Bind parameters, DataRow
    /// columns, FunctionCall arguments and results).
    mutating func pgReadNullableValue(_ what: StaticString) throws(PostgresWireError) -> ByteBuffer? {
        let length = try self.pgReadInt32(what)
        if length == -1 { return nil }
        guard length >= 0 else {
            throw .invalidValue("\(what) has length \(length); only -1 (NULL) may be negative")
        }
        return try self.pgReadSlice(length: Int(length), what)
    }

    /// Reads a NUL-terminated string, decoded as UTF-8 (invalid sequences become U+FFFD).
    mutating func pgReadCString(_ what: StaticString) throws(PostgresWireError) -> String {
        let length = self.withUnsafeReadableBytes { $0.firstIndex(of: 0) }
        guard let length else { throw .malformedString(what) }
        let string = self.readString(length: length)!
        self.moveReaderIndex(forwardBy: 1)
        return string
    }

    /// The number of bytes before the next NUL, or `nil` when there is none.
    func pgCStringLength() -> Int? {
        self.withUnsafeReadableBytes { $0.firstIndex(of: 0) }
    }

    func pgExpectFullyConsumed() throws(PostgresWireError) {
        if self.readableBytes != 0 { throw .trailingBytes(self.readableBytes) }
    }

    // MARK: Writing

    /// Writes `string` and a NUL terminator. Embedded NULs (which a C string cannot carry)
    /// are dropped rather than allowed to cut the field short and desynchronise the peer.
    mutating func pgWriteCString(_ string: String) {
        if string.utf8.contains(0) {
            self.writeBytes(string.utf8.lazy.filter { $0 != 0 })
        } else {
            self.writeString(string)
        }
        self.writeInteger(UInt8(0))
    }

    mutating func pgWriteNullableValue(_ value: ByteBuffer?) {
        if let value {
            self.writeInteger(Int32(truncatingIfNeeded: value.readableBytes), endianness: .big)
            self.writeImmutableBuffer(value)
        } else {
            self.writeInteger(Int32(-1), endianness: .big)
        }
    }

    mutating func pgWriteCount(_ count: Int) {
        self.writeInteger(UInt16(truncatingIfNeeded: count), endianness: .big)
    }

    /// Writes a frame: the optional type byte, a length placeholder, the body, then patches
    /// the length (which counts itself but not the type byte).
    mutating func pgWriteFrame(type: UInt8?, _ body: (inout ByteBuffer) -> Void) {
        if let type { self.writeInteger(type) }
        let lengthIndex = self.writerIndex
        self.writeInteger(UInt32(0))
        body(&self)
        self.setInteger(UInt32(truncatingIfNeeded: self.writerIndex &- lengthIndex), at: lengthIndex, endianness: .big)
    }

    /// Writes an empty frame (type byte and length 4).
    mutating func pgWriteEmptyFrame(type: UInt8) {
        self.writeMultipleIntegers(type, UInt32(4), endianness: .big)
    }
}
