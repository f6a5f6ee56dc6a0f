/// A risky trait of an SQL statement that policy guardrails can act on.
public enum SQLRiskFlag: String, Sendable, Hashable, CaseIterable {
    /// `DELETE` without a `WHERE` clause (also inside a CTE).
    case deleteWithoutWhere
    /// `UPDATE` without a `WHERE` clause (also inside a CTE).
    case updateWithoutWhere
    /// Any `DROP` statement, and `ALTER TABLE ... DROP [COLUMN|PARTITION]` that loses data.
    case drop
    /// `TRUNCATE`.
    case truncate
    /// `COPY ... TO PROGRAM` or `COPY ... FROM PROGRAM`: runs a shell command on the server.
    case copyProgram
    /// `ALTER SYSTEM`: changes server configuration.
    case alterSystem
    /// Role, grant or ownership changes: `GRANT`, `REVOKE`, `CREATE|ALTER|DROP ROLE|USER`,
    /// `ALTER DEFAULT PRIVILEGES`, row-level-security policies, `OWNER TO`, `SET ROLE`.
    case roleOrGrantChange
    /// A data-modifying statement inside a `WITH` clause.
    case writeInCTE
    /// `SELECT ... FOR UPDATE|NO KEY UPDATE|SHARE|KEY SHARE` (MySQL: `LOCK IN SHARE MODE`).
    case selectForUpdate
    /// A call to a function with effects beyond the query: `pg_terminate_backend`,
    /// `pg_cancel_backend`, `set_config`, `pg_reload_conf`, `lo_import`, `lo_export`,
    /// `dblink_exec`, `pg_read_file`, `pg_write_file`, MySQL `load_file`, and others.
    case sideEffectFunction
    /// More than one statement in one string.
    case multipleStatements
    /// Server-side file access: `COPY ... FROM|TO 'file'`, MySQL `SELECT ... INTO
    /// OUTFILE|DUMPFILE` and `LOAD DATA INFILE` without `LOCAL`.
    case serverFileAccess
}
