@testable import AuditCore
import Foundation
import NIOCore
import Testing

/// The asciicast event line written from bytes (``AsciicastLine/appendEvent(to:microseconds:kind:utf8:)``)
/// against what Foundation's JSON parsers read back, and against the `String` path it
/// replaced: whatever the bytes — control characters, quotes, ill-formed UTF-8 — the line is
/// valid JSON whose text is `String(decoding: bytes, as: UTF8.self)`.
@Suite("Asciicast codec")
struct AsciicastCodecTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Pieces a terminal's output (or garbage) is made of: text, escapes, well-formed
    /// sequences of every length, and the ill-formed kinds — stray continuation bytes,
    /// overlongs, surrogates, code points past U+10FFFF, cut sequences, bytes never used.
    static let pieces: [[UInt8]] = [
        Array("plain text ".utf8), Array("\"quoted\" \\ back\\slash".utf8), [0x0D, 0x0A], [0x09], [0x00], [0x1B, 0x5B, 0x33, 0x32, 0x6D], [0x7F],
        [0x08], [0x0C], [0x1F], Array("é".utf8), Array("€".utf8), Array("😀".utf8), Array("\u{10FFFF}".utf8), Array("\u{2028}".utf8),
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
        [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80], [0xFE], [0xFF], [0xC3], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
        [0xF0, 0x9F, 0x98, 0x80, 0x80], [0xE2, 0x28, 0xA1],
    ]

    static func randomBytes(_ rng: inout SplitMix, maxPieces: Int = 40) -> [UInt8] {
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...maxPieces, using: &rng) {
            if Bool.random(using: &rng) {
                bytes += pieces.randomElement(using: &rng)!
            } else {
                bytes += (0..<Int.random(in: 1...6, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            }
        }
        return bytes
    }

    static func line(_ bytes: [UInt8], microseconds: Int64 = 1_234_567, kind: String = "o") -> [UInt8] {
        var buffer = ByteBuffer()
        bytes.withUnsafeBytes { AsciicastLine.appendEvent(to: &buffer, microseconds: microseconds, kind: kind, utf8: $0) }
        return Array(buffer.readableBytesView)
    }

    /// `[time, kind, data]` as JSONDecoder reads it.
    struct Event: Decodable {
        var time: Double
        var kind: String
        var data: String
        init(from decoder: any Decoder) throws {
            var array = try decoder.unkeyedContainer()
            time = try array.decode(Double.self)
            kind = try array.decode(String.self)
            data = try array.decode(String.self)
            guard array.isAtEnd else { throw DecodingError.dataCorruptedError(in: array, debugDescription: "more than three elements") }
        }
    }

    @Test func randomBytesMakeValidJSONWithTheDecodedText() throws {
        var rng = SplitMix(state: 0xA5C1_1CA5)
        for round in 0..<3000 {
            let bytes = Self.randomBytes(&rng)
            let expected = String(decoding: bytes, as: UTF8.self)
            let line = Self.line(bytes)

            // What the String path wrote, byte for byte.
            var old = CanonicalJSONWriter()
            old.string(expected)
            var quoted = ByteBuffer()
            bytes.withUnsafeBytes { JSONStringBytes.appendQuoted($0, to: &quoted) }
            #expect(Array(quoted.readableBytesView) == old.bytes, "round \(round): \(bytes)")

            let parsed = try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [Any], "round \(round): \(bytes)")
            #expect(parsed.count == 3)
            #expect(parsed[1] as? String == "o")
            #expect(parsed[2] as? String == expected, "round \(round): \(bytes)")
            let decoded = try JSONDecoder().decode(Event.self, from: Data(line))
            #expect(decoded.time == 1.234567)
            #expect(decoded.data == expected, "round \(round): \(bytes)")
            // And the recorder's own parser.
            #expect(try AsciicastLine.parseEvent(line) == RecordingEvent(time: 1.234567, kind: "o", data: expected))
        }
    }

    @Test func everyByteAloneAndEveryPairDecodesAsStringDoes() throws {
        var pairs: [[UInt8]] = (0...255).map { [UInt8($0)] }
        for first in [0xC2, 0xDF, 0xE0, 0xE1, 0xED, 0xEF, 0xF0, 0xF3, 0xF4, 0x80] as [UInt8] {
            for second in 0...255 { pairs.append([first, UInt8(second), 0x80, 0x80]) }
        }
        for bytes in pairs {
            let decoded = try JSONDecoder().decode(Event.self, from: Data(Self.line(bytes)))
            #expect(decoded.data == String(decoding: bytes, as: UTF8.self), "\(bytes)")
        }
    }

    @Test func timesHaveSixDecimals() {
        func time(_ micros: Int64) -> String {
            let text = String(decoding: Self.line([], microseconds: micros), as: UTF8.self)
            return String(text.dropFirst().prefix { $0 != "," })
        }
        #expect(time(0) == "0.000000")
        #expect(time(1) == "0.000001")
        #expect(time(999_999) == "0.999999")
        #expect(time(1_000_000) == "1.000000")
        #expect(time(123_456_789) == "123.456789")
        #expect(time(-5) == "0.000000")
        #expect(String(decoding: Self.line(Array("hi\n".utf8), microseconds: 42, kind: "i"), as: UTF8.self) == "[0.000042,\"i\",\"hi\\n\"]")
        #expect(AsciicastLine.event(microseconds: 42, kind: "i", data: "hi\n") == Self.line(Array("hi\n".utf8), microseconds: 42, kind: "i"))
    }

    /// A cut found by ``JSONStringBytes/boundary(_:atOrBefore:)`` never changes the text.
    @Test func cutsKeepTheText() {
        var rng = SplitMix(state: 77)
        for _ in 0..<2000 {
            let bytes = Self.randomBytes(&rng, maxPieces: 60)
            guard bytes.count > 8 else { continue }
            let limit = Int.random(in: 4..<bytes.count, using: &rng)
            let cut = bytes.withUnsafeBytes { JSONStringBytes.boundary($0, atOrBefore: limit) }
            #expect(cut > 0 && cut <= limit)
            let whole = String(decoding: bytes, as: UTF8.self)
            let parts = String(decoding: bytes[..<cut], as: UTF8.self) + String(decoding: bytes[cut...], as: UTF8.self)
            #expect(parts == whole, "cut at \(cut) of \(bytes)")
        }
    }

    /// Large chunks that string matching cannot shorten (base64 of random bytes) are stored,
    /// text that repeats itself is compressed; both are gzip that reads back as it was.
    @Test func largeChunksThatDoNotCompressAreStored() throws {
        var rng = SplitMix(state: 5)
        let random = Data((0..<600_000).map { _ in UInt8.random(in: 0...255, using: &rng) })
        let base64 = Array(random.base64EncodedData(options: .lineLength76Characters))
        let text = Array((0..<20_000).map { "drwxr-xr-x  2 root root 4096 Nov 27 21:17 directory-\($0 % 300)\r\n" }.joined().utf8)
        let directory = try StoreTestDirectory()
        // A smaller chunk is compressed whatever it holds: the recorder is not behind.
        for (input, stored, percent) in [(base64, true, 101), (text, false, 20), (Array(base64.prefix(200_000)), false, 80)] {
            #expect(try RecordingWriter.stores(ByteBuffer(bytes: input)) == stored)
            let compressed = try RecordingWriter.compress(ByteBuffer(bytes: input))
            #expect(compressed.readableBytes < input.count * percent / 100, "\(compressed.readableBytes) of \(input.count) bytes")
            #expect(!stored || compressed.readableBytes > input.count, "stored: \(compressed.readableBytes) of \(input.count) bytes")
            let file = directory.file("chunk.gz")
            try Data(compressed.readableBytesView).write(to: URL(fileURLWithPath: file))
            #expect(try RecordingTests.gunzip(file) == String(decoding: input, as: UTF8.self), "gzip -d reads it back")
        }
    }

    /// Output given as bytes, large enough to be split into several events and chunks,
    /// reads back as the decoded text.
    @Test func bytesRecordedReadBackAsTheirText() async throws {
        let directory = try StoreTestDirectory()
        let recordings = directory.file("recordings")
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let writer = RecordingWriter(sessionID: "bytes", directory: recordings, store: store,
                                     header: AsciicastHeader(width: 80, height: 24, timestamp: StoreFixtures.epoch), chunkBytes: 16 * 1024, identity: nil)
        var rng = SplitMix(state: 2026)
        var written: [UInt8] = []
        while written.count < 200 * 1024 {
            var block: [UInt8] = []
            while block.count < Int.random(in: 1...90_000, using: &rng) { block += Self.randomBytes(&rng, maxPieces: 200) }
            // Cut where a stream's carry would: never inside a well-formed sequence.
            while let last = block.last, last >= 0x80 { block.removeLast() }
            try await writer.output(utf8: block)
            written += block
        }
        try await writer.input(utf8: Array("ls\r".utf8))
        try await writer.finish()
        let recording = try await RecordingReader.load(sessionID: "bytes", directory: recordings, store: store)
        let output = recording.events.filter { $0.kind == "o" }
        #expect(output.count > 7, "200 KiB make more than seven events of at most 32 KiB")
        #expect(output.allSatisfy { $0.data.utf8.count <= 3 * RecordingWriter.maxEventText })
        #expect(output.map(\.data).joined() == String(decoding: written, as: UTF8.self))
        #expect(recording.events.last == RecordingEvent(time: recording.events.last!.time, kind: "i", data: "ls\r"))
        try await store.close()
    }
}
