import Foundation

/// The JSON conventions of the admin API: ISO 8601 times with milliseconds, sorted keys.
public enum AdminJSON {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(TimeArgument.format(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = TimeArgument.parseAbsolute(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 time: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// Times as people type them: ISO 8601 (`2026-11-27T09:00:00Z`, with or without
/// fractional seconds, or a bare date) or a duration back from now (`15m`, `2h`, `7d`).
public enum TimeArgument {
    public static func parse(_ text: String, now: Date = Date()) -> Date? {
        if let date = parseAbsolute(text) { return date }
        if let seconds = YAMLMappingReader.parseDuration(text), seconds >= 0, text.last?.isLetter == true {
            return now.addingTimeInterval(-seconds)
        }
        return nil
    }

    /// A duration such as `30s`, `15m`, `2h`, `7d`, or plain seconds.
    public static func duration(_ text: String) -> TimeInterval? {
        YAMLMappingReader.parseDuration(text)
    }

    public static func parseAbsolute(_ text: String) -> Date? {
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        if let date = plain.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }

    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
