/// What ``PolicyStore/reload(files:)`` did, worded for the log and the audit trail.
public enum PolicyReloadOutcome: Sendable, CustomStringConvertible {
    /// The files loaded cleanly and the new policy is in force.
    case applied(rules: Int, files: [String], digest: String?)
    /// The files are byte for byte what is in force; nothing changed.
    case unchanged(rules: Int, files: [String])
    /// The files have problems; the previous policy stays in force.
    case rejected(PolicyLoadError, keptRules: Int)

    /// Whether the new files are in force now (also when they did not change).
    public var isInForce: Bool {
        if case .rejected = self { return false }
        return true
    }

    public var description: String {
        switch self {
        case .applied(let rules, let files, _):
            return "policy reloaded: \(rules) rule\(rules == 1 ? "" : "s") from \(files.joined(separator: ", "))"
        case .unchanged(let rules, let files):
            return "policy unchanged: \(files.joined(separator: ", ")) (\(rules) rule\(rules == 1 ? "" : "s"))"
        case .rejected(let error, let kept):
            let count = error.issues.count
            return "policy reload refused, the previous policy (\(kept) rule\(kept == 1 ? "" : "s")) stays in force; "
                + "\(count) problem\(count == 1 ? "" : "s"):\n" + error.description
        }
    }
}
