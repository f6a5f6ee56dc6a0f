/// One problem found in a configuration file: the key it concerns, where, and what to do.
public struct ConfigurationIssue: Sendable, Hashable, CustomStringConvertible {
    /// Dotted path of the key, e.g. `connections[0].credential`.
    public var key: String
    /// 1-based line in the file, when known.
    public var line: Int?
    /// What is wrong, phrased so a person can fix it. Never contains a secret value.
    public var message: String

    public init(key: String, line: Int?, message: String) {
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "line \(line): \(key): \(message)" }
        return "\(key): \(message)"
    }
}

/// The configuration could not be used; lists every problem found, not just the first.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file that was read, if any.
    public var file: String?
    public var issues: [ConfigurationIssue]

    public init(file: String?, issues: [ConfigurationIssue]) {
        self.file = file
        self.issues = issues
    }

    public var description: String {
        let head = file.map { "\($0): " } ?? ""
        if issues.count == 1 { return head + issues[0].description }
        return head + "\(issues.count) problems\n" + issues.map { "  - \($0)" }.joined(separator: "\n")
    }
}
