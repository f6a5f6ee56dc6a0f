import NIOCore

extension PostgresBackendMessage {
    /// `NegotiateProtocolVersion` (`v`): the newest protocol version the server supports for
    /// the requested major version, and the `_pq_.` options it did not recognise.
    ///
    /// The protocol documentation calls the first field the "newest minor version", but
    /// servers send the whole version number (`major << 16 | minor`, 196608 for 3.0) and
    /// libpq 18 checks it as such: a bare minor number (0) reads as a downgrade to a pre-3.0
    /// protocol and fails the connection.
    public struct NegotiateProtocolVersion: Hashable, Sendable {
        public var newestVersion: PostgresProtocolVersion
        public var unrecognizedOptions: [String]

        public init(newestVersion: PostgresProtocolVersion, unrecognizedOptions: [String] = []) {
            self.newestVersion = newestVersion
            self.unrecognizedOptions = unrecognizedOptions
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let version = try buffer.pgReadUInt32("newest protocol version")
            let count = try buffer.pgReadInt32("unrecognized option count")
            guard count >= 0 else {
                throw .invalidValue("unrecognized option count is \(count)")
            }
            // Each option takes at least its NUL terminator.
            try buffer.pgCheckRemaining(count: Int(count), elementSize: 1, "unrecognized options")
            var options: [String] = []
            options.reserveCapacity(Int(count))
            for _ in 0..<count {
                options.append(try buffer.pgReadCString("unrecognized option"))
            }
            return NegotiateProtocolVersion(newestVersion: PostgresProtocolVersion(rawValue: version), unrecognizedOptions: options)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeMultipleIntegers(
                self.newestVersion.rawValue,
                Int32(truncatingIfNeeded: self.unrecognizedOptions.count),
                endianness: .big
            )
            for option in self.unrecognizedOptions {
                buffer.pgWriteCString(option)
            }
        }
    }
}
