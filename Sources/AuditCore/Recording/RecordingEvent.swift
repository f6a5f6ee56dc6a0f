/// One asciicast v2 event: `[time, kind, data]`.
public struct RecordingEvent: Sendable, Hashable, Codable {
    /// Seconds since the recording started (microsecond precision).
    public var time: Double
    /// `o` output, `i` input, `r` resize (`data` is `COLSxROWS`), `m` marker.
    public var kind: String
    /// The text.
    public var data: String

    public init(time: Double, kind: String, data: String) {
        self.time = time
        self.kind = kind
        self.data = data
    }
}
