/// Policy files that cannot be used, with every problem found in them (not just the first).
public struct PolicyLoadError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in file order.
    public var issues: [PolicyIssue]

    public init(issues: [PolicyIssue]) {
        self.issues = issues
    }

    /// One problem per line, each `file:line: field: message`.
    public var description: String {
        issues.map(\.description).joined(separator: "\n")
    }
}
