/// The error/status code of `SSH_FXP_STATUS`. Codes a later protocol version or a vendor
/// adds survive as values.
public struct SFTPStatusCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `SSH_FX_OK`
    public static let ok = SFTPStatusCode(rawValue: 0)
    /// `SSH_FX_EOF`: a READ or READDIR past the end.
    public static let eof = SFTPStatusCode(rawValue: 1)
    /// `SSH_FX_NO_SUCH_FILE`
    public static let noSuchFile = SFTPStatusCode(rawValue: 2)
    /// `SSH_FX_PERMISSION_DENIED`
    public static let permissionDenied = SFTPStatusCode(rawValue: 3)
    /// `SSH_FX_FAILURE`
    public static let failure = SFTPStatusCode(rawValue: 4)
    /// `SSH_FX_BAD_MESSAGE`
    public static let badMessage = SFTPStatusCode(rawValue: 5)
    /// `SSH_FX_NO_CONNECTION`
    public static let noConnection = SFTPStatusCode(rawValue: 6)
    /// `SSH_FX_CONNECTION_LOST`
    public static let connectionLost = SFTPStatusCode(rawValue: 7)
    /// `SSH_FX_OP_UNSUPPORTED`
    public static let operationUnsupported = SFTPStatusCode(rawValue: 8)
}

extension SFTPStatusCode: CustomStringConvertible {
    /// The spec's name, for example `SSH_FX_PERMISSION_DENIED`, or `status 42`.
    public var description: String {
        let names = [
            "OK", "EOF", "NO_SUCH_FILE", "PERMISSION_DENIED", "FAILURE", "BAD_MESSAGE",
            "NO_CONNECTION", "CONNECTION_LOST", "OP_UNSUPPORTED",
        ]
        return self.rawValue < names.count ? "SSH_FX_" + names[Int(self.rawValue)] : "status \(self.rawValue)"
    }
}
