/// An event prepared for storage in the caller's task: time rounded to the microsecond,
/// canonical body and column values computed, so the single writer only hashes and inserts.
struct EncodedEvent: Sendable {
    var event: AuditEvent
    var body: String
    var actors: String
    var timeMicroseconds: Int64

    init(_ event: AuditEvent) {
        let normalized = event.normalized
        self.event = normalized
        self.timeMicroseconds = normalized.timeMicroseconds
        self.body = String(decoding: normalized.canonicalJSON(), as: UTF8.self)
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
