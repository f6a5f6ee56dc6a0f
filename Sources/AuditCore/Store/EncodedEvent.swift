/// An event prepared for storage in the caller's task: time rounded to the microsecond,
/// canonical body and the lookup columns laid out in one UTF-8 buffer, so the single writer
/// only hashes and inserts the body, and the indexer inserts the columns, both binding them
/// in place without copying.
struct EncodedEvent: Sendable {
    /// Where one text column sits in ``bytes``; `nil` stores SQL NULL.
    struct Span: Sendable {
        var start: Int
        var count: Int
    }

    var event: AuditEvent
    var timeMicroseconds: Int64
    /// The canonical JSON (exactly what is hashed and stored in `events.body`), followed by
    /// the lookup columns (see ``EventIndexer``).
    var bytes: [UInt8]
    var body: Span
    var type: Span
    var sessionID: Span?
    var subject: Span?
    /// The `actors` lookup column: the canonical JSON array of the actor chain.
    var actors: Span
    var connection: Span?
    var `protocol`: Span?

    init(_ event: AuditEvent) {
        let normalized = event.normalized
        self.event = normalized
        self.timeMicroseconds = normalized.timeMicroseconds
        var writer = CanonicalJSONWriter(capacity: 192 + normalized.fields.count * 48 + 160)
        normalized.write(to: &writer)
        var bytes = writer.bytes
        body = Span(start: 0, count: bytes.count)
        func append(_ text: String?) -> Span? {
            guard var text else { return nil }
            let start = bytes.count
            text.withUTF8 { bytes.append(contentsOf: $0) }
            return Span(start: start, count: bytes.count - start)
        }
        type = append(normalized.type.rawValue)!
        sessionID = append(normalized.sessionID)
        subject = append(normalized.subject)
        actors = append(Self.actorsJSON(normalized.actors))!
        connection = append(normalized.connection)
        `protocol` = append(normalized.protocol)
        self.bytes = bytes
    }

    /// The canonical body's bytes.
    func withBody<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[self.body.start..<self.body.start + self.body.count])) }
    }

    /// The `actors` column: the canonical JSON array of the actor chain.
    static func actorsJSON(_ actors: [String]) -> String {
        if actors.isEmpty { return "[]" }
        var writer = CanonicalJSONWriter(capacity: 16 + actors.count * 24)
        writer.stringArray(actors)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
