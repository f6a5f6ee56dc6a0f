/// A detector match: which detector, and the bytes to mask.
struct DetectorMatch: Sendable, Hashable {
    let detector: MaskingDetector
    let range: Range<Int>
}

/// One step of a scan.
enum ScanStep: Sendable, Hashable {
    /// The next match (the scan resumes at its end).
    case match(DetectorMatch)
    /// No match in the rest of the text.
    case end
    /// A candidate starting at `from` runs past the window; nothing at or after `from` was decided.
    case needMore(from: Int)
}

/// Finds what a set of detectors recognise in UTF-8 text, left to right, in one pass.
///
/// Each byte is looked up in two tables: which detectors may start with it, and which may
/// start right after the byte before it (most detectors need a word boundary). Only those
/// candidates run their hand-written matcher, so the common case (a byte inside a word)
/// costs two loads and an `and`. Matchers are linear, read at most one byte before their
/// start and a bounded stretch after it, and never allocate.
struct DetectorScanner: Sendable, Hashable {
    /// Enabled detectors, one bit per ``MaskingDetector/ordinal``.
    let enabled: UInt16

    init(_ detectors: some Sequence<MaskingDetector>) {
        enabled = detectors.reduce(0) { $0 | 1 << UInt16($1.ordinal) }
    }

    private init(enabled: UInt16) {
        self.enabled = enabled
    }

    var isEmpty: Bool { enabled == 0 }

    /// This scanner without the detectors that cannot match anywhere in `text` because it
    /// lacks a byte they all need (`@` for e-mail, `:` for IPv6, ...). One cheap pass that
    /// spares most values most matchers. Only for a complete text: in a stream the byte
    /// may still come.
    func narrowed(to text: UnsafeBufferPointer<UInt8>) -> DetectorScanner {
        guard enabled & Self.needingSomeByte != 0 else { return self }
        var present: UInt8 = 0
        Self.requiredByteTable.withUnsafeBufferPointer { table in
            for byte in text { present |= table[Int(byte)] }
        }
        var enabled = self.enabled
        for (detector, needs) in Self.requiredBytes where present & needs == 0 {
            enabled &= ~(1 << UInt16(detector.ordinal))
        }
        return DetectorScanner(enabled: enabled)
    }

    /// The first match at or after `start`.
    func next(in text: ScanText, from start: Int) -> ScanStep {
        guard enabled != 0 else { return .end }
        return Self.startTable.withUnsafeBufferPointer { starts in
            Self.followTable.withUnsafeBufferPointer { follows in
                let bytes = text.bytes
                var index = start
                var previous = text.previous(start)
                while true {
                    // The tight loop: skip bytes where no enabled detector may start.
                    var candidates: UInt16 = 0
                    while index < bytes.count {
                        let byte = bytes[index]
                        candidates = starts[Int(byte)] & follows[Int(previous)] & enabled
                        if candidates != 0 { break }
                        previous = byte
                        index += 1
                    }
                    guard candidates != 0 else { return .end }
                    if let step = Self.tryCandidates(candidates, text, index) { return step }
                    previous = bytes[index]
                    index += 1
                }
            }
        }
    }

    /// Runs the matchers of `candidates` at `start` in priority order: the first match, a
    /// need for more input, or nil. Kept out of line so the skip loop stays in registers.
    @inline(never)
    private static func tryCandidates(_ candidates: UInt16, _ text: ScanText, _ start: Int) -> ScanStep? {
        var candidates = candidates
        while candidates != 0 {
            let detector = MaskingDetector.at(ordinal: candidates.trailingZeroBitCount)
            candidates &= candidates - 1
            do {
                if let range = try match(detector, text, start) {
                    return .match(DetectorMatch(detector: detector, range: range))
                }
            } catch {
                return .needMore(from: start)
            }
        }
        return nil
    }

    /// Runs `detector`'s matcher at `start`: the range to mask, or nil.
    @inline(__always)
    private static func match(_ detector: MaskingDetector, _ text: ScanText, _ start: Int) throws(NeedMoreInput) -> Range<Int>? {
        switch detector {
        case .pemPrivateKey: try matchPEMPrivateKey(text, start)
        case .jwt: try matchJWT(text, start)
        case .awsAccessKey: try matchAWSAccessKey(text, start)
        case .gcpAPIKey: try matchGCPAPIKey(text, start)
        case .passwordAssignment: try matchPasswordAssignment(text, start)
        case .email: try matchEmail(text, start)
        case .iban: try matchIBAN(text, start)
        case .ipv6: try matchIPv6(text, start)
        case .ipv4: try matchIPv4(text, start)
        case .usSSN: try matchUSSSN(text, start)
        case .paymentCard: try matchPaymentCard(text, start)
        case .phone: try matchPhone(text, start)
        }
    }

    // MARK: Start tables

    /// Whether `detector` may start at a byte `b`.
    private static func canStart(_ detector: MaskingDetector, at b: UInt8) -> Bool {
        switch detector {
        case .pemPrivateKey: b == UInt8(ascii: "-")
        case .jwt: b == UInt8(ascii: "e")
        case .awsAccessKey, .gcpAPIKey: b == UInt8(ascii: "A")
        case .passwordAssignment: ByteClass.isAlpha(b)
        case .email: ByteClass.isWord(b)
        case .iban: ByteClass.isUpper(b)
        case .ipv6: ByteClass.isHex(b) || b == UInt8(ascii: ":")
        case .ipv4, .usSSN, .paymentCard: ByteClass.isDigit(b)
        case .phone: ByteClass.isDigit(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "(")
        }
    }

    /// Whether `detector` may start right after a byte `b` (its left boundary).
    private static func canFollow(_ detector: MaskingDetector, _ b: UInt8) -> Bool {
        let dot = b == UInt8(ascii: "."), dash = b == UInt8(ascii: "-")
        switch detector {
        case .pemPrivateKey: return !dash
        case .jwt, .gcpAPIKey: return !ByteClass.isBase64URL(b) && !dot
        case .awsAccessKey, .iban: return !ByteClass.isWord(b)
        case .passwordAssignment, .paymentCard, .ipv4: return !ByteClass.isWord(b) && !dot
        case .email: return !ByteClass.isEmailLocal(b) && b != UInt8(ascii: "@")
        case .ipv6: return !ByteClass.isWord(b) && !dot && b != UInt8(ascii: ":")
        case .usSSN: return !ByteClass.isWord(b) && !dot && !dash
        case .phone: return !ByteClass.isWord(b) && !dot && !dash && b != UInt8(ascii: "+")
        }
    }

    private static func table(_ predicate: (MaskingDetector, UInt8) -> Bool) -> [UInt16] {
        (0...255).map { byte in
            MaskingDetector.allCases.reduce(UInt16(0)) { bits, detector in
                predicate(detector, UInt8(byte)) ? bits | 1 << UInt16(detector.ordinal) : bits
            }
        }
    }

    // MARK: Required bytes

    private static let at: UInt8 = 1, colon: UInt8 = 2, equals: UInt8 = 4, dot: UInt8 = 8, dash: UInt8 = 16, quote: UInt8 = 32

    /// Detectors that cannot match without one of these bytes (flags of ``requiredByteTable``).
    private static let requiredBytes: [(MaskingDetector, UInt8)] = [
        (.email, at), (.passwordAssignment, colon | equals | quote), (.ipv6, colon), (.ipv4, dot), (.jwt, dot),
        (.pemPrivateKey, dash), (.usSSN, dash),
    ]

    private static let needingSomeByte = requiredBytes.reduce(UInt16(0)) { $0 | 1 << UInt16($1.0.ordinal) }

    private static let requiredByteTable: [UInt8] = (0...255).map { byte in
        switch UInt8(byte) {
        case UInt8(ascii: "@"): at
        case UInt8(ascii: ":"): colon
        case UInt8(ascii: "="): equals
        case UInt8(ascii: "."): dot
        case UInt8(ascii: "-"): dash
        case UInt8(ascii: "'"), UInt8(ascii: "\""): quote
        default: 0
        }
    }

    private static let startTable = table { canStart($0, at: $1) }
    private static let followTable = table { canFollow($0, $1) }
}
