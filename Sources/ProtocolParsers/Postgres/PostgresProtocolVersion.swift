/// A frontend/backend protocol version as sent in the StartupMessage (`major << 16 | minor`).
public struct PostgresProtocolVersion: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var major: UInt16
    public var minor: UInt16

    public init(major: UInt16, minor: UInt16) {
        self.major = major
        self.minor = minor
    }

    public init(rawValue: UInt32) {
        self.major = UInt16(truncatingIfNeeded: rawValue >> 16)
        self.minor = UInt16(truncatingIfNeeded: rawValue)
    }

    public var rawValue: UInt32 { UInt32(self.major) << 16 | UInt32(self.minor) }

    /// Protocol 3.0: every server since 7.4; 4-byte cancel keys.
    public static let v3_0 = PostgresProtocolVersion(major: 3, minor: 0)
    /// Protocol 3.2 (PostgreSQL 18): variable-length cancel keys (4 to 256 bytes).
    public static let v3_2 = PostgresProtocolVersion(major: 3, minor: 2)

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "\(self.major).\(self.minor)" }
}
