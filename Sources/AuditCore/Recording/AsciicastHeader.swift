import Foundation

/// The first line of an asciicast v2 recording.
///
/// Written as `{"env":{…},"height":H,"timestamp":T,"title":"…","version":2,"width":W}`
/// (keys sorted, `timestamp` in whole Unix seconds, `env` and `title` omitted when `nil`).
public struct AsciicastHeader: Sendable, Hashable, Codable {
    /// Terminal columns.
    public var width: Int
    /// Terminal rows.
    public var height: Int
    /// When the recording started (stored to the second).
    public var timestamp: Date
    /// A title for players, e.g. `alice@orders-db (postgres)`.
    public var title: String?
    /// Environment hints such as `TERM` and `SHELL`. Never put secrets here.
    public var env: [String: String]?

    public init(width: Int = 80, height: Int = 24, timestamp: Date = Date(), title: String? = nil, env: [String: String]? = nil) {
        self.width = width
        self.height = height
        self.timestamp = timestamp
        self.title = title
        self.env = env
    }
}
