/// The canonical encoding of an event: the exact bytes the hash chain covers.
///
/// ## Canonical encoding, version 1
///
/// An event encodes as one JSON object (RFC 8259) in UTF-8, with no whitespace outside
/// strings and no trailing newline:
///
/// - **Members**, in this order (ascending byte order of the key):
///   `actors`, `connection`?, `fields`, `issuer`?, `protocol`?, `session_id`?, `subject`?,
///   `time_us`, `token_id`?, `type`. Members marked `?` are omitted when the value is
///   absent (`nil`); `actors` (array of strings, outermost agent first, possibly empty)
///   and `fields` (object, possibly empty) are always present.
/// - **`time_us`**: integer microseconds since 1970-01-01T00:00:00Z (rounded to the nearest
///   microsecond).
/// - **`type`**: the event type's raw value, e.g. `"command"`, `"session.start"`.
/// - **Objects** (`fields` and any nested object): members sorted by the byte-wise
///   (unsigned) order of the keys' UTF-8 encodings; keys are unique.
/// - **Strings**: `"`, then the string's UTF-8 bytes with exactly these escapes, then `"`:
///   `"` → `\"`, `\` → `\\`, U+0008 → `\b`, U+000C → `\f`, U+000A → `\n`, U+000D → `\r`,
///   U+0009 → `\t`, every other code point below U+0020 → `\u00XX` with lowercase hex.
///   Nothing else is escaped (not `/`, not DEL, not non-ASCII).
/// - **Integers**: base 10, optional `-`, no leading zeros, no `+`, no fraction or exponent.
/// - **Doubles**: Swift's shortest round-trip form (`Double.description`), which always
///   contains `.` or `e` (`1.0`, `0.1`, `1e-05`, `5e+20`); NaN and ±infinity encode as `null`.
/// - **Booleans and null**: `true`, `false`, `null`.
/// - Arrays keep their order; elements separated by `,`.
///
/// Example:
/// `{"actors":["agent:planner"],"connection":"orders-db","fields":{"statement":"SELECT 1"},"protocol":"postgres","session_id":"s-1","subject":"alice","time_us":1764234000000000,"type":"command"}`
///
/// ## Chain
///
/// `hash(n) = SHA-256(hash(n-1) ‖ UInt64(n) big-endian ‖ canonical(event n))`, with
/// `hash(0)` = 32 zero bytes (see ``AuditChain``).
extension AuditEvent {
    /// The canonical JSON bytes of this event (see the rules above).
    public func canonicalJSON() -> [UInt8] {
        var writer = CanonicalJSONWriter(capacity: 192 + (fields.count * 48))
        write(to: &writer)
        return writer.bytes
    }

    /// The canonical JSON as a string.
    public var canonicalJSONString: String {
        String(decoding: canonicalJSON(), as: UTF8.self)
    }

    func write(to writer: inout CanonicalJSONWriter) {
        var verbatim = VerbatimValues()
        write(to: &writer, verbatim: &verbatim)
    }

    /// Where ``write(to:verbatim:)`` put the values the store's lookup columns repeat, as
    /// byte ranges of the writer's buffer: the `actors` array as written, and the content of
    /// each string whose canonical form is its plain UTF-8 (nothing escaped). `nil` when the
    /// member is absent or was escaped.
    struct VerbatimValues {
        var actors: Range<Int> = 0..<0
        var connection: Range<Int>?
        var `protocol`: Range<Int>?
        var sessionID: Range<Int>?
        var subject: Range<Int>?
        var type: Range<Int>?
    }

    /// Writes the canonical JSON and notes in `verbatim` where its values went.
    func write(to writer: inout CanonicalJSONWriter, verbatim: inout VerbatimValues) {
        /// Writes `value` as a JSON string; the range of its content if nothing was escaped.
        func string(_ value: String) -> Range<Int>? {
            let start = writer.bytes.count + 1
            writer.string(value)
            let end = writer.bytes.count - 1
            return end - start == value.utf8.count ? start..<end : nil
        }
        writer.raw("{\"actors\":")
        let actorsStart = writer.bytes.count
        writer.stringArray(actors)
        verbatim.actors = actorsStart..<writer.bytes.count
        if let connection {
            writer.raw(",\"connection\":")
            verbatim.connection = string(connection)
        }
        writer.raw(",\"fields\":")
        writer.object(fields)
        if let issuer {
            writer.raw(",\"issuer\":")
            writer.string(issuer)
        }
        if let `protocol` {
            writer.raw(",\"protocol\":")
            verbatim.protocol = string(`protocol`)
        }
        if let sessionID {
            writer.raw(",\"session_id\":")
            verbatim.sessionID = string(sessionID)
        }
        if let subject {
            writer.raw(",\"subject\":")
            verbatim.subject = string(subject)
        }
        writer.raw(",\"time_us\":")
        writer.integer(timeMicroseconds)
        if let tokenID {
            writer.raw(",\"token_id\":")
            writer.string(tokenID)
        }
        writer.raw(",\"type\":")
        verbatim.type = string(type.rawValue)
        writer.raw("}")
    }

    /// Why a stored body could not be read back as an event.
    struct CanonicalDecodingError: Error, CustomStringConvertible {
        var description: String
    }

    /// Decodes an event from its canonical JSON (lenient about member order and
    /// whitespace; callers that need canonical form re-encode and compare bytes).
    init(canonicalJSON bytes: some Collection<UInt8>) throws {
        let value: AuditValue
        do {
            value = try JSONValueParser.parse(bytes)
        } catch {
            throw CanonicalDecodingError(description: "\(error)")
        }
        guard case .object(let members) = value else {
            throw CanonicalDecodingError(description: "the body is not a JSON object")
        }
        func optionalString(_ key: String) throws -> String? {
            switch members[key] {
            case nil: return nil
            case .string(let text): return text
            default: throw CanonicalDecodingError(description: "\"\(key)\" is not a string")
            }
        }
        for key in members.keys where !Self.canonicalKeys.contains(key) {
            throw CanonicalDecodingError(description: "unknown member \"\(key)\"")
        }
        guard case .string(let typeName) = members["type"] else {
            throw CanonicalDecodingError(description: "missing \"type\"")
        }
        guard let type = AuditEventType(rawValue: typeName) else {
            throw CanonicalDecodingError(description: "unknown event type \"\(typeName)\"")
        }
        guard case .int(let micros) = members["time_us"] else {
            throw CanonicalDecodingError(description: "missing integer \"time_us\"")
        }
        guard case .array(let actorValues) = members["actors"] else {
            throw CanonicalDecodingError(description: "missing array \"actors\"")
        }
        let actors = try actorValues.map { value -> String in
            guard case .string(let actor) = value else { throw CanonicalDecodingError(description: "\"actors\" holds a non-string") }
            return actor
        }
        guard case .object(let fields) = members["fields"] else {
            throw CanonicalDecodingError(description: "missing object \"fields\"")
        }
        self.init(type: type, time: AuditEvent.date(microseconds: micros), fields: fields)
        self.actors = actors
        self.connection = try optionalString("connection")
        self.issuer = try optionalString("issuer")
        self.protocol = try optionalString("protocol")
        self.sessionID = try optionalString("session_id")
        self.subject = try optionalString("subject")
        self.tokenID = try optionalString("token_id")
    }

    static let canonicalKeys: Set<String> = [
        "actors", "connection", "fields", "issuer", "protocol", "session_id", "subject", "time_us", "token_id", "type",
    ]

    /// This event as stored: time rounded to the microsecond, non-finite doubles as `null`.
    var normalized: AuditEvent {
        var copy = self
        copy.time = AuditEvent.date(microseconds: timeMicroseconds)
        if fields.values.contains(where: \.hasNonFiniteDouble) {
            copy.fields = fields.mapValues(\.withoutNonFiniteDoubles)
        }
        return copy
    }
}

extension AuditValue {
    var hasNonFiniteDouble: Bool {
        switch self {
        case .double(let value): return !value.isFinite
        case .array(let elements): return elements.contains(where: \.hasNonFiniteDouble)
        case .object(let members): return members.values.contains(where: \.hasNonFiniteDouble)
        default: return false
        }
    }

    var withoutNonFiniteDoubles: AuditValue {
        switch self {
        case .double(let value) where !value.isFinite: return .null
        case .array(let elements): return .array(elements.map(\.withoutNonFiniteDoubles))
        case .object(let members): return .object(members.mapValues(\.withoutNonFiniteDoubles))
        default: return self
        }
    }
}
