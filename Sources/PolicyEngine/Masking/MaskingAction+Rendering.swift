extension MaskingAction {
    static let redactedBytes: [UInt8] = Array(redactedMarker.utf8)

    /// Appends what `value` becomes under this action to `out`.
    func append(_ value: UnsafeBufferPointer<UInt8>, to out: inout [UInt8], pseudonymizer: Pseudonymizer?) {
        switch self {
        case .redact:
            out.append(contentsOf: Self.redactedBytes)
        case .partial(let keep):
            Self.appendPartial(value, keep: keep, to: &out)
        case .pseudonym:
            if let pseudonymizer {
                pseudonymizer.append(value, to: &out)
            } else {
                // The engine refuses a pseudonym rule without a secret; redact if one slips through.
                out.append(contentsOf: Self.redactedBytes)
            }
        }
    }

    /// Every character but the last `keep` (at most half) becomes `*`; ASCII spaces,
    /// punctuation and control characters stay as they are. Characters are UTF-8 scalars.
    static func appendPartial(_ value: UnsafeBufferPointer<UInt8>, keep: Int, to out: inout [UInt8]) {
        var maskable = 0
        var index = 0
        while index < value.count {
            if !isKeptAsIs(value[index]) { maskable += 1 }
            index += scalarLength(value, at: index)
        }
        let hidden = maskable - min(keep, maskable / 2)
        var seen = 0
        index = 0
        while index < value.count {
            let length = scalarLength(value, at: index)
            if isKeptAsIs(value[index]) {
                out.append(value[index])
            } else {
                if seen < hidden {
                    out.append(UInt8(ascii: "*"))
                } else {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: value[index..<(index + length)]))
                }
                seen += 1
            }
            index += length
        }
    }

    @inline(__always)
    private static func isKeptAsIs(_ b: UInt8) -> Bool { b < 0x80 && !ByteClass.isAlnum(b) }

    /// The length of the UTF-8 sequence led by the byte at `index` (1 for a stray byte).
    @inline(__always)
    private static func scalarLength(_ value: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
        let lead = value[index]
        let length = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
        return min(length, value.count - index)
    }
}
