/// What ``SQLClassifier`` found out about a statement.
public struct SQLStatementInfo: Sendable, Hashable {
    /// The statement's broad kind.
    public var commandClass: SQLCommandClass
    /// The upper-cased leading command, e.g. `SELECT`, `DELETE`, `CREATE TABLE`,
    /// `ALTER SYSTEM`, `COPY`. For a `WITH` query it is the main statement's verb; empty
    /// when the statement does not start with a keyword.
    public var verb: String
    /// Tables (and views) the statement reads or targets, schema-qualified as written,
    /// unquoted, lower-cased unless quoted, deduplicated, in order of appearance. CTE names
    /// and subquery aliases are not tables.
    public var tables: [String]
    /// Whether the main statement has a `WHERE` at its top level; meaningful for `UPDATE`
    /// and `DELETE`.
    public var hasWhereClause: Bool
    /// Risky traits found.
    public var flags: Set<SQLRiskFlag>

    /// Creates a statement description.
    public init(
        commandClass: SQLCommandClass,
        verb: String,
        tables: [String] = [],
        hasWhereClause: Bool = false,
        flags: Set<SQLRiskFlag> = []
    ) {
        self.commandClass = commandClass
        self.verb = verb
        self.tables = tables
        self.hasWhereClause = hasWhereClause
        self.flags = flags
    }
}
