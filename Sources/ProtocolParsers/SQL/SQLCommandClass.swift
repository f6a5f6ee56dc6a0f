/// The broad kind of an SQL statement, as policy rules name it.
///
/// - `read`: `SELECT`, `VALUES`, `TABLE`, `SHOW`, `EXPLAIN` (without `ANALYZE` of a write),
///   `COPY ... TO`, `FETCH`, MySQL `DESCRIBE`.
/// - `write`: `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `COPY ... FROM`, `UPSERT`, `REPLACE`,
///   `SELECT ... INTO table`, data-modifying CTEs, `DO`, `CALL`, MySQL `LOAD DATA`.
/// - `ddl`: `CREATE`, `ALTER`, `DROP`, `TRUNCATE`, `COMMENT`, `RENAME`, `SECURITY LABEL`,
///   `IMPORT FOREIGN SCHEMA`.
/// - `dcl`: `GRANT`, `REVOKE`, `CREATE|ALTER|DROP ROLE|USER|GROUP|POLICY`, `ALTER DEFAULT
///   PRIVILEGES`, `REASSIGN OWNED`, `DROP OWNED`, `SET ROLE`, `SET SESSION AUTHORIZATION`,
///   MySQL `SET PASSWORD`, `RENAME USER`.
/// - `transaction`: `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`,
///   `SAVEPOINT`, `RELEASE`, `PREPARE TRANSACTION`, `SET TRANSACTION`, `SET CONSTRAINTS`, `XA`.
/// - `admin`: statements that reach beyond the session — server configuration,
///   maintenance, other sessions, server-side programs: `ALTER SYSTEM`, `VACUUM`,
///   `ANALYZE`, `CHECKPOINT`, `REINDEX`, `CLUSTER`, `LOAD`, `LOCK`, `REFRESH MATERIALIZED
///   VIEW`, `COPY ... PROGRAM`; MySQL `KILL`, `FLUSH`, `SET GLOBAL`, `RESET`, `SELECT ... INTO
///   OUTFILE`, replication and plugin statements.
/// - `utility`: session-local statements with no data effect: `SET`, `RESET`, `DISCARD`,
///   `LISTEN`, `UNLISTEN`, `NOTIFY`, `EXECUTE`, `DEALLOCATE`, `CLOSE`, `MOVE`, MySQL `USE`.
/// - `unknown`: anything else, including empty input.
public enum SQLCommandClass: String, Sendable, Hashable, CaseIterable {
    case read, write, ddl, dcl, transaction, admin, utility, unknown

    /// How much a class weighs when several statements are summarised into one: the
    /// heaviest class wins.
    var severity: Int {
        switch self {
        case .read: 0
        case .transaction: 1
        case .utility: 2
        case .unknown: 3
        case .write: 4
        case .ddl: 5
        case .admin: 6
        case .dcl: 7
        }
    }
}
