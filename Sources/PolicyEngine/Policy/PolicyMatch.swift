import ProtocolParsers

/// The conditions of a rule (`match:`). Every condition given must hold; a condition left
/// out (nil) holds for anything. Name lists are globs (see Docs/policy.md).
///
/// `classes`, `objects` and `checks` are *command conditions*: a rule with any of them
/// matches only commands, never the opening of a connection (a request without a command).
public struct PolicyMatch: Sendable, Hashable {
    /// Connection names (globs).
    public var connections: [String]?
    /// Protocols (from ``PolicyVocabulary/protocols``).
    public var protocols: [String]?
    /// Root subjects (globs).
    public var subjects: [String]?
    /// Groups (globs); any one of the identity's groups must match.
    public var groups: [String]?
    /// Actor names (globs); any actor anywhere in the delegation chain must match.
    public var actors: [String]?
    /// Fewest actors in the delegation chain (0 = the subject acting directly).
    public var minDepth: Int?
    /// Most actors in the delegation chain.
    public var maxDepth: Int?
    /// Command classes (from ``PolicyVocabulary/commandClasses``).
    public var classes: [String]?
    /// Object patterns (dotted table names for SQL, whole paths otherwise; see
    /// Docs/policy.md); any one touched object must match one of them.
    public var objects: [String]?
    /// Risk flags; any one of them must be found in the command.
    public var checks: Set<SQLRiskFlag>?
    /// When the rule applies.
    public var time: PolicyTimeWindow?
    /// Whether a just-in-time grant must (or must not) cover the request.
    public var grant: PolicyGrantCondition?

    public init(
        connections: [String]? = nil, protocols: [String]? = nil, subjects: [String]? = nil, groups: [String]? = nil,
        actors: [String]? = nil, minDepth: Int? = nil, maxDepth: Int? = nil, classes: [String]? = nil,
        objects: [String]? = nil, checks: Set<SQLRiskFlag>? = nil, time: PolicyTimeWindow? = nil,
        grant: PolicyGrantCondition? = nil
    ) {
        self.connections = connections
        self.protocols = protocols
        self.subjects = subjects
        self.groups = groups
        self.actors = actors
        self.minDepth = minDepth
        self.maxDepth = maxDepth
        self.classes = classes
        self.objects = objects
        self.checks = checks
        self.time = time
        self.grant = grant
    }

    /// Whether the rule has conditions only a command can meet (`classes`, `objects`, `checks`).
    public var hasCommandConditions: Bool {
        classes != nil || objects != nil || checks != nil
    }
}
