import Testing

@testable import ProtocolParsers

/// One row of the guardrail table: an SQL string and what the classifier must say.
struct SQLClassifierCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: SQLDialect
    var commandClass: SQLCommandClass
    var verb: String
    var tables: [String]
    var flags: Set<SQLRiskFlag>
    /// Checked only when set.
    var hasWhere: Bool?

    var testDescription: String { "[\(dialect)] \(sql)" }
}

/// A PostgreSQL row.
func pg(
    _ sql: String, _ commandClass: SQLCommandClass, _ verb: String, _ tables: [String] = [],
    _ flags: Set<SQLRiskFlag> = [], where hasWhere: Bool? = nil
) -> SQLClassifierCase {
    SQLClassifierCase(
        sql: sql, dialect: .postgres, commandClass: commandClass, verb: verb, tables: tables, flags: flags,
        hasWhere: hasWhere
    )
}

/// A MySQL row.
func my(
    _ sql: String, _ commandClass: SQLCommandClass, _ verb: String, _ tables: [String] = [],
    _ flags: Set<SQLRiskFlag> = [], where hasWhere: Bool? = nil
) -> SQLClassifierCase {
    SQLClassifierCase(
        sql: sql, dialect: .mysql, commandClass: commandClass, verb: verb, tables: tables, flags: flags,
        hasWhere: hasWhere
    )
}
