/// Turns a byte stream cut at arbitrary points into text without breaking UTF-8 sequences:
/// an incomplete sequence at the end of a chunk waits for the next chunk.
struct UTF8Carry: Sendable {
    private var held: [UInt8] = []

    /// The text of `chunk` after what was held, holding back a trailing incomplete sequence.
    mutating func text(_ chunk: some Sequence<UInt8>) -> String {
        held.append(contentsOf: chunk)
        let keep = Self.incompleteTail(held)
        let ready = held[..<(held.count - keep)]
        let text = String(decoding: ready, as: UTF8.self)
        held.removeFirst(held.count - keep)
        return text
    }

    /// Whatever is held, decoded as it is (the stream ended).
    mutating func finish() -> String {
        defer { held.removeAll() }
        return String(decoding: held, as: UTF8.self)
    }

    /// How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
    static func incompleteTail(_ bytes: [UInt8]) -> Int {
        var index = bytes.count - 1
        var continuation = 0
        while index >= 0, continuation < 3, bytes[index] & 0xC0 == 0x80 {
            continuation += 1
            index -= 1
        }
        guard index >= 0 else { return 0 }
        let lead = bytes[index]
        let length = lead & 0xE0 == 0xC0 ? 2 : lead & 0xF0 == 0xE0 ? 3 : lead & 0xF8 == 0xF0 ? 4 : 1
        return length > continuation + 1 ? continuation + 1 : 0
    }
}
