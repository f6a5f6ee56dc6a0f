import NIOCore

/// Writes a JSON string straight from bytes that should be UTF-8, without making a `String`:
/// the recorder's hot path (a fast terminal prints tens of MB/s).
///
/// The output is what ``CanonicalJSONWriter/string(_:)`` writes for
/// `String(decoding: bytes, as: UTF8.self)`, with the same escapes
/// (``CanonicalJSONWriter/writeEscape(_:to:at:)``): `"` `\` and C0 controls escaped (`\n`
/// `\r` `\t` `\b` `\f`, else `\u00xx`), everything else as it is, and each ill-formed
/// sequence replaced by U+FFFD the way Swift's decoding does (one per maximal subpart, Unicode
/// §3.9), so the line is valid JSON whatever the bytes were.
enum JSONStringBytes {
    /// The most bytes one input byte can become (`\u00xx`).
    static let maxExpansion = CanonicalJSONWriter.longestEscape

    /// Appends `"` + the escaped text of `input` + `"`.
    static func appendQuoted(_ input: UnsafeRawBufferPointer, to buffer: inout ByteBuffer) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: input.count * maxExpansion + 2) { out in
            out[0] = 0x22
            let written = escape(input, into: out, at: 1)
            out[written] = 0x22
            return written + 1
        }
    }

    /// Escapes `input` into `out` from `start` (which has room for `input.count * 6` bytes);
    /// returns the index after the last byte written.
    private static func escape(_ input: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer, at start: Int) -> Int {
        guard let source = input.baseAddress, input.count > 0 else { return start }
        let target = out.baseAddress!
        let count = input.count
        var o = start
        var run = 0  // the first byte not copied yet
        var i = 0

        @inline(__always)
        func copyRun(to end: Int) {
            let length = end - run
            if length > 0 {
                (target + o).copyMemory(from: source + run, byteCount: length)
                o += length
            }
        }

        while i < count {
            let byte = input[i]
            if byte < 0x80 {
                if !CanonicalJSONWriter.needsEscape(byte) {
                    i += 1
                    continue
                }
                copyRun(to: i)
                o = CanonicalJSONWriter.writeEscape(byte, to: target, at: o)
                i += 1
                run = i
                continue
            }
            let length = sequenceLength(input, at: i)
            if length > 0 {
                i += length
                continue
            }
            // Ill-formed: one U+FFFD for the maximal subpart (-length bytes).
            copyRun(to: i)
            target.storeBytes(of: 0xEF, toByteOffset: o, as: UInt8.self)
            target.storeBytes(of: 0xBF, toByteOffset: o + 1, as: UInt8.self)
            target.storeBytes(of: 0xBD, toByteOffset: o + 2, as: UInt8.self)
            o += 3
            i -= length
            run = i
        }
        copyRun(to: count)
        return o
    }

    /// The length of the well-formed sequence starting with the non-ASCII byte at `index`,
    /// or minus the length of its maximal ill-formed subpart (Unicode Table 3-7).
    @inline(__always)
    static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int {
        let lead = bytes[index]
        let continuations: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: continuations = 1
        case 0xE0: continuations = 2; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: continuations = 2
        case 0xED: continuations = 2; high = 0x9F
        case 0xF0: continuations = 3; low = 0x90
        case 0xF1...0xF3: continuations = 3
        case 0xF4: continuations = 3; high = 0x8F
        default: return -1
        }
        let count = bytes.count
        var next = index + 1
        guard next < count, bytes[next] >= low, bytes[next] <= high else { return -1 }
        next += 1
        for _ in 1..<continuations {
            guard next < count, bytes[next] & 0xC0 == 0x80 else { return index - next }
            next += 1
        }
        return next - index
    }

    /// Where to cut `bytes` at or before `limit` (3 < limit < count) without splitting a
    /// well-formed sequence or a maximal ill-formed subpart: before the byte at the result,
    /// which is not a continuation byte, or which follows three (so starts no sequence
    /// with what comes before). Both parts decode as the whole does.
    static func boundary(_ bytes: UnsafeRawBufferPointer, atOrBefore limit: Int) -> Int {
        var index = limit
        while index > limit - 3, bytes[index] & 0xC0 == 0x80 { index -= 1 }
        return bytes[index] & 0xC0 == 0x80 ? limit : index
    }
}
