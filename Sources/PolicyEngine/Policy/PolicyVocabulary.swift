import ProtocolParsers

/// The words policy files may use where a fixed set applies: protocols, command classes,
/// checks, days, masking actions and detectors. Unknown words are load errors, so a typo
/// cannot quietly make a rule match nothing.
public enum PolicyVocabulary {
    /// Protocols the gateway speaks.
    public static let protocols: [String] = ["postgres", "mysql", "ssh", "http", "kubernetes"]

    /// Whether commands of `name` are SQL and their objects dotted table names.
    @inline(__always)
    static func isSQL(_ name: String) -> Bool {
        name == "postgres" || name == "mysql"
    }

    /// SQL statement classes (see `SQLCommandClass`).
    public static let sqlClasses: [String] = SQLCommandClass.allCases.map(\.rawValue)
    /// Classes of SSH and other terminal protocols.
    public static let sessionClasses: [String] = ["exec", "shell", "file", "forward"]
    /// HTTP methods, lower case.
    public static let httpMethods: [String] = ["get", "head", "post", "put", "patch", "delete", "options", "connect", "trace"]
    /// Kubernetes API verbs, lower case.
    public static let kubernetesVerbs: [String] = [
        "get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy",
        "impersonate", "bind", "escalate", "approve", "sign", "use",
    ]

    /// Every command class a rule may name (lower case; requests are matched ignoring case).
    public static let commandClasses: [String] = {
        var seen: Set<String> = []
        return (sqlClasses + sessionClasses + httpMethods + kubernetesVerbs).filter { seen.insert($0).inserted }
    }()

    /// The policy name of a risk flag: its case name in snake_case (`delete_without_where`,
    /// `write_in_cte`).
    public static func checkName(_ flag: SQLRiskFlag) -> String {
        let characters = Array(flag.rawValue)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || (previous.isUppercase && nextIsLower) { result.append("_") }
            }
            result.append(contentsOf: character.lowercased())
        }
        return result
    }

    /// Risk flags by policy name.
    public static let checks: [String: SQLRiskFlag] = Dictionary(
        uniqueKeysWithValues: SQLRiskFlag.allCases.map { (checkName($0), $0) })

    /// Check names in declaration order (for messages and documentation).
    public static let checkNames: [String] = SQLRiskFlag.allCases.map(checkName)

    /// Masking actions (the masking engine's names).
    public static let maskingActions: [String] = MaskingAction.names

    /// How many trailing characters the `partial` action may keep.
    public static let maskingKeepRange = MaskingAction.keepRange

    /// Value detectors a masking profile may name (the masking engine's detector names).
    public static let detectors: [String] = MaskingDetector.allCases.map(\.rawValue)

    /// The known word closest to `word`, when it is a likely typo (at most two edits away).
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate)
            if distance <= 2 && distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// "must be one of a, b, c, not 'x'", with a suggestion when one is close.
    static func oneOf(_ candidates: [String], not value: String) -> String {
        var message = "must be one of \(candidates.joined(separator: ", ")), not '\(value)'"
        if let suggestion = suggestion(for: value, among: candidates) { message += " (did you mean '\(suggestion)'?)" }
        return message
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
