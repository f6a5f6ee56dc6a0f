import ProtocolParsers
import Testing

/// One row of the policy guardrail table: an SQL string and what the classifier must find.
struct PolicyGuardrailCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: SQLDialect
    var commandClass: SQLCommandClass
    var tables: [String]
    var flags: Set<SQLRiskFlag>
    /// Checked only when set.
    var verb: String?

    var testDescription: String { "[\(dialect)] \(sql.debugDescription)" }

    /// A PostgreSQL row.
    static func pg(
        _ sql: String, _ commandClass: SQLCommandClass, _ tables: [String] = [], _ flags: Set<SQLRiskFlag> = [], verb: String? = nil
    ) -> PolicyGuardrailCase {
        PolicyGuardrailCase(sql: sql, dialect: .postgres, commandClass: commandClass, tables: tables, flags: flags, verb: verb)
    }

    /// A MySQL row.
    static func my(
        _ sql: String, _ commandClass: SQLCommandClass, _ tables: [String] = [], _ flags: Set<SQLRiskFlag> = [], verb: String? = nil
    ) -> PolicyGuardrailCase {
        PolicyGuardrailCase(sql: sql, dialect: .mysql, commandClass: commandClass, tables: tables, flags: flags, verb: verb)
    }
}
