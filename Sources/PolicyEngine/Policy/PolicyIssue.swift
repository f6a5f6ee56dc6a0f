/// One problem found in policy files: where it is, which field, and what to do about it.
public struct PolicyIssue: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file and line the problem is at.
    public var location: PolicyLocation
    /// The field's path, such as `rules[2].match.classes[1]`, or `(syntax)` / `(file)`.
    public var field: String
    /// What is wrong, in words a person can act on.
    public var message: String

    public init(location: PolicyLocation, field: String, message: String) {
        self.location = location
        self.field = field
        self.message = message
    }

    /// `file:line: field: message`, the shape editors and `auditctl policy check` use.
    public var description: String {
        "\(location): \(field): \(message)"
    }
}
