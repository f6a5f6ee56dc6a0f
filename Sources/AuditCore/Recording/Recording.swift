/// A session recording read back and checked against the audit chain.
public struct Recording: Sendable, Hashable {
    /// The asciicast header.
    public var header: AsciicastHeader
    /// Every event, in order.
    public var events: [RecordingEvent]

    public init(header: AsciicastHeader, events: [RecordingEvent]) {
        self.header = header
        self.events = events
    }

    /// The whole asciicast v2 file: the header line, then one line per event, each
    /// ending in a newline. Plays in any asciicast v2 player (`asciinema play`).
    public func asciicast() -> String {
        var bytes = AsciicastLine.header(header)
        bytes.append(0x0A)
        for event in events {
            bytes.append(contentsOf: AsciicastLine.event(microseconds: AsciicastLine.microseconds(event.time), kind: event.kind, data: event.data))
            bytes.append(0x0A)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
