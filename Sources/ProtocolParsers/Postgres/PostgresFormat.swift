/// A PostgreSQL format code: `0` text, `1` binary.
///
/// Stored as its raw value so that a code the protocol does not define yet survives a relay
/// unchanged (the server, not the gateway, rejects it).
public struct PostgresFormat: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16

    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let text = PostgresFormat(rawValue: 0)
    public static let binary = PostgresFormat(rawValue: 1)

    public var description: String {
        switch self.rawValue {
        case 0: "text"
        case 1: "binary"
        default: "format(\(self.rawValue))"
        }
    }
}
