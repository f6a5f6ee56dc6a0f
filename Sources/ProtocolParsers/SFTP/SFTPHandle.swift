/// The opaque name a server gives an open file or directory (`SSH_FXP_HANDLE`), which the
/// client then presents to READ, WRITE, FSTAT, FSETSTAT, READDIR and CLOSE.
///
/// The bytes are copied out of the packet, so holding a handle never keeps a packet
/// buffer alive. OpenSSH's handles are four bytes.
public struct SFTPHandle: Hashable, Sendable {
    /// The protocol's limit: "The handle MUST NOT be longer than 256 bytes."
    public static let maximumLength = 256

    public var bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}

extension SFTPHandle: CustomStringConvertible {
    /// The bytes in hexadecimal, for logs.
    public var description: String {
        self.bytes.map { ($0 < 0x10 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}
