import NIOCore

extension PostgresFrontendMessage {
    /// `CancelRequest`: `Int32 length, Int32 80877102, Int32 processID, Byte[n] secretKey`.
    ///
    /// Protocol 3.0 keys are 4 bytes; from 3.2 the key runs to the end of the packet and
    /// may be 4 to 256 bytes long.
    public struct CancelRequest: Hashable, Sendable {
        public static let secretKeyLengths: ClosedRange<Int> = 4...256

        public var processID: Int32
        public var secretKey: [UInt8]

        public init(processID: Int32, secretKey: [UInt8]) {
            self.processID = processID
            self.secretKey = secretKey
        }

        /// Decodes the packet after its length field, starting with the request code.
        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let code = try buffer.pgReadUInt32("request code")
            guard code == RequestCode.cancel else {
                throw .invalidValue("request code \(code) is not a CancelRequest (\(RequestCode.cancel))")
            }
            let processID = try buffer.pgReadInt32("process ID")
            let keyLength = buffer.readableBytes
            guard Self.secretKeyLengths.contains(keyLength) else {
                throw PostgresWireError(
                    code: .invalidLength,
                    detail: "cancel key is \(keyLength) bytes; it must be 4 to 256 bytes"
                )
            }
            let key = buffer.readBytes(length: keyLength)!
            return CancelRequest(processID: processID, secretKey: key)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeMultipleIntegers(RequestCode.cancel, self.processID, endianness: .big)
            buffer.writeBytes(self.secretKey)
        }
    }
}
