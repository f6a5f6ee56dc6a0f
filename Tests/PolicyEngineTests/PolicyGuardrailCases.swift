import ProtocolParsers

/// The policy guardrail table: SQL that tries to slip past statement-level policy, with the
/// class, tables and flags the classifier must report. It complements the classifier's own
/// table (Tests/ProtocolParsersTests/SQL) with none of its strings: attacks on statement
/// splitting, routine bodies, quoting and comments, and the statements each check exists for.
enum PolicyGuardrailCases {
    typealias Row = PolicyGuardrailCase

    static let all: [Row] = hiddenStatements + routineBodies + quoting + comments + caseAndWhitespace + unboundedWrites
        + ctes + lockingReads + sideEffects + copyProgram + alterSystem + roleChanges + ddlAndDrops + multiStatement + mysql

    // MARK: - Statements hidden after a semicolon inside a string

    static let hiddenStatements: [Row] = [
        .pg("SELECT ';' ; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT '' ';DELETE FROM t'", .read),
        .pg("SELECT 'O''Reilly'; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT 'a'';DELETE FROM t;--' FROM u", .read, ["u"]),
        .pg(#"SELECT '\'; DELETE FROM t; --'"#, .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg(#"SELECT E'\''; DELETE FROM t"#, .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg(#"SELECT E'\\'; DELETE FROM t"#, .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg(#"SELECT e'it\'s; DROP TABLE x' FROM u"#, .read, ["u"]),
        .pg(#"SELECT e'it\'s'; DROP TABLE x"#, .ddl, ["x"], [.multipleStatements, .drop]),
        .pg("SELECT $$;DELETE FROM t;$$ FROM u", .read, ["u"]),
        .pg("SELECT $q$;$q$; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT $a$ $b$ ; $b$ ; DROP TABLE x $a$", .read),
        .pg("SELECT $t1$ ; DROP TABLE x $t1$ FROM u", .read, ["u"]),
        .pg("SELECT $$a$$; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT a$$b; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT x$y FROM t", .read, ["t"]),
        .pg("SELECT $1, $2 FROM t WHERE a = $3", .read, ["t"]),
        .pg(#"SELECT 1 AS "a""; DELETE FROM t; --" FROM u"#, .read, ["u"]),
        .pg(#"DELETE FROM "my;table""#, .write, ["my;table"], [.deleteWithoutWhere]),
        .pg(#"SELECT "--" ; DELETE FROM t"#, .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT $$--$$; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT '/*' ; DELETE FROM t; '*/'", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT B'0101', X'ff'; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg(#"SELECT U&'\0041;' UESCAPE '!' FROM t"#, .read, ["t"]),
        .pg("UPDATE t SET a = 'x;y' WHERE b = $$;$$", .write, ["t"]),
        .pg(#"LISTEN "x; DROP TABLE t""#, .utility),
    ]

    // MARK: - SQL-standard routine bodies (BEGIN ATOMIC ... END)

    /// A label named `case`/`end`/`begin` inside a body must not move the body's end: the
    /// server ends it at the first END that starts a body statement (checked against
    /// PostgreSQL 15, which runs the trailing DELETE in each of these).
    static let routineBodies: [Row] = [
        .pg(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS case; END; DELETE FROM u", .ddl, ["u"],
            [.multipleStatements, .deleteWithoutWhere]),
        .pg(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 case; END; DELETE FROM u", .ddl, ["u"],
            [.multipleStatements, .deleteWithoutWhere]),
        .pg(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT u.case FROM u; END; DELETE FROM u", .ddl, ["u"],
            [.multipleStatements, .deleteWithoutWhere]),
        .pg(
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS begin; END; DELETE FROM u", .ddl, ["u"],
            [.multipleStatements, .deleteWithoutWhere]),
        .pg(
            "create or replace function f() returns int language sql begin atomic select case when true then 1 end; end; drop table x",
            .ddl, ["x"], [.multipleStatements, .drop]),
        .pg("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1 AS end; DELETE FROM u; END", .ddl, ["u"]),
        .pg("CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC END; END", .ddl, [], [.multipleStatements], verb: "CREATE PROCEDURE"),
        .pg(
            "CREATE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO log VALUES (1); UPDATE t SET a = 1 WHERE b; END", .ddl,
            verb: "CREATE PROCEDURE"),
        .pg("CREATE FUNCTION f(begin int, atomic int) RETURNS int LANGUAGE sql RETURN 1; DELETE FROM u", .ddl, ["u"],
            [.multipleStatements, .deleteWithoutWhere]),
        .pg("CREATE OR REPLACE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN DELETE FROM t; END $$", .ddl, [], verb: "CREATE PROCEDURE"),
        .pg("DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$", .write, verb: "DO"),
        .pg("BEGIN; SELECT 1; END; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
    ]

    // MARK: - Quoted identifiers

    static let quoting: [Row] = [
        .pg(#"SELECT * FROM "orders""#, .read, ["orders"]),
        .pg(#"SELECT * FROM "ORDERS""#, .read, ["ORDERS"]),
        .pg(#"SELECT * FROM public."Order Items""#, .read, ["public.Order Items"]),
        .pg(#"DELETE FROM "public"."orders""#, .write, ["public.orders"], [.deleteWithoutWhere]),
        .pg(#"UPDATE "t" SET "where" = 1"#, .write, ["t"], [.updateWithoutWhere]),
        .pg(#"DELETE FROM t WHERE "x" = 'y'"#, .write, ["t"]),
        .pg(#"SELECT "for", "update" FROM t"#, .read, ["t"]),
        .pg(#"select * from "T" where "ID" = 1"#, .read, ["T"]),
        .pg("SELECT * FROM T WHERE ID = 1", .read, ["t"]),
        .pg(#"SELECT * FROM ONLY "Sch"."Tab" * WHERE x"#, .read, ["Sch.Tab"]),
        .pg(#"TRUNCATE TABLE ONLY "Orders""#, .ddl, ["Orders"], [.truncate]),
        .pg(#"COPY "T" TO PROGRAM 'gzip'"#, .admin, ["T"], [.copyProgram]),
        .pg(#"SELECT "PG_READ_FILE"('x')"#, .read),
        .pg("SELECT * FROM café", .read, ["café"]),
        .pg(#"WITH "Q" AS (SELECT * FROM t) SELECT * FROM "Q""#, .read, ["t"]),
    ]

    // MARK: - Comments

    static let comments: [Row] = [
        .pg("/* a /* b */ DELETE FROM t */ SELECT 1", .read),
        .pg("/* a /* b */ c */ DELETE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("SELECT 1 /* ; */ ; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT 1--\n; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("SELECT 2---1", .read),
        .pg("/* -- */ DELETE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("-- /*\nDELETE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("SELECT 'a' -- it's\n, 'b' FROM t", .read, ["t"]),
        .pg("SELECT 1 /* unterminated /* nested */", .read),
        .pg("SELECT * FROM t -- FOR UPDATE", .read, ["t"]),
        .pg("SELECT * FROM t; -- DROP TABLE t", .read, ["t"]),
        .pg("SELECT * FROM t; /* DROP TABLE t */", .read, ["t"]),
        .pg("SELECT pg_terminate_backend/**/(1)", .read, [], [.sideEffectFunction]),
        .pg("/* x */ ALTER /* y */ SYSTEM SET x = 1", .admin, [], [.alterSystem]),
        .pg("delete from t where/**/id=1", .write, ["t"]),
        .pg("UPDATE t SET a = 1 /* WHERE id = 1 */", .write, ["t"], [.updateWithoutWhere]),
        .pg("DELETE FROM t --\nWHERE id = 1", .write, ["t"]),
    ]

    // MARK: - Case and whitespace

    static let caseAndWhitespace: [Row] = [
        .pg("dElEtE fRoM T", .write, ["t"], [.deleteWithoutWhere]),
        .pg("\tDELETE\r\nFROM\u{0C}t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("  \n  UPDATE\n\tt\n\tSET a=1", .write, ["t"], [.updateWithoutWhere]),
        .pg("TrUnCaTe   orders", .ddl, ["orders"], [.truncate]),
        .pg("  SELECT 1  ;  ", .read),
        .pg(";;SELECT 1", .read),
        .pg("SELECT 1; /* c */ ;", .read),
        .pg("SELECT 1;  -- trailing comment", .read),
        .pg("delete from t where(id=1)", .write, ["t"]),
        .pg("DELETE\nFROM\norders\nWHERE\nid=1", .write, ["orders"]),
        .pg("SeLeCt * FrOm OrDeRs FoR uPdAtE", .read, ["orders"], [.selectForUpdate]),
        .pg("copy T to Program 'x'", .admin, ["t"], [.copyProgram]),
    ]

    // MARK: - DELETE and UPDATE without WHERE

    static let unboundedWrites: [Row] = [
        .pg("DELETE FROM t x", .write, ["t"], [.deleteWithoutWhere]),
        .pg("DELETE FROM t AS x WHERE x.id = 1", .write, ["t"]),
        .pg("UPDATE t AS x SET a = 1 WHERE x.id = 1", .write, ["t"]),
        .pg("UPDATE t SET (a, b) = (1, 2)", .write, ["t"], [.updateWithoutWhere]),
        .pg("UPDATE t SET a = 1 FROM u", .write, ["t", "u"], [.updateWithoutWhere]),
        .pg("UPDATE t SET a = 1 WHERE a IS NULL RETURNING *", .write, ["t"]),
        .pg("DELETE FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)", .write, ["t", "u"]),
        .pg("DELETE FROM t WHERE ctid = (SELECT ctid FROM t LIMIT 1)", .write, ["t"]),
        .pg("UPDATE t SET a = (SELECT b FROM u WHERE u.id = 1)", .write, ["t", "u"], [.updateWithoutWhere]),
        .pg("DELETE FROM ONLY t WHERE true", .write, ["t"]),
        .pg("EXPLAIN ANALYZE UPDATE t SET a = 1", .write, ["t"], [.updateWithoutWhere]),
        .pg("PREPARE p AS UPDATE t SET a = $1", .write, ["t"], [.updateWithoutWhere]),
        .pg("DECLARE c CURSOR FOR DELETE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("INSERT INTO t DEFAULT VALUES", .write, ["t"]),
        .pg(
            "INSERT INTO s.t AS x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a WHERE x.a > 0", .write, ["s.t"]),
        .pg("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = s.a", .write, ["t", "s"]),
    ]

    // MARK: - CTEs with writes

    static let ctes: [Row] = [
        .pg("WITH t AS (UPDATE a SET x = 1 WHERE id = 1 RETURNING *) SELECT * FROM t", .write, ["a"], [.writeInCTE]),
        .pg(
            "WITH a AS (SELECT * FROM x), b AS (DELETE FROM y RETURNING *) SELECT * FROM a, b", .write, ["x", "y"],
            [.writeInCTE, .deleteWithoutWhere]),
        .pg(
            "WITH a AS (INSERT INTO log VALUES (1) RETURNING id) UPDATE t SET x = a.id FROM a WHERE t.id = 1", .write,
            ["log", "t"], [.writeInCTE]),
        .pg("WITH x AS (SELECT 1) DELETE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .pg("WITH x AS (DELETE FROM a WHERE id = 1 RETURNING *) DELETE FROM b", .write, ["a", "b"], [.writeInCTE, .deleteWithoutWhere]),
        .pg(
            "WITH d AS (DELETE FROM live RETURNING *) INSERT INTO archive SELECT * FROM d", .write, ["live", "archive"],
            [.writeInCTE, .deleteWithoutWhere]),
        .pg("WITH q AS (SELECT * FROM t) SELECT * FROM Q", .read, ["t"]),
        .pg("WITH orders AS (SELECT 1) SELECT * FROM public.orders", .read, ["public.orders"]),
        .pg("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) SELECT * FROM r", .read),
        .pg(
            "EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", .write, ["t"],
            [.writeInCTE, .deleteWithoutWhere]),
        .pg("EXPLAIN WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d", .read, ["t"]),
        .pg(
            "with u as (update accounts set balance = 0 returning id) select count(*) from u", .write, ["accounts"],
            [.writeInCTE, .updateWithoutWhere]),
        .pg(
            "WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id) RETURNING *) SELECT 1",
            .write, ["t", "s"], [.writeInCTE]),
    ]

    // MARK: - SELECT ... FOR UPDATE

    static let lockingReads: [Row] = [
        .pg("SELECT * FROM t FOR UPDATE OF t SKIP LOCKED", .read, ["t"], [.selectForUpdate]),
        .pg("SELECT * FROM t FOR NO KEY UPDATE NOWAIT", .read, ["t"], [.selectForUpdate]),
        .pg("select * from t for share", .read, ["t"], [.selectForUpdate]),
        .pg("SELECT for_update FROM t", .read, ["t"]),
        .pg("SELECT * FROM t1 WHERE id = ANY (SELECT id FROM t2 FOR UPDATE)", .read, ["t1", "t2"], [.selectForUpdate]),
        .pg("DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE", .read, ["t"], [.selectForUpdate]),
        .pg(
            "SELECT * FROM t WHERE id = 1 FOR UPDATE; UPDATE t SET a = 1 WHERE id = 1", .write, ["t"],
            [.multipleStatements, .selectForUpdate]),
        .pg("SELECT 'for update' FROM t", .read, ["t"]),
    ]

    // MARK: - Functions with side effects

    static let sideEffects: [Row] = [
        .pg("SELECT * FROM dblink('host=x', 'select 1') AS t(a int)", .read, [], [.sideEffectFunction]),
        .pg("SELECT evil.pg_read_file('x')", .read, [], [.sideEffectFunction]),
        .pg("SELECT pg_read_file FROM t", .read, ["t"]),
        .pg("SELECT * FROM lo_import('/etc/passwd')", .read, [], [.sideEffectFunction]),
        .pg("SELECT query_to_xml('delete from t', true, true, '')", .read, [], [.sideEffectFunction]),
        .pg("VALUES (pg_terminate_backend(1))", .read, [], [.sideEffectFunction]),
        .pg("SELECT 1 UNION SELECT pg_cancel_backend(2)", .read, [], [.sideEffectFunction]),
        .pg("INSERT INTO t VALUES (pg_read_file('/etc/passwd'))", .write, ["t"], [.sideEffectFunction]),
        .pg("SELECT set_config('session_authorization', 'postgres', false)", .read, [], [.sideEffectFunction]),
        .pg("SELECT lo_from_bytea(0, 'x')", .read, [], [.sideEffectFunction]),
        .pg("SELECT pg_notify('ch', 'x')", .read, [], [.sideEffectFunction]),
        .pg("SELECT pg_promote()", .read, [], [.sideEffectFunction]),
        .pg("SELECT pg_reload_conf(); SELECT 1", .read, [], [.multipleStatements, .sideEffectFunction]),
        .pg("SELECT pg_terminate_backend (pid) FROM pg_stat_activity WHERE usename = 'x'", .read, ["pg_stat_activity"], [.sideEffectFunction]),
        .pg("SELECT pg_sleep(1)", .read),
        .pg("SELECT current_setting('role')", .read),
        .pg("EXPLAIN SELECT pg_read_file('/etc/passwd')", .read),
    ]

    // MARK: - COPY ... PROGRAM and server files

    static let copyProgram: [Row] = [
        .pg("COPY t FROM PROGRAM $$curl x$$", .admin, ["t"], [.copyProgram]),
        .pg("copy t (a, b) from program 'x' with (format csv)", .admin, ["t"], [.copyProgram]),
        .pg("COPY (SELECT * FROM t) TO PROGRAM 'cat'", .admin, ["t"], [.copyProgram]),
        .pg("COPY t TO PROGRAM", .admin, ["t"], [.copyProgram]),
        .pg("SELECT * FROM t; COPY t TO PROGRAM 'x'", .admin, ["t"], [.multipleStatements, .copyProgram]),
        .pg("copy (select * from t) to '/tmp/x'", .read, ["t"], [.serverFileAccess]),
        .pg("COPY t FROM STDIN; DROP TABLE x", .ddl, ["t", "x"], [.multipleStatements, .drop]),
        .pg("COPY t TO STDOUT WITH (FORMAT csv, HEADER)", .read, ["t"]),
    ]

    // MARK: - ALTER SYSTEM

    static let alterSystem: [Row] = [
        .pg("ALTER SYSTEM RESET ALL", .admin, [], [.alterSystem]),
        .pg("ALTER SYSTEM SET archive_command = 'curl x'", .admin, [], [.alterSystem]),
        .pg("alter system set log_statement = 'none'", .admin, [], [.alterSystem]),
        .pg("ALTER\nSYSTEM\nSET shared_preload_libraries = 'evil'", .admin, [], [.alterSystem]),
        .pg("SELECT 1; ALTER SYSTEM SET fsync = off", .admin, [], [.multipleStatements, .alterSystem]),
    ]

    // MARK: - Role and grant changes

    static let roleChanges: [Row] = [
        .pg("SET session_authorization = 'postgres'", .dcl, [], [.roleOrGrantChange], verb: "SET SESSION AUTHORIZATION"),
        .pg("SET LOCAL session_authorization TO 'x'", .dcl, [], [.roleOrGrantChange], verb: "SET SESSION AUTHORIZATION"),
        .pg("RESET session_authorization", .dcl, [], [.roleOrGrantChange], verb: "RESET SESSION AUTHORIZATION"),
        .pg("SET LOCAL ROLE admin", .dcl, [], [.roleOrGrantChange]),
        .pg("SET SESSION ROLE admin", .dcl, [], [.roleOrGrantChange]),
        .pg("SET role TO admin", .dcl, [], [.roleOrGrantChange]),
        .pg("ALTER SCHEMA s OWNER TO x", .ddl, [], [.roleOrGrantChange]),
        .pg("ALTER DATABASE d OWNER TO x", .ddl, [], [.roleOrGrantChange]),
        .pg("ALTER FUNCTION f() OWNER TO x", .ddl, [], [.roleOrGrantChange]),
        .pg("ALTER TABLE t OWNER TO CURRENT_USER", .ddl, ["t"], [.roleOrGrantChange]),
        .pg("ALTER TABLE t ENABLE ROW LEVEL SECURITY", .ddl, ["t"], [.roleOrGrantChange]),
        .pg("ALTER TABLE t FORCE ROW LEVEL SECURITY", .ddl, ["t"], [.roleOrGrantChange]),
        .pg("ALTER POLICY p ON t USING (true)", .dcl, ["t"], [.roleOrGrantChange]),
        .pg("DROP POLICY p ON t", .dcl, ["t"], [.roleOrGrantChange, .drop]),
        .pg("CREATE GROUP g", .dcl, [], [.roleOrGrantChange]),
        .pg("ALTER GROUP g ADD USER u", .dcl, [], [.roleOrGrantChange]),
        .pg("GRANT pg_read_server_files TO bob", .dcl, [], [.roleOrGrantChange]),
        .pg("GRANT USAGE ON SCHEMA s TO r", .dcl, [], [.roleOrGrantChange]),
        .pg("REVOKE ALL ON DATABASE d FROM public", .dcl, [], [.roleOrGrantChange]),
        .pg("GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO PUBLIC", .dcl, [], [.roleOrGrantChange]),
        .pg("ALTER ROLE ALL SET search_path = evil", .dcl, [], [.roleOrGrantChange]),
        .pg("GRANT SELECT ON t TO bob; SET ROLE bob", .dcl, ["t"], [.multipleStatements, .roleOrGrantChange]),
    ]

    // MARK: - DDL and DROP

    static let ddlAndDrops: [Row] = [
        .pg("DROP TRIGGER trg ON t", .ddl, ["t"], [.drop]),
        .pg("DROP TRIGGER IF EXISTS trg ON s.t CASCADE", .ddl, ["s.t"], [.drop]),
        .pg("DROP RULE r ON s.t", .ddl, ["s.t"], [.drop]),
        .pg("ALTER TRIGGER trg ON t RENAME TO trg2", .ddl, ["t"]),
        .pg("DROP TABLE IF EXISTS public.a, b CASCADE", .ddl, ["public.a", "b"], [.drop]),
        .pg("DROP EXTENSION dblink", .ddl, [], [.drop]),
        .pg("ALTER TABLE t DROP COLUMN IF EXISTS c", .ddl, ["t"], [.drop]),
        .pg("ALTER TABLE t RENAME COLUMN a TO b", .ddl, ["t"]),
        .pg("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)", .ddl, ["t"]),
        .pg("CREATE TABLE t2 (LIKE t1)", .ddl, ["t2"]),
        .pg("CREATE TEMP TABLE x ON COMMIT DROP AS SELECT * FROM t", .ddl, ["x", "t"]),
        .pg("CREATE MATERIALIZED VIEW m AS SELECT * FROM t WITH NO DATA", .ddl, ["m", "t"]),
        .pg("TRUNCATE a, b RESTART IDENTITY", .ddl, ["a", "b"], [.truncate]),
        .pg("SELECT * INTO TEMPORARY x FROM t", .write, ["x", "t"]),
    ]

    // MARK: - Several statements in one string

    static let multiStatement: [Row] = [
        .pg("SELECT 1; SELECT 2", .read, [], [.multipleStatements]),
        .pg("SELECT 1;SELECT 2;SELECT 3", .read, [], [.multipleStatements]),
        .pg("BEGIN; DELETE FROM t; COMMIT", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .pg("CREATE VIEW v AS SELECT * FROM t; DROP VIEW v", .ddl, ["v", "t"], [.multipleStatements, .drop]),
        .pg("CREATE TABLE t (id int); INSERT INTO t VALUES (1)", .ddl, ["t"], [.multipleStatements]),
        .pg("CHECKPOINT; SELECT 1", .admin, [], [.multipleStatements]),
        .pg("SELECT * FROM a; TRUNCATE b; GRANT ALL ON c TO d", .dcl, ["a", "b", "c"], [.multipleStatements, .truncate, .roleOrGrantChange]),
        .pg("UPDATE t SET a = 1 WHERE id = 1; UPDATE t SET a = 2", .write, ["t"], [.multipleStatements, .updateWithoutWhere]),
    ]

    // MARK: - MySQL

    static let mysql: [Row] = [
        .my(#"SELECT * FROM t WHERE a = "x"";DROP TABLE t;--""#, .read, ["t"]),
        .my(#"SELECT "a\";DROP TABLE t;--" FROM t"#, .read, ["t"]),
        .my(#"SELECT 'a\\'; DROP TABLE t; -- '"#, .ddl, ["t"], [.multipleStatements, .drop]),
        .my("SELECT `a``;b` FROM t", .read, ["t"]),
        .my("SELECT * FROM `a;b`", .read, ["a;b"]),
        .my("SELECT * FROM t WHERE a = 'x' # ; DROP TABLE t", .read, ["t"]),
        .my("SELECT 1 --; DROP TABLE x", .ddl, ["x"], [.multipleStatements, .drop]),
        .my("SELECT 1 -- ; DROP TABLE x", .read),
        .my("/* a /* b */ DROP TABLE x */", .ddl, ["x"], [.drop]),
        .my("DELETE LOW_PRIORITY QUICK IGNORE FROM t", .write, ["t"], [.deleteWithoutWhere]),
        .my("UPDATE IGNORE t SET a = 1", .write, ["t"], [.updateWithoutWhere]),
        .my("UPDATE t SET a = 1 ORDER BY id LIMIT 1", .write, ["t"], [.updateWithoutWhere]),
        .my("DELETE FROM t ORDER BY id LIMIT 1", .write, ["t"], [.deleteWithoutWhere]),
        .my("DELETE t1, t2 FROM t1 INNER JOIN t2 WHERE t1.id = t2.id", .write, ["t1", "t2"]),
        .my("select * from `orders` where `where` = 1", .read, ["orders"]),
        .my("CREATE /*!32302 TEMPORARY */ TABLE t (a int)", .ddl, ["t"]),
        .my("ALTER USER 'bob'@'%' IDENTIFIED BY 'x'", .dcl, [], [.roleOrGrantChange]),
        .my("SET ROLE admin", .dcl, [], [.roleOrGrantChange]),
        .my("RENAME USER a TO b", .dcl, [], [.roleOrGrantChange]),
        .my("REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'bob'@'%'", .dcl, [], [.roleOrGrantChange]),
        .my("SELECT sys_exec('id')", .read, [], [.sideEffectFunction]),
        .my("SELECT LOAD_FILE(0x2f6574632f706173737764)", .read, [], [.sideEffectFunction]),
        .my("SELECT x INTO DUMPFILE '/tmp/x' FROM t", .admin, ["t"], [.serverFileAccess]),
        .my("SELECT * FROM t INTO OUTFILE '/var/lib/mysql-files/x'", .admin, ["t"], [.serverFileAccess]),
        .my("LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE t", .write, ["t"]),
        .my("INSERT INTO t SET a = 1", .write, ["t"]),
        .my("REPLACE INTO t SELECT * FROM s", .write, ["t", "s"]),
        .my("SELECT * FROM t FOR SHARE", .read, ["t"], [.selectForUpdate]),
        .my("ALTER TABLE t DROP COLUMN c", .ddl, ["t"], [.drop]),
        .my("ALTER TABLE t DROP INDEX i", .ddl, ["t"]),
        .my("DROP SCHEMA shop", .ddl, [], [.drop]),
        .my("SELECT 1; DELETE FROM t", .write, ["t"], [.multipleStatements, .deleteWithoutWhere]),
        .my("INSERT INTO t VALUES (1); SHUTDOWN", .admin, ["t"], [.multipleStatements]),
        .my("SET GLOBAL general_log = 'OFF'", .admin, verb: "SET GLOBAL"),
        .my("SET PERSIST max_connections = 1", .admin, verb: "SET GLOBAL"),
        .my("FLUSH TABLES WITH READ LOCK", .admin),
        .my("INSTALL PLUGIN p SONAME 'x.so'", .admin),
        .my("CHANGE MASTER TO MASTER_HOST = 'evil'", .admin),
        .my("EXPLAIN t", .read, ["t"]),
        .my("CALL p()", .write),
    ]
}
