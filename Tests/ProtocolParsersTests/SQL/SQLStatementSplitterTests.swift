import Testing

@testable import ProtocolParsers

/// A multi-statement string and the statement texts it must split into.
struct SQLSplitCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: SQLDialect = .postgres
    var pieces: [String]
    var testDescription: String { "[\(dialect)] \(sql)" }
}

let sqlSplitCases: [SQLSplitCase] = [
    .init(sql: "SELECT 1; SELECT 2", pieces: ["SELECT 1", "SELECT 2"]),
    .init(sql: "  SELECT 1 ;\n\n SELECT 2 ;  ", pieces: ["SELECT 1", "SELECT 2"]),
    .init(sql: ";;SELECT 1;;;SELECT 2;;", pieces: ["SELECT 1", "SELECT 2"]),
    .init(sql: "", pieces: []),
    .init(sql: " ; ; ", pieces: []),
    .init(sql: "-- nothing here;\n/* nor; here */ ;", pieces: []),
    .init(sql: "SELECT 1; -- trailing; comment", pieces: ["SELECT 1"]),
    .init(sql: "/* lead */ SELECT 1; SELECT 2 /* tail; */", pieces: ["/* lead */ SELECT 1", "SELECT 2 /* tail; */"]),
    .init(sql: "SELECT ';DROP TABLE x;--'; SELECT 2", pieces: ["SELECT ';DROP TABLE x;--'", "SELECT 2"]),
    .init(sql: "SELECT 'a''; b'; c", pieces: ["SELECT 'a''; b'", "c"]),
    .init(sql: "SELECT E'\\'; b'; c", pieces: ["SELECT E'\\'; b'", "c"]),
    .init(sql: "SELECT '\\'; b", pieces: ["SELECT '\\'", "b"]),
    .init(sql: #"SELECT "x;y" FROM "a;b"; c"#, pieces: [#"SELECT "x;y" FROM "a;b""#, "c"]),
    .init(sql: "SELECT $$;$$; SELECT $a$ $$; $a$; x", pieces: ["SELECT $$;$$", "SELECT $a$ $$; $a$", "x"]),
    .init(sql: "SELECT /* a; /* b; */ c; */ 1; SELECT 2", pieces: ["SELECT /* a; /* b; */ c; */ 1", "SELECT 2"]),
    .init(sql: "SELECT 1 -- a; b\n; SELECT 2", pieces: ["SELECT 1 -- a; b", "SELECT 2"]),
    .init(
        sql: "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$; SELECT f()",
        pieces: ["CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$", "SELECT f()"]
    ),
    .init(
        sql: "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); SELECT CASE WHEN true THEN 1 END; END; CALL p()",
        pieces: [
            "CREATE OR REPLACE PROCEDURE p() LANGUAGE sql BEGIN ATOMIC INSERT INTO t VALUES (1); SELECT CASE WHEN true THEN 1 END; END",
            "CALL p()",
        ]
    ),
    .init(
        sql: "CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql; DROP TABLE users",
        pieces: ["CREATE FUNCTION begin() RETURNS int AS 'select 1' LANGUAGE sql", "DROP TABLE users"]
    ),
    .init(sql: "BEGIN; SELECT 1; END;", pieces: ["BEGIN", "SELECT 1", "END"]),
    .init(sql: "SELECT (1; 2)", pieces: ["SELECT (1", "2)"]),
    .init(sql: "SELECT 'open; DROP", pieces: ["SELECT 'open; DROP"]),
    .init(sql: "SELECT 1 /* open; DROP", pieces: ["SELECT 1 /* open; DROP"]),
    .init(sql: "SELECT 'é;ü'; SELECT 'ß'", pieces: ["SELECT 'é;ü'", "SELECT 'ß'"]),
    .init(sql: "SELECT \"a;b\"; SELECT `c;d`", dialect: .mysql, pieces: ["SELECT \"a;b\"", "SELECT `c;d`"]),
    .init(sql: "SELECT 1 # a; b\n; SELECT 2", dialect: .mysql, pieces: ["SELECT 1 # a; b", "SELECT 2"]),
    .init(sql: "SELECT 'a\\';b'; c", dialect: .mysql, pieces: ["SELECT 'a\\';b'", "c"]),
    .init(sql: "SELECT $$;$$", dialect: .mysql, pieces: ["SELECT $$", "$$"]),
    .init(sql: "SELECT /* a /* b; */ c; */", dialect: .mysql, pieces: ["SELECT /* a /* b; */ c", "*/"]),
]

@Suite("SQL statement splitter")
struct SQLStatementSplitterTests {
    @Test("Splits", arguments: sqlSplitCases)
    func splits(_ row: SQLSplitCase) {
        let statements = SQLStatementSplitter.split(row.sql, dialect: row.dialect)
        #expect(statements.map(\.text) == row.pieces)
        let bytes = Array(row.sql.utf8)
        for statement in statements {
            #expect(String(decoding: bytes[statement.range], as: UTF8.self) == statement.text)
        }
    }
}
