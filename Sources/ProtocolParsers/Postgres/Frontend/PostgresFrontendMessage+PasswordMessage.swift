import NIOCore

extension PostgresFrontendMessage {
    /// The payload of a `p` message, kept raw.
    ///
    /// The same type byte carries PasswordMessage (cleartext or MD5), SASLInitialResponse,
    /// SASLResponse and GSSResponse; only the authentication request the server sent before
    /// tells which. Use ``password()``, ``saslInitialResponse()`` or ``saslResponseData``
    /// according to that request.
    ///
    /// Its `description`, `debugDescription` and mirror are redacted: a password, a token or
    /// a SASL proof never reaches a log through this type.
    public struct PasswordMessage: Hashable, Sendable {
        /// A decoded `SASLInitialResponse`.
        public struct SASLInitialResponse: Hashable, Sendable {
            /// The selected mechanism, for example `SCRAM-SHA-256`.
            public var mechanism: String
            /// The client-first message; `nil` when the client sent none (length -1).
            public var initialResponse: ByteBuffer?

            public init(mechanism: String, initialResponse: ByteBuffer?) {
                self.mechanism = mechanism
                self.initialResponse = initialResponse
            }
        }

        /// The payload bytes, exactly as on the wire.
        public var bytes: ByteBuffer

        public init(bytes: ByteBuffer) {
            self.bytes = bytes
        }

        /// A PasswordMessage carrying a cleartext password, MD5 hash or token.
        public init(password: String) {
            var buffer = ByteBuffer()
            buffer.reserveCapacity(password.utf8.count + 1)
            buffer.pgWriteCString(password)
            self.bytes = buffer
        }

        /// A SASLInitialResponse.
        public static func saslInitialResponse(mechanism: String, initialResponse: ByteBuffer?) -> Self {
            var buffer = ByteBuffer()
            buffer.pgWriteCString(mechanism)
            buffer.pgWriteNullableValue(initialResponse)
            return PasswordMessage(bytes: buffer)
        }

        /// A SASLResponse: the mechanism's data, unframed.
        public static func saslResponse(_ data: ByteBuffer) -> Self {
            PasswordMessage(bytes: data)
        }

        /// Reads the payload as a PasswordMessage: one NUL-terminated string filling the
        /// message.
        public func password() throws(PostgresWireError) -> String {
            var buffer = self.bytes
            do throws(PostgresWireError) {
                let password = try buffer.pgReadCString("password")
                try buffer.pgExpectFullyConsumed()
                return password
            } catch {
                throw error.with(messageType: ID.password.rawValue)
            }
        }

        /// Reads the payload as a SASLInitialResponse: mechanism name, Int32 length (-1 for
        /// none), the initial response.
        public func saslInitialResponse() throws(PostgresWireError) -> SASLInitialResponse {
            var buffer = self.bytes
            do throws(PostgresWireError) {
                let mechanism = try buffer.pgReadCString("SASL mechanism")
                let data = try buffer.pgReadNullableValue("SASL initial response")
                try buffer.pgExpectFullyConsumed()
                return SASLInitialResponse(mechanism: mechanism, initialResponse: data)
            } catch {
                throw error.with(messageType: ID.password.rawValue)
            }
        }

        /// The payload as a SASLResponse (or GSSResponse): the mechanism's data.
        public var saslResponseData: ByteBuffer { self.bytes }

        /// Takes the whole remaining payload.
        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            PasswordMessage(bytes: buffer.readSlice(length: buffer.readableBytes)!)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeImmutableBuffer(self.bytes)
        }
    }
}

extension PostgresFrontendMessage.PasswordMessage: CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    public var description: String { "PasswordMessage(\(self.bytes.readableBytes) bytes, redacted)" }
    public var debugDescription: String { self.description }
    public var customMirror: Mirror { Mirror(self, children: ["bytes": "<redacted>"]) }
}
