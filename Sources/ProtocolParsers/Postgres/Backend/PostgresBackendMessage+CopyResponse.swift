import NIOCore

extension PostgresBackendMessage {
    /// `CopyInResponse` (`G`), `CopyOutResponse` (`H`), `CopyBothResponse` (`W`):
    /// `Int8 overall format, Int16 n, Int16 columnFormats[n]`.
    public struct CopyResponse: Hashable, Sendable {
        /// Text (0) or binary (1) for the whole COPY.
        public var format: PostgresFormat
        /// One code per column (all 0 when ``format`` is text).
        public var columnFormats: [PostgresFormat]

        public init(format: PostgresFormat = .text, columnFormats: [PostgresFormat]) {
            self.format = format
            self.columnFormats = columnFormats
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let format = try buffer.pgReadUInt8("copy format")
            let columnFormats = try buffer.pgReadFormats("column format codes")
            return CopyResponse(format: PostgresFormat(rawValue: Int16(format)), columnFormats: columnFormats)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(UInt8(truncatingIfNeeded: self.format.rawValue))
            buffer.pgWriteFormats(self.columnFormats)
        }
    }
}
