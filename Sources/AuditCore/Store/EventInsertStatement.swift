import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// The writer's hot statement, bound with the SQLite C API directly: GRDB's
/// `StatementArguments` boxes every value, which cost more than the insert itself at tens
/// of thousands of events per second.
struct EventInsertStatement {
    static let insertSQL = """
        INSERT INTO events(seq, time_us, body, prev_hash, hash) VALUES (?, ?, ?, ?, ?)
        """

    private let insertStatement: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        self.insertStatement = try db.cachedStatement(sql: Self.insertSQL)
    }

    /// Inserts one event row. Text is bound in place (`SQLITE_STATIC`): every buffer stays
    /// alive until `sqlite3_step` has copied the row, and bindings are reset before return.
    func insert(seq: Int64, encoded: borrowing EncodedEvent, previousHash: String, hash: String) throws {
        let handle = insertStatement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var previousHash = previousHash
        var hash = hash
        try encoded.bytes.withUnsafeBufferPointer { bytes in
            try previousHash.withUTF8 { previousHash in
                try hash.withUTF8 { hash in
                    sqlite3_bind_int64(handle, 1, seq)
                    sqlite3_bind_int64(handle, 2, encoded.timeMicroseconds)
                    SQLiteText.bind(handle, 3, bytes, encoded.body)
                    SQLiteText.bind(handle, 4, previousHash)
                    SQLiteText.bind(handle, 5, hash)
                    try step(handle, sql: Self.insertSQL)
                }
            }
        }
    }

    private func step(_ handle: OpaquePointer, sql: String) throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }
}
