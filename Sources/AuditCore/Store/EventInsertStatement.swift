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
        INSERT INTO events(seq, node, time_us, type, session_id, subject, actors, token_id, connection, protocol, body, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """

    private let insertStatement: Statement
    private let db: Database

    init(_ db: Database) throws {
        self.db = db
        self.insertStatement = try db.cachedStatement(sql: Self.insertSQL)
    }

    /// Inserts one event row. Text is bound in place (`SQLITE_STATIC`): every buffer stays
    /// alive until `sqlite3_step` has copied the row, and bindings are reset before return.
    func insert(seq: Int64, node: String, encoded: borrowing EncodedEvent, previousHash: String, hash: String) throws {
        let handle = insertStatement.sqliteStatement
        defer {
            sqlite3_reset(handle)
            sqlite3_clear_bindings(handle)
        }
        var node = node
        var previousHash = previousHash
        var hash = hash
        try encoded.bytes.withUnsafeBufferPointer { bytes in
            try node.withUTF8 { node in
                try previousHash.withUTF8 { previousHash in
                    try hash.withUTF8 { hash in
                        sqlite3_bind_int64(handle, 1, seq)
                        Self.bind(handle, 2, node)
                        sqlite3_bind_int64(handle, 3, encoded.timeMicroseconds)
                        Self.bind(handle, 4, bytes, encoded.type)
                        Self.bind(handle, 5, bytes, encoded.sessionID)
                        Self.bind(handle, 6, bytes, encoded.subject)
                        Self.bind(handle, 7, bytes, encoded.actors)
                        Self.bind(handle, 8, bytes, encoded.tokenID)
                        Self.bind(handle, 9, bytes, encoded.connection)
                        Self.bind(handle, 10, bytes, encoded.protocol)
                        Self.bind(handle, 11, bytes, encoded.body)
                        Self.bind(handle, 12, previousHash)
                        Self.bind(handle, 13, hash)
                        try step(handle, sql: Self.insertSQL)
                    }
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

    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>, _ span: EncodedEvent.Span?) {
        guard let span else {
            sqlite3_bind_null(handle, index)
            return
        }
        bind(handle, index, UnsafeBufferPointer(rebasing: bytes[span.start..<span.start + span.count]))
    }

    /// Binds UTF-8 bytes as TEXT, in place. Empty text stays TEXT, not NULL.
    private static func bind(_ handle: OpaquePointer, _ index: Int32, _ utf8: UnsafeBufferPointer<UInt8>) {
        if utf8.isEmpty {
            sqlite3_bind_text(handle, index, "", 0, nil)  // nil: SQLITE_STATIC, no copy
        } else {
            utf8.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), nil)
            }
        }
    }
}
