/// Where a match that started at some offset may end (group boundaries of a card number or
/// an IBAN), as offsets from its start below 64; the longest valid one wins.
struct CandidateEnds {
    private var bits: UInt64 = 0

    /// Notes that a match may end `offset` bytes after its start.
    mutating func insert(_ offset: Int) {
        bits |= 1 << UInt64(offset)
    }

    /// The longest `start..<end` over the noted ends that `isValid(end)` accepts.
    func longest(from start: Int, where isValid: (Int) -> Bool) -> Range<Int>? {
        var remaining = bits
        while remaining != 0 {
            let offset = 63 - remaining.leadingZeroBitCount
            remaining &= ~(1 << UInt64(offset))
            if isValid(start + offset) { return start..<(start + offset) }
        }
        return nil
    }
}
