import Testing

@testable import ProtocolParsers

/// An input and its significant tokens (whitespace left out), as kind and text.
struct SQLLexerCase: Sendable, CustomTestStringConvertible {
    var sql: String
    var dialect: SQLDialect = .postgres
    var tokens: [Expected]
    var testDescription: String { "[\(dialect)] \(sql)" }

    struct Expected: Sendable, Equatable, CustomStringConvertible {
        var kind: SQLToken.Kind
        var text: String
        var description: String { "\(kind) \(text.debugDescription)" }
    }
}

private func k(_ text: String) -> SQLLexerCase.Expected { .init(kind: .keywordOrIdentifier, text: text) }
private func q(_ text: String) -> SQLLexerCase.Expected { .init(kind: .quotedIdentifier, text: text) }
private func s(_ text: String) -> SQLLexerCase.Expected { .init(kind: .string, text: text) }
private func n(_ text: String) -> SQLLexerCase.Expected { .init(kind: .number, text: text) }
private func p(_ text: String) -> SQLLexerCase.Expected { .init(kind: .parameter, text: text) }
private func o(_ text: String) -> SQLLexerCase.Expected { .init(kind: .operatorOrPunctuation, text: text) }
private func c(_ text: String) -> SQLLexerCase.Expected { .init(kind: .comment, text: text) }
private func d(_ text: String) -> SQLLexerCase.Expected { .init(kind: .dollarQuoted, text: text) }
private let semi = SQLLexerCase.Expected(kind: .semicolon, text: ";")

let sqlLexerCases: [SQLLexerCase] = [
    .init(sql: "SELECT a,b FROM t;", tokens: [k("SELECT"), k("a"), o(","), k("b"), k("FROM"), k("t"), semi]),
    .init(sql: "'it''s' E'a\\'b' 'c\\'", tokens: [s("'it''s'"), s("E'a\\'b'"), s("'c\\'")]),
    .init(sql: "e'\\\\' N'x' X'1F' B'01' U&'d\\0061'", tokens: [s("e'\\\\'"), s("N'x'"), s("X'1F'"), s("B'01'"), s("U&'d\\0061'")]),
    .init(sql: #""a""b" "A B" U&"x""#, tokens: [q(#""a""b""#), q(#""A B""#), q(#"U&"x""#)]),
    .init(sql: "$$a;b$$ $tag$ $$ $tag$ $x$y$X$ $x$", tokens: [d("$$a;b$$"), d("$tag$ $$ $tag$"), d("$x$y$X$ $x$")]),
    .init(sql: "$1 + $23", tokens: [p("$1"), o("+"), p("$23")]),
    .init(sql: "a$b $ 1", tokens: [k("a$b"), o("$"), n("1")]),
    .init(sql: "/* a /* b */ c */x", tokens: [c("/* a /* b */ c */"), k("x")]),
    .init(sql: "x -- c ; d\ny", tokens: [k("x"), c("-- c ; d"), k("y")]),
    .init(sql: "1 .5 1.5e10 2E-3 0x1F 1_000 3.", tokens: [n("1"), n(".5"), n("1.5e10"), n("2E-3"), n("0x1F"), n("1_000"), n("3.")]),
    .init(sql: "a::int<>b>=c||d", tokens: [k("a"), o("::"), k("int"), o("<>"), k("b"), o(">="), k("c"), o("||"), k("d")]),
    .init(sql: "a+-- c\nb", tokens: [k("a"), o("+"), c("-- c"), k("b")]),
    .init(sql: "a*/* c */b", tokens: [k("a"), o("*"), c("/* c */"), k("b")]),
    .init(sql: "t.* [1] {x}", tokens: [k("t"), o("."), o("*"), o("["), n("1"), o("]"), o("{"), k("x"), o("}")]),
    .init(sql: "z @> '{1}' #- ?", tokens: [k("z"), o("@>"), s("'{1}'"), o("#-"), o("?")]),
    .init(sql: "über naïve", tokens: [k("über"), k("naïve")]),
    .init(sql: "'open", tokens: [s("'open")]),
    .init(sql: "\"open", tokens: [q("\"open")]),
    .init(sql: "/* open /* nested */", tokens: [c("/* open /* nested */")]),
    .init(sql: "$q$ open $Q$", tokens: [d("$q$ open $Q$")]),
    .init(sql: "E'open\\'", tokens: [s("E'open\\'")]),
    .init(sql: "`a``b` \"s\\\"t\" 'u\\'v'", dialect: .mysql, tokens: [q("`a``b`"), s("\"s\\\"t\""), s("'u\\'v'")]),
    .init(sql: "a # c ; d\nb", dialect: .mysql, tokens: [k("a"), c("# c ; d"), k("b")]),
    .init(sql: "a -- c\nb--c", dialect: .mysql, tokens: [k("a"), c("-- c"), k("b"), o("--"), k("c")]),
    .init(sql: "? /* a /* b */ c */", dialect: .mysql, tokens: [p("?"), c("/* a /* b */"), k("c"), o("*/")]),
    .init(sql: "/*!50000 SELECT */ 1", dialect: .mysql, tokens: [c("/*!50000"), k("SELECT"), c("*/"), n("1")]),
    .init(sql: "$$ E'x'", dialect: .mysql, tokens: [o("$"), o("$"), k("E"), s("'x'")]),
]

@Suite("SQL lexer")
struct SQLLexerTests {
    @Test("Tokenizes", arguments: sqlLexerCases)
    func tokenizes(_ row: SQLLexerCase) {
        let tokens = SQLLexer(dialect: row.dialect).tokens(row.sql)
        let bytes = Array(row.sql.utf8)
        let significant = tokens.filter { $0.kind != .whitespace }.map {
            SQLLexerCase.Expected(kind: $0.kind, text: String(decoding: bytes[$0.range], as: UTF8.self))
        }
        #expect(significant == row.tokens)
        #expect(SQLTestSupport.coverageProblem(tokens, count: bytes.count) == nil)
    }

    @Test("Empty input has no tokens")
    func empty() {
        #expect(SQLLexer(dialect: .postgres).tokens("").isEmpty)
        #expect(SQLLexer(dialect: .mysql).tokens("").isEmpty)
    }
}
