import NIOCore

extension PostgresBackendMessage {
    /// `NegotiateProtocolVersion` (`v`): the newest minor version the server supports for
    /// the requested major version, and the `_pq_.` options it did not recognise.
    public struct NegotiateProtocolVersion: Hashable, Sendable {
        public var newestMinorVersion: Int32
        public var unrecognizedOptions: [String]

        public init(newestMinorVersion: Int32, unrecognizedOptions: [String] = []) {
            self.newestMinorVersion = newestMinorVersion
            self.unrecognizedOptions = unrecognizedOptions
        }

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let minor = try buffer.pgReadInt32("newest minor version")
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
            return NegotiateProtocolVersion(newestMinorVersion: minor, unrecognizedOptions: options)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeMultipleIntegers(
                self.newestMinorVersion,
                Int32(truncatingIfNeeded: self.unrecognizedOptions.count),
                endianness: .big
            )
            for option in self.unrecognizedOptions {
                buffer.pgWriteCString(option)
            }
        }
    }
}
