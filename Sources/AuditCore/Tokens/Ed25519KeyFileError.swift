/// A key file could not be read, created or trusted. The message names the file and what to do.
public struct Ed25519KeyFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A sentence naming the file and the fix.
    public let message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
