/// An event prepared for storage in the caller's task: time rounded to the microsecond,
/// canonical body and column values computed, so the single writer only hashes and inserts.
struct EncodedEvent: Sendable {
    var event: AuditEvent
    /// The canonical JSON (UTF-8), exactly what is hashed and stored in `events.body`.
    var body: [UInt8]
    /// The `actors` column.
    var actors: String
    var timeMicroseconds: Int64

    init(_ event: AuditEvent) {
        let normalized = event.normalized
        self.event = normalized
        self.timeMicroseconds = normalized.timeMicroseconds
        self.body = normalized.canonicalJSON()
        self.actors = Self.actorsJSON(normalized.actors)
    }

    /// The `actors` column: the canonical JSON array of the actor chain.
    static func actorsJSON(_ actors: [String]) -> String {
        if actors.isEmpty { return "[]" }
        var writer = CanonicalJSONWriter(capacity: 16 + actors.count * 24)
        writer.stringArray(actors)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
