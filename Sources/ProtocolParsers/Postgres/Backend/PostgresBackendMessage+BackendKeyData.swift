import NIOCore

extension PostgresBackendMessage {
    /// `BackendKeyData` (`K`): `Int32 processID, Byte[n] secretKey`.
    ///
    /// Protocol 3.0 keys are 4 bytes; from 3.2 the key runs to the end of the message and
    /// is 4 to 256 bytes long (PostgreSQL 18 sends 32).
    public struct BackendKeyData: Hashable, Sendable {
        public static let secretKeyLengths: ClosedRange<Int> = 4...256

        public var processID: Int32
        public var secretKey: [UInt8]

        public init(processID: Int32, secretKey: [UInt8]) {
            self.processID = processID
            self.secretKey = secretKey
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let processID = try buffer.pgReadInt32("process ID")
            let keyLength = buffer.readableBytes
            guard Self.secretKeyLengths.contains(keyLength) else {
                throw PostgresWireError(
                    code: .invalidLength,
                    detail: "cancel key is \(keyLength) bytes; it must be 4 to 256 bytes"
                )
            }
            return BackendKeyData(processID: processID, secretKey: buffer.readBytes(length: keyLength)!)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(self.processID, endianness: .big)
            buffer.writeBytes(self.secretKey)
        }
    }
}
