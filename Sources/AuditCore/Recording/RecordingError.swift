/// Why a recording could not be written or played back. The ``message`` names the session
/// and chunk.
public struct RecordingError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The broad kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable { case invalidSessionID, notFound, missingChunk, alteredChunk, corruptChunk, tooLarge, writeFailed, finished }
        fileprivate let base: Base

        /// The session id cannot name a directory safely.
        public static let invalidSessionID = Code(base: .invalidSessionID)
        /// The session has no recording.
        public static let notFound = Code(base: .notFound)
        /// A chunk file or its `recording.chunk` event is missing.
        public static let missingChunk = Code(base: .missingChunk)
        /// A chunk file does not match the SHA-256 in the audit chain.
        public static let alteredChunk = Code(base: .alteredChunk)
        /// A chunk matches its hash but cannot be decompressed or parsed.
        public static let corruptChunk = Code(base: .corruptChunk)
        /// The recording is too large to load into memory at once.
        public static let tooLarge = Code(base: .tooLarge)
        /// A chunk could not be written or its event could not be appended.
        public static let writeFailed = Code(base: .writeFailed)
        /// The writer was finished (or failed) and takes no more events.
        public static let finished = Code(base: .finished)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What happened, naming the session and chunk.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
