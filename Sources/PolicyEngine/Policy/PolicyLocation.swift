/// Where something in a policy file is: the file and the 1-based line.
public struct PolicyLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as it was given to the loader (or a label for text from memory).
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?

    public init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` when the line is unknown.
    public var description: String {
        line.map { "\(file):\($0)" } ?? file
    }
}
