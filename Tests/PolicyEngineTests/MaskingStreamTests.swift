import PolicyEngine
import Testing

@Suite("Streaming text masker")
struct MaskingStreamTests {
    static let secrets = [
        "ann@example.com", "4111 1111 1111 1111", "hunter2", "AKIAIOSFODNN7EXAMPLE", "2001:db8::1", "123-45-6789",
        "DE89 3704 0044 0532 0130 00", "+44 20 7946 0958", "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", "MIIBOgIBAAJBAKj34GkxFhD90vcN",
    ]

    /// Terminal output with one of each secret.
    static let output = """
        $ cat notes.txt\r
        mail ann@example.com, card 4111 1111 1111 1111\r
        password=hunter2 key AKIAIOSFODNN7EXAMPLE host 2001:db8::1\r
        ssn 123-45-6789 iban DE89 3704 0044 0532 0130 00 tel +44 20 7946 0958\r
        \(MaskingFixtures.jwt)\r
        \(MaskingFixtures.pemKey)\r
        $ 
        """

    /// Feeds `bytes` cut at `cuts`, then finishes; the whole output as text.
    static func feed(_ masker: inout StreamingTextMasker, _ bytes: [UInt8], cuts: [Int]) -> String {
        var out: [UInt8] = []
        var start = 0
        for cut in cuts + [bytes.count] {
            out += masker.feed(bytes[start..<cut])
            start = cut
        }
        return String(decoding: out + masker.finish(), as: UTF8.self)
    }

    @Test func theWholeTextAtOnceMasksEverySecret() throws {
        let engine = try MaskingFixtures.allDetectors()
        var masker = engine.makeStreamingMasker()
        let out = Self.feed(&masker, Array(Self.output.utf8), cuts: [])
        #expect(out == engine.maskText(Self.output).text)
        for secret in Self.secrets { #expect(!out.contains(secret), "\(secret) leaked") }
        #expect(masker.counts.total == 10)
        #expect(masker.counts["detector:pem_private_key"] == 1)
    }

    /// Cut in two at every byte: the output is always that of the whole text.
    @Test func aSecretSplitAtAnyByteIsStillMasked() throws {
        let engine = try MaskingFixtures.allDetectors()
        let bytes = Array(Self.output.utf8)
        let expected = engine.maskText(Self.output).text
        for cut in 0...bytes.count {
            var masker = engine.makeStreamingMasker()
            let out = Self.feed(&masker, bytes, cuts: [cut])
            #expect(out == expected, "cut at \(cut)")
            #expect(masker.counts.total == 10)
            if out != expected { break }
        }
    }

    /// Cut in three around each secret (every pair of cuts inside and around it).
    @Test func aSecretSplitInThreeIsStillMasked() throws {
        let engine = try MaskingFixtures.allDetectors()
        let expected = engine.maskText(Self.output).text
        let bytes = Array(Self.output.utf8)
        for secret in Self.secrets.prefix(8) {
            let range = try #require(Self.output.utf8.firstRange(of: secret.utf8))
            let start = Self.output.utf8.distance(from: Self.output.utf8.startIndex, to: range.lowerBound)
            let end = start + secret.utf8.count
            for first in (start - 1)...end {
                for second in first...(end + 1) {
                    var masker = engine.makeStreamingMasker()
                    let out = Self.feed(&masker, bytes, cuts: [first, second])
                    #expect(out == expected, "\(secret) cut at \(first) and \(second)")
                    if out != expected { return }
                }
            }
        }
    }

    @Test func oneByteAtATime() throws {
        let engine = try MaskingFixtures.allDetectors()
        let bytes = Array(Self.output.utf8)
        var masker = engine.makeStreamingMasker()
        let out = Self.feed(&masker, bytes, cuts: Array(1..<bytes.count))
        #expect(out == engine.maskText(Self.output).text)
    }

    /// Plain text is passed on as it comes, apart from a trailing word that could still grow.
    @Test func plainTextIsNotHeldBack() throws {
        var masker = try MaskingFixtures.allDetectors().makeStreamingMasker()
        #expect(masker.feed(Array("total 42 rows\r\n".utf8)) == Array("total 42 rows\r\n".utf8))
        #expect(masker.heldBytes == 0)
        #expect(masker.feed(Array("$ ls -l /tm".utf8)) == Array("$ ls -l /".utf8))
        #expect(masker.heldBytes == 2)
        #expect(masker.flush() == Array("tm".utf8))
        #expect(masker.heldBytes == 0)
    }

    @Test func holdBackIsBounded() throws {
        var masker = try MaskingFixtures.allDetectors().makeStreamingMasker()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        var passed = 0
        for _ in 0..<300 {
            passed += masker.feed(chunk).count
            #expect(masker.heldBytes <= 1100, "a long word is not a candidate past its first bytes")
        }
        passed += masker.finish().count
        #expect(passed == 300_000)
    }

    /// A PEM block without its END line is held up to its bound, then masked up to it.
    @Test func anEndlessPrivateKeyIsMaskedWithinItsBound() throws {
        var masker = try MaskingFixtures.allDetectors().makeStreamingMasker()
        var out = masker.feed(Array("before\n-----BEGIN PRIVATE KEY-----\n".utf8))
        let line = Array(String(repeating: "QUJD", count: 16).utf8) + [0x0A]
        for _ in 0..<2000 {
            out += masker.feed(line)
            #expect(masker.heldBytes <= StreamingTextMasker.maximumHoldBack)
        }
        out += masker.finish()
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("before\n****"))
        #expect(masker.counts["detector:pem_private_key"] == 1)
        // Past 64 KiB the rest is no longer part of the block.
        #expect(out.count < 2000 * line.count)
    }

    @Test func aProfileWithoutDetectorsPassesEverythingThrough() throws {
        let profile = try MaskingProfile(name: "columns-only", columnRules: [MaskingColumnRule(match: "email", action: .redact)])
        var masker = try MaskingEngine(profile: profile, secret: []).makeStreamingMasker()
        #expect(masker.feed(Array("ann@exam".utf8)) == Array("ann@exam".utf8))
        #expect(masker.finish().isEmpty)
    }
}
