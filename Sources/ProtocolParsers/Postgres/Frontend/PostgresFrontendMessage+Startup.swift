import NIOCore

extension PostgresFrontendMessage {
    /// `StartupMessage`: `Int32 length, Int32 version, (String name, String value)*, Byte1 0`.
    public struct Startup: Hashable, Sendable {
        /// One connection parameter, in the order the client sent it.
        public struct Parameter: Hashable, Sendable {
            public var name: String
            public var value: String

            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        /// The default cap on the number of parameters a startup packet may carry.
        public static let defaultMaximumParameterCount = 64

        public var protocolVersion: PostgresProtocolVersion
        /// The parameters in wire order (duplicates are kept; lookups take the last one,
        /// as the server does).
        public var parameters: [Parameter]

        public init(protocolVersion: PostgresProtocolVersion = .v3_0, parameters: [Parameter]) {
            self.protocolVersion = protocolVersion
            self.parameters = parameters
        }

        public init(protocolVersion: PostgresProtocolVersion = .v3_0, parameters: KeyValuePairs<String, String>) {
            self.protocolVersion = protocolVersion
            self.parameters = parameters.map { Parameter(name: $0.key, value: $0.value) }
        }

        /// The value of the named parameter (the last one if sent twice). Setting replaces
        /// every occurrence, or appends; setting `nil` removes it.
        public subscript(parameter name: String) -> String? {
            get { self.parameters.last(where: { $0.name == name })?.value }
            set {
                guard let newValue else {
                    self.parameters.removeAll { $0.name == name }
                    return
                }
                guard let index = self.parameters.firstIndex(where: { $0.name == name }) else {
                    self.parameters.append(Parameter(name: name, value: newValue))
                    return
                }
                self.parameters[index].value = newValue
                var kept: [Parameter] = []
                kept.reserveCapacity(self.parameters.count)
                for (offset, parameter) in self.parameters.enumerated() where offset <= index || parameter.name != name {
                    kept.append(parameter)
                }
                self.parameters = kept
            }
        }

        public var user: String? { self[parameter: "user"] }
        public var database: String? { self[parameter: "database"] }
        public var applicationName: String? { self[parameter: "application_name"] }

        /// Decodes the packet after its length field: version, parameters, terminator.
        /// Any protocol 3.x is accepted (a newer minor version is answered with
        /// NegotiateProtocolVersion by the session); another major version is an error.
        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            try self.decode(from: &buffer, maximumParameterCount: Self.defaultMaximumParameterCount)
        }

        public static func decode(
            from buffer: inout ByteBuffer,
            maximumParameterCount: Int
        ) throws(PostgresWireError) -> Self {
            let version = PostgresProtocolVersion(rawValue: try buffer.pgReadUInt32("protocol version"))
            guard version.major == 3 else {
                throw PostgresWireError(
                    code: .unsupportedProtocolVersion,
                    detail: "protocol version \(version) is not supported; this gateway speaks 3.0 to 3.2"
                )
            }
            var parameters: [Parameter] = []
            while true {
                let name = try buffer.pgReadCString("startup parameter name")
                if name.isEmpty { break }
                guard parameters.count < maximumParameterCount else {
                    throw PostgresWireError(
                        code: .tooManyParameters,
                        detail: "the startup packet has more than \(maximumParameterCount) parameters"
                    )
                }
                let value = try buffer.pgReadCString("startup parameter value")
                parameters.append(Parameter(name: name, value: value))
            }
            return Startup(protocolVersion: version, parameters: parameters)
        }

        func writePayload(into buffer: inout ByteBuffer) {
            buffer.writeInteger(self.protocolVersion.rawValue, endianness: .big)
            for parameter in self.parameters {
                buffer.pgWriteCString(parameter.name)
                buffer.pgWriteCString(parameter.value)
            }
            buffer.writeInteger(UInt8(0))
        }
    }
}
