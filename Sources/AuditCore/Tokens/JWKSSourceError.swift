/// A JWKS could not be obtained: the file is unreadable, the URL answered with an error, or
/// the document is too large. The message names the file or URL and what to check.
public struct JWKSSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A sentence naming the source and the failure.
    public let message: String

    /// Creates an error with a message a person can act on.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
