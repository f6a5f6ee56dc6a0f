import NIOCore

extension PostgresBackendMessage {
    /// `Authentication*` (`R`): `Int32 code` then code-specific data.
    public enum Authentication: Hashable, Sendable {
        /// 0: authentication succeeded.
        case ok
        /// 3: send the password in clear text.
        case cleartextPassword
        /// 5: send `"md5" + md5(md5(password + user) + salt)`. The salt is the 4 bytes as they
        /// appear on the wire, read big-endian (`withUnsafeBytes(of: salt.bigEndian)` gives
        /// them back in order).
        case md5Password(salt: UInt32)
        /// 10: SASL; the mechanisms the server offers, in its order of preference.
        case sasl(mechanisms: [String])
        /// 11: SASL challenge (SCRAM server-first message).
        case saslContinue(ByteBuffer)
        /// 12: SASL outcome (SCRAM server-final message).
        case saslFinal(ByteBuffer)
        /// Any other request (2 KerberosV5, 7 GSS, 8 GSSContinue, 9 SSPI, ...), kept raw.
        case other(code: Int32, data: ByteBuffer)

        /// The most mechanisms an `AuthenticationSASL` may list.
        public static let maximumSASLMechanismCount = 64

        public static func decode(from buffer: inout ByteBuffer) throws(PostgresWireError) -> Self {
            let code = try buffer.pgReadInt32("authentication code")
            switch code {
            case 0:
                return .ok
            case 3:
                return .cleartextPassword
            case 5:
                return .md5Password(salt: try buffer.pgReadUInt32("MD5 salt"))
            case 10:
                var mechanisms: [String] = []
                while true {
                    let mechanism = try buffer.pgReadCString("SASL mechanism")
                    if mechanism.isEmpty { break }
                    guard mechanisms.count < Self.maximumSASLMechanismCount else {
                        throw PostgresWireError(
                            code: .tooManyParameters,
                            detail: "AuthenticationSASL lists more than \(Self.maximumSASLMechanismCount) mechanisms"
                        )
                    }
                    mechanisms.append(mechanism)
                }
                return .sasl(mechanisms: mechanisms)
            case 11:
                return .saslContinue(buffer.readSlice(length: buffer.readableBytes)!)
            case 12:
                return .saslFinal(buffer.readSlice(length: buffer.readableBytes)!)
            default:
                return .other(code: code, data: buffer.readSlice(length: buffer.readableBytes)!)
            }
        }

        func writePayload(into buffer: inout ByteBuffer) {
            switch self {
            case .ok:
                buffer.writeInteger(Int32(0), endianness: .big)
            case .cleartextPassword:
                buffer.writeInteger(Int32(3), endianness: .big)
            case .md5Password(let salt):
                buffer.writeMultipleIntegers(Int32(5), salt, endianness: .big)
            case .sasl(let mechanisms):
                buffer.writeInteger(Int32(10), endianness: .big)
                for mechanism in mechanisms {
                    buffer.pgWriteCString(mechanism)
                }
                buffer.writeInteger(UInt8(0))
            case .saslContinue(let data):
                buffer.writeInteger(Int32(11), endianness: .big)
                buffer.writeImmutableBuffer(data)
            case .saslFinal(let data):
                buffer.writeInteger(Int32(12), endianness: .big)
                buffer.writeImmutableBuffer(data)
            case .other(let code, let data):
                buffer.writeInteger(code, endianness: .big)
                buffer.writeImmutableBuffer(data)
            }
        }
    }
}
