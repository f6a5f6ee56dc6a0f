import Foundation

/// Encodes and parses asciicast v2 lines (JSON, canonical style: no spaces, sorted keys).
enum AsciicastLine {
    static func header(_ header: AsciicastHeader) -> [UInt8] {
        var members: [String: AuditValue] = [
            "version": .int(2),
            "width": .int(Int64(header.width)),
            "height": .int(Int64(header.height)),
            "timestamp": .int(Int64(header.timestamp.timeIntervalSince1970.rounded(.down))),
        ]
        if let title = header.title { members["title"] = .string(title) }
        if let env = header.env { members["env"] = .object(env.mapValues { .string($0) }) }
        var writer = CanonicalJSONWriter(capacity: 128)
        writer.object(members)
        return writer.bytes
    }

    /// `[S.ffffff,"kind","data"]` with the time as seconds and exactly six decimals.
    static func event(microseconds: Int64, kind: String, data: String) -> [UInt8] {
        var writer = CanonicalJSONWriter(capacity: data.utf8.count + 32)
        writer.raw(0x5B)
        let micros = max(microseconds, 0)
        writer.integer(micros / 1_000_000)
        writer.raw(0x2E)
        let fraction = String(micros % 1_000_000)
        for _ in fraction.utf8.count..<6 { writer.raw(0x30) }
        writer.bytes.append(contentsOf: fraction.utf8)
        writer.raw(0x2C)
        writer.string(kind)
        writer.raw(0x2C)
        writer.string(data)
        writer.raw(0x5D)
        return writer.bytes
    }

    static func microseconds(_ seconds: Double) -> Int64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int64((seconds * 1_000_000).rounded())
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func parseHeader(_ line: some Collection<UInt8>) throws -> AsciicastHeader {
        guard case .object(let members) = try JSONValueParser.parse(line) else {
            throw Failure(description: "the header is not a JSON object")
        }
        guard members["version"]?.intValue == 2 else { throw Failure(description: "not an asciicast v2 header") }
        guard let width = members["width"]?.intValue, let height = members["height"]?.intValue else {
            throw Failure(description: "the header has no width/height")
        }
        let timestamp = members["timestamp"]?.doubleValue ?? 0
        var env: [String: String]?
        if case .object(let values) = members["env"] {
            env = values.compactMapValues(\.stringValue)
        }
        return AsciicastHeader(
            width: Int(width), height: Int(height), timestamp: Date(timeIntervalSince1970: timestamp),
            title: members["title"]?.stringValue, env: env
        )
    }

    static func parseEvent(_ line: some Collection<UInt8>) throws -> RecordingEvent {
        guard case .array(let elements) = try JSONValueParser.parse(line), elements.count == 3,
              let time = elements[0].doubleValue, let kind = elements[1].stringValue, let data = elements[2].stringValue
        else {
            throw Failure(description: "an event line is not [time, kind, data]")
        }
        return RecordingEvent(time: time, kind: kind, data: data)
    }
}
