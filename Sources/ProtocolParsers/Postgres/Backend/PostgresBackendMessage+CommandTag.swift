extension PostgresBackendMessage {
    /// The row count at the end of a `CommandComplete` tag (`SELECT 5`, `INSERT 0 5`,
    /// `UPDATE 5`, `DELETE 5`, `MERGE 5`, `FETCH 5`, `MOVE 5`, `COPY 5`), or `nil` for tags
    /// that carry none (`BEGIN`, `CREATE TABLE`, ...).
    public static func rowCount(commandTag: String) -> Int? {
        let utf8 = commandTag.utf8
        guard let space = utf8.firstIndex(of: UInt8(ascii: " ")) else { return nil }
        switch commandTag[..<space] {
        case "SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY":
            break
        default:
            return nil
        }
        guard let lastSpace = utf8.lastIndex(of: UInt8(ascii: " ")) else { return nil }
        return Int(commandTag[utf8.index(after: lastSpace)...])
    }
}
