import Testing

@testable import ProtocolParsers

@Suite("SQL classifier")
struct SQLClassifierTests {
    @Test("The guardrail table has at least 150 statements")
    func tableSize() {
        #expect(sqlClassifierCases.count >= 150)
    }

    @Test("Classifies", arguments: sqlClassifierCases)
    func classifies(_ row: SQLClassifierCase) {
        let info = SQLClassifier.classify(row.sql, dialect: row.dialect)
        #expect(info.commandClass == row.commandClass)
        #expect(info.verb == row.verb)
        #expect(info.tables == row.tables)
        #expect(info.flags == row.flags)
        if let hasWhere = row.hasWhere {
            #expect(info.hasWhereClause == hasWhere)
        }
    }

    @Test("Every flag and every class is exercised by the table")
    func coverage() {
        let flags = sqlClassifierCases.reduce(into: Set<SQLRiskFlag>()) { $0.formUnion($1.flags) }
        #expect(flags == Set(SQLRiskFlag.allCases))
        let classes = Set(sqlClassifierCases.map(\.commandClass))
        #expect(classes == Set(SQLCommandClass.allCases))
    }

    @Test("standard_conforming_strings = off: a backslash escapes the quote")
    func backslashEscapesOption() {
        let sql = #"SELECT 'a\''; DROP TABLE t; --'"#
        let standard = SQLClassifier.classify(sql)
        #expect(standard.commandClass == .read)
        #expect(!standard.flags.contains(.multipleStatements))
        let legacy = SQLClassifier.classify(sql, backslashEscapes: true)
        #expect(legacy.commandClass == .ddl)
        #expect(legacy.flags == [.multipleStatements, .drop])
    }

    @Test("MySQL NO_BACKSLASH_ESCAPES")
    func mysqlNoBackslashEscapes() {
        let sql = #"SELECT 'a\'; DROP TABLE t; -- '"#
        #expect(SQLClassifier.classify(sql, dialect: .mysql).commandClass == .read)
        #expect(SQLClassifier.classify(sql, dialect: .mysql, backslashEscapes: false).flags.contains(.drop))
    }
}
