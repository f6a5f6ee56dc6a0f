#if canImport(GRDBSQLite)
import GRDBSQLite
#else
import SQLite3
#endif

/// Binds UTF-8 text to SQLite statements in place (`SQLITE_STATIC`): the caller keeps the
/// bytes alive until the statement has stepped and resets the bindings before they go.
enum SQLiteText {
    /// Binds the `span` of `bytes` as TEXT, or NULL when there is no span.
    static func bind(_ handle: OpaquePointer, _ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>, _ span: EncodedEvent.Span?) {
        guard let span else {
            sqlite3_bind_null(handle, index)
            return
        }
        bind(handle, index, UnsafeBufferPointer(rebasing: bytes[span.start..<span.start + span.count]))
    }

    /// Binds UTF-8 bytes as TEXT. Empty text stays TEXT, not NULL.
    static func bind(_ handle: OpaquePointer, _ index: Int32, _ utf8: UnsafeBufferPointer<UInt8>) {
        if utf8.isEmpty {
            sqlite3_bind_text(handle, index, "", 0, nil)  // nil: SQLITE_STATIC, no copy
        } else {
            utf8.withMemoryRebound(to: CChar.self) { chars in
                _ = sqlite3_bind_text(handle, index, chars.baseAddress, Int32(chars.count), nil)
            }
        }
    }
}
