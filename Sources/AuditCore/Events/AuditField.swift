/// Conventional keys of ``AuditEvent/fields``, so that producers and the store agree.
///
/// The store reads a few of them while maintaining the `sessions` table:
/// ``clientAddress`` on `session.start`, ``reason`` on `session.end`.
public enum AuditField {
    /// The full command text: SQL statement, shell line, HTTP method and path.
    public static let statement = "statement"
    /// A human-readable reason: why a session ended, why a policy denied.
    public static let reason = "reason"
    /// `allowed`, `denied`, `error`, ...
    public static let outcome = "outcome"
    /// The policy decision: `allow`, `deny`, `approval`.
    public static let decision = "decision"
    /// The policy rule that decided.
    public static let rule = "rule"
    /// Rows affected or returned.
    public static let rows = "rows"
    /// Duration in milliseconds.
    public static let durationMS = "duration_ms"
    /// The client's network address (`host:port`) on `session.start`.
    public static let clientAddress = "client_address"
    /// The admin action performed.
    public static let action = "action"
    /// The target of an admin action or request (a session id, token id, ...).
    public static let target = "target"
    /// Recording chunk index (0-based) on `recording.chunk`.
    public static let index = "index"
    /// Recording chunk SHA-256 (lowercase hex of the `.cast.gz` file bytes).
    public static let sha256 = "sha256"
    /// Recording chunk size in bytes (the compressed file).
    public static let bytes = "bytes"
    /// Uncompressed size of a recording chunk.
    public static let rawBytes = "raw_bytes"
    /// Number of asciicast lines in a recording chunk.
    public static let lines = "lines"
}
