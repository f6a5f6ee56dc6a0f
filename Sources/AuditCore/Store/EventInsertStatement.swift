import GRDB
#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// The writer's hot statements, bound with the SQLite C API directly: GRDB's
/// `StatementArguments` boxes every value, which cost more than the insert itself at tens
/// of thousands of events per second.
struct EventInsertStatement {
    static let insertSQL = """
        INSERT INTO events(seq, node, time_us, type, session_id, subject, actors, token_id, connection, protocol, body, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """
    static let countCommandsSQL = "UPDATE sessions SET command_count = command_count + ? WHERE id = ?"

    private let insertStatement: Statement
    private let countStatement: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        self.insertStatement = try db.cachedStatement(sql: Self.insertSQL)
        self.countStatement = try db.cachedStatement(sql: Self.countCommandsSQL)
    }

    /// Inserts one event row.
    func insert(seq: Int64, node: String, encoded: borrowing EncodedEvent, previousHash: String, hash: String) throws {
        let handle = insertStatement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        sqlite3_bind_int64(handle, 1, seq)
        Self.bind(handle, 2, node)
        sqlite3_bind_int64(handle, 3, encoded.timeMicroseconds)
        Self.bind(handle, 4, encoded.event.type.rawValue)
        Self.bind(handle, 5, encoded.event.sessionID)
        Self.bind(handle, 6, encoded.event.subject)
        Self.bind(handle, 7, encoded.actors)
        Self.bind(handle, 8, encoded.event.tokenID)
        Self.bind(handle, 9, encoded.event.connection)
        Self.bind(handle, 10, encoded.event.protocol)
        encoded.body.withUnsafeBufferPointer { Self.bind(handle, 11, $0) }
        Self.bind(handle, 12, previousHash)
        Self.bind(handle, 13, hash)
        try step(handle, sql: Self.insertSQL)
    }

    /// Adds `count` to a session's command count (no-op for unknown sessions).
    func countCommands(_ count: Int, session: String) throws {
        let handle = countStatement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        sqlite3_bind_int64(handle, 1, Int64(count))
        Self.bind(handle, 2, session)
        try step(handle, sql: Self.countCommandsSQL)
    }

    private func step(_ handle: OpaquePointer, sql: String) throws {
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = db.sqliteConnection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { bind(handle, index, $0) }
    }

    /// Binds UTF-8 bytes as TEXT (copied by SQLite). Empty text stays TEXT, not NULL.
    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ utf8: UnsafeBufferPointer<UInt8>) {
        if utf8.isEmpty {
            sqlite3_bind_text(handle, index, "", 0, transient)
        } else {
            utf8.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), transient)
            }
        }
    }
}
