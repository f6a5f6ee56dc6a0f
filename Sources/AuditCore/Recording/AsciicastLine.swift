import Foundation
import NIOCore

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
        var buffer = ByteBuffer()
        var data = data
        data.withUTF8 { appendEvent(to: &buffer, microseconds: microseconds, kind: kind, utf8: UnsafeRawBufferPointer($0)) }
        return Array(buffer.readableBytesView)
    }

    /// Appends the event line `[S.ffffff,"kind","data"]` (no newline) for `utf8`, bytes that
    /// should be UTF-8: ill-formed sequences become U+FFFD, as decoding them to a `String`
    /// would make them (see ``JSONStringBytes``).
    static func appendEvent(to buffer: inout ByteBuffer, microseconds: Int64, kind: String, utf8: UnsafeRawBufferPointer) {
        let micros = max(microseconds, 0)
        buffer.writeInteger(UInt8(ascii: "["))
        appendDecimal(UInt64(micros / 1_000_000), to: &buffer)
        buffer.writeInteger(UInt8(ascii: "."))
        var fraction = UInt64(micros % 1_000_000)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: 6) { out in
            for index in stride(from: 5, through: 0, by: -1) {
                out[index] = 0x30 + UInt8(fraction % 10)
                fraction /= 10
            }
            return 6
        }
        buffer.writeInteger(UInt8(ascii: ","))
        var kind = kind
        kind.withUTF8 { JSONStringBytes.appendQuoted(UnsafeRawBufferPointer($0), to: &buffer) }
        buffer.writeInteger(UInt8(ascii: ","))
        JSONStringBytes.appendQuoted(utf8, to: &buffer)
        buffer.writeInteger(UInt8(ascii: "]"))
    }

    private static func appendDecimal(_ value: UInt64, to buffer: inout ByteBuffer) {
        var digits = 1
        var rest = value / 10
        while rest > 0 {
            digits += 1
            rest /= 10
        }
        var value = value
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: digits) { out in
            for index in stride(from: digits - 1, through: 0, by: -1) {
                out[index] = 0x30 + UInt8(value % 10)
                value /= 10
            }
            return digits
        }
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
