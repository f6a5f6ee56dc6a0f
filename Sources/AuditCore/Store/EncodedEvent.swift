/// An event prepared for storage in the caller's task: time rounded to the microsecond, and
/// the canonical body in one UTF-8 buffer with the lookup columns as spans of it, so the
/// single writer only hashes and inserts the body, and the indexer inserts the columns, both
/// binding them in place without copying.
struct EncodedEvent: Sendable {
    /// Where one text column sits in ``bytes``; `nil` stores SQL NULL.
    struct Span: Sendable {
        var start: Int
        var count: Int
    }

    var event: AuditEvent
    var timeMicroseconds: Int64
    /// The canonical JSON (exactly what is hashed and stored in `events.body`), followed by
    /// any lookup column that the body holds only escaped (see ``EventIndexer``).
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
        var writer = CanonicalJSONWriter(capacity: 192 + normalized.fields.count * 48)
        var verbatim = AuditEvent.VerbatimValues()
        normalized.write(to: &writer, verbatim: &verbatim)
        var bytes = writer.bytes
        body = Span(start: 0, count: bytes.count)
        // The columns point into the body; only a text that had to be escaped there is
        // appended after it as plain UTF-8.
        func column(_ range: Range<Int>?, _ text: String?) -> Span? {
            if let range { return Span(start: range.lowerBound, count: range.count) }
            guard var text else { return nil }
            let start = bytes.count
            text.withUTF8 { bytes.append(contentsOf: $0) }
            return Span(start: start, count: bytes.count - start)
        }
        type = column(verbatim.type, normalized.type.rawValue)!
        actors = Span(start: verbatim.actors.lowerBound, count: verbatim.actors.count)
        sessionID = column(verbatim.sessionID, normalized.sessionID)
        subject = column(verbatim.subject, normalized.subject)
        connection = column(verbatim.connection, normalized.connection)
        `protocol` = column(verbatim.protocol, normalized.protocol)
        self.bytes = bytes
    }

    /// The canonical body's bytes.
    func withBody<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in try body(UnsafeRawBufferPointer(rebasing: all[self.body.start..<self.body.start + self.body.count])) }
    }
}
