import NIOCore
import Testing

@testable import ProtocolParsers

/// Mutation runs over the hand-written vectors: whatever the bytes, the decoders return
/// messages, wait, or throw `PostgresWireError`; they never trap or hang. Inputs that once
/// crashed a decoder are kept in `crashers` below.
@Suite("PostgreSQL codec regressions")
struct PostgresCodecRegressionTests {
    /// A small deterministic generator (SplitMix64), so failures reproduce.
    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static func mutate(_ bytes: [UInt8], using rng: inout SplitMix) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<4, using: &rng) {
            case 0 where !bytes.isEmpty:
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes.remove(at: Int.random(in: 0..<bytes.count, using: &rng))
            case 2:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                // Interesting integers at a random offset: lengths and counts.
                let values: [[UInt8]] = [[0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0xFF, 0xFF], [0x80, 0]]
                let value = values.randomElement(using: &rng)!
                let offset = Int.random(in: 0...bytes.count, using: &rng)
                for (i, byte) in value.enumerated() where offset + i < bytes.count { bytes[offset + i] = byte }
            }
        }
        return bytes
    }

    /// Decodes and re-encodes whatever decodes: a decoded message must encode to a frame
    /// that decodes to the same message.
    static func survive<Decoder: NIOSingleStepByteToMessageDecoder>(
        _ decoder: Decoder,
        _ bytes: [UInt8],
        reencode: (Decoder.InboundOut) -> [UInt8],
        fresh: @autoclosure () -> Decoder
    ) where Decoder.InboundOut: Equatable {
        for chunks in [[bytes], bytes.map { [$0] }] {
            do {
                let messages = try runDecoder(decoder, chunks: chunks)
                for message in messages {
                    let again = try? runDecoder(fresh(), chunks: [reencode(message)])
                    #expect(again == [message], "re-encoding \(bytes)")
                }
            } catch is PostgresWireError {
                // Expected for most mutations.
            } catch {
                Issue.record("unexpected error type \(error) for \(bytes)")
            }
        }
    }

    @Test("mutated frontend frames", arguments: 0..<8)
    func mutatedFrontend(seed: Int) {
        var rng = SplitMix(state: UInt64(seed))
        for _ in 0..<250 {
            let vector = frontendVectors.randomElement(using: &rng)!
            let bytes = Self.mutate(vector.bytes, using: &rng)
            Self.survive(
                PostgresFrontendMessageDecoder(phase: vector.phase),
                bytes,
                reencode: encoded,
                fresh: PostgresFrontendMessageDecoder(phase: vector.phase)
            )
        }
    }

    @Test("mutated backend frames", arguments: 0..<8)
    func mutatedBackend(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &+ 1000)
        for _ in 0..<250 {
            let bytes = Self.mutate(backendVectors.randomElement(using: &rng)!.bytes, using: &rng)
            Self.survive(PostgresBackendMessageDecoder(), bytes, reencode: encoded, fresh: PostgresBackendMessageDecoder())
        }
    }

    @Test("every prefix of every vector waits or fails cleanly")
    func prefixes() throws {
        for vector in frontendVectors {
            for cut in 0..<vector.bytes.count {
                let prefix = Array(vector.bytes[..<cut])
                #expect(try runDecoder(PostgresFrontendMessageDecoder(phase: vector.phase), chunks: [prefix], seenEOF: false).isEmpty)
            }
        }
        for vector in backendVectors {
            for cut in 0..<vector.bytes.count {
                let prefix = Array(vector.bytes[..<cut])
                #expect(try runDecoder(PostgresBackendMessageDecoder(), chunks: [prefix], seenEOF: false).isEmpty)
            }
        }
    }

    @Test("random garbage", arguments: 0..<4)
    func garbage(seed: Int) {
        var rng = SplitMix(state: UInt64(seed) &* 7919)
        for _ in 0..<200 {
            let bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            for phase in [PostgresFrontendMessageDecoder.Phase.startup, .messages] {
                Self.survive(PostgresFrontendMessageDecoder(phase: phase), bytes, reencode: encoded, fresh: PostgresFrontendMessageDecoder(phase: phase))
            }
            for expectation in [PostgresBackendMessageDecoder.Expectation.messages, .sslResponse] {
                _ = try? runDecoder(PostgresBackendMessageDecoder(expecting: expectation), chunks: [bytes])
            }
        }
    }

    /// Inputs that once crashed or misbehaved; each must now fail with this code.
    static let crashers: [(name: String, bytes: [UInt8], code: PostgresWireError.Code, backend: Bool)] = [
        // Int32.min as a Bind parameter length: negating or casting it must not trap.
        ("Bind parameter length Int32.min", frame("B", [0, 0, 0, 0, 0, 1, 0x80, 0, 0, 0, 0, 0]), .invalidValue, false),
        // A DataRow column length of Int32.max inside a small frame.
        ("DataRow column length Int32.max", frame("D", [0, 1, 0x7F, 0xFF, 0xFF, 0xFF]), .truncated, true),
        // Typed length 0xFFFFFFFF, read as unsigned it would be 4 GiB.
        ("length 0xFFFFFFFF", [0x51, 0xFF, 0xFF, 0xFF, 0xFF], .invalidLength, false),
    ]

    @Test func keptCrashers() {
        for crasher in Self.crashers {
            let error =
                crasher.backend
                ? expectWireError(crasher.code, decoding: [crasher.bytes], with: PostgresBackendMessageDecoder())
                : expectWireError(crasher.code, decoding: [crasher.bytes], with: PostgresFrontendMessageDecoder(phase: .messages))
            #expect(error != nil, "\(crasher.name)")
        }
    }
}
