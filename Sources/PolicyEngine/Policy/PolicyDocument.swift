import Foundation

/// Policy files merged in order and validated: rules (in file order, across files) and
/// masking profiles. Compile it into a ``PolicySet`` to evaluate requests.
///
/// ```swift
/// let document = try PolicyDocument.load(files: ["base.yaml", "contractors.yaml"])
/// let policy = try PolicySet(document: document)
/// ```
public struct PolicyDocument: Sendable, Hashable {
    /// The files (or source names) the document came from, in order.
    public var sources: [String]
    /// Every rule, in order: the first file's rules first.
    public var rules: [PolicyRule]
    /// Masking profiles, in order of definition.
    public var maskingProfiles: [PolicyMaskingProfile]

    public init(sources: [String] = [], rules: [PolicyRule] = [], maskingProfiles: [PolicyMaskingProfile] = []) {
        self.sources = sources
        self.rules = rules
        self.maskingProfiles = maskingProfiles
    }

    /// The masking profile named `name`.
    public func maskingProfile(named name: String) -> PolicyMaskingProfile? {
        maskingProfiles.first { $0.name == name }
    }

    /// Reads and validates `files`, merged in order.
    /// - Throws: ``PolicyLoadError`` with every problem in every file, each naming file,
    ///   line and field (an unreadable file is one problem among the others).
    public static func load(files: [String]) throws(PolicyLoadError) -> PolicyDocument {
        let (sources, unreadable) = readSources(files)
        return try reporting(unreadable) { () throws(PolicyLoadError) in try parse(sources) }
    }

    /// Parses and validates policy texts, merged in order.
    /// - Throws: ``PolicyLoadError`` with every problem found.
    public static func parse(_ sources: [PolicySource]) throws(PolicyLoadError) -> PolicyDocument {
        let collector = PolicyIssueCollector()
        var document = PolicyDocument(sources: sources.map(\.name))
        for source in sources {
            let (rules, profiles) = PolicyDocumentParser(source: source, issues: collector).parse()
            document.rules += rules
            document.maskingProfiles += profiles
        }
        let issues = collector.issues + document.crossReferenceIssues()
        guard issues.isEmpty else { throw PolicyLoadError(issues: sorted(issues, fileOrder: document.sources)) }
        return document
    }

    /// Problems between rules and profiles, possibly in different files: duplicate names and
    /// references to masking profiles nobody defined.
    func crossReferenceIssues() -> [PolicyIssue] {
        var issues: [PolicyIssue] = []
        var ruleNames: [String: PolicyLocation] = [:]
        for rule in rules {
            if let first = ruleNames[rule.name] {
                issues.append(PolicyIssue(location: rule.location(of: "name"), field: rule.field("name"),
                                          message: "rule name '\(rule.name)' is already used at \(first); rule names must be unique across all files"))
            } else {
                ruleNames[rule.name] = rule.location(of: "name")
            }
        }
        var profileNames: [String: PolicyLocation] = [:]
        for profile in maskingProfiles {
            if let first = profileNames[profile.name] {
                issues.append(PolicyIssue(location: profile.location, field: "masking_profiles.\(profile.name)",
                                          message: "masking profile '\(profile.name)' is already defined at \(first)"))
            } else {
                profileNames[profile.name] = profile.location
            }
        }
        for rule in rules {
            guard let name = rule.maskingProfile, profileNames[name] == nil else { continue }
            var message = "names masking profile '\(name)', which no file defines"
            if let suggestion = PolicyVocabulary.suggestion(for: name, among: Array(profileNames.keys).sorted()) {
                message += " (did you mean '\(suggestion)'?)"
            } else if profileNames.isEmpty {
                message += "; define it under masking_profiles"
            }
            issues.append(PolicyIssue(location: rule.location(of: "masking_profile"), field: rule.field("masking_profile"), message: message))
        }
        return issues
    }

    /// The texts of `files`, and a problem for each file that cannot be read.
    static func readSources(_ files: [String]) -> (sources: [PolicySource], unreadable: [PolicyIssue]) {
        var sources: [PolicySource] = []
        var unreadable: [PolicyIssue] = []
        for file in files {
            switch readSource(file) {
            case .success(let source): sources.append(source)
            case .failure(let issue): unreadable.append(issue)
            }
        }
        return (sources, unreadable)
    }

    /// Runs `body` over the readable files and reports its problems after the unreadable files'.
    static func reporting<T>(_ unreadable: [PolicyIssue], _ body: () throws(PolicyLoadError) -> T) throws(PolicyLoadError) -> T {
        let result: T
        do {
            result = try body()
        } catch {
            throw PolicyLoadError(issues: unreadable + error.issues)
        }
        guard unreadable.isEmpty else { throw PolicyLoadError(issues: unreadable) }
        return result
    }

    private static func readSource(_ file: String) -> Result<PolicySource, PolicyIssue> {
        func issue(_ message: String) -> PolicyIssue {
            PolicyIssue(location: PolicyLocation(file: file, line: nil), field: "(file)", message: message)
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory) else {
            return .failure(issue("no such file"))
        }
        guard !isDirectory.boolValue else { return .failure(issue("is a directory; name the policy files in it")) }
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(issue("cannot read the file (check its permissions)"))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return .failure(issue("is not UTF-8 text"))
        }
        return .success(PolicySource(name: file, text: text))
    }

    /// Issues by file (in load order), then line.
    private static func sorted(_ issues: [PolicyIssue], fileOrder: [String]) -> [PolicyIssue] {
        let order = Dictionary(fileOrder.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        return issues.enumerated().sorted { a, b in
            let fileA = order[a.element.location.file] ?? Int.max
            let fileB = order[b.element.location.file] ?? Int.max
            if fileA != fileB { return fileA < fileB }
            let lineA = a.element.location.line ?? 0
            let lineB = b.element.location.line ?? 0
            if lineA != lineB { return lineA < lineB }
            return a.offset < b.offset
        }.map(\.element)
    }
}
