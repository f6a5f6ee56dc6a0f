/// Why an access-request operation was refused; ``kind`` maps to an HTTP status.
public struct AccessRequestError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        case notFound, forbidden, conflict, badRequest, unavailable
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
