/// Masks a stream of text (terminal output, a log being tailed) chunk by chunk with an
/// engine's detectors, so that a secret split across chunks is still masked.
///
/// Each ``feed(_:)`` returns the bytes that are decided; a tail that could still become a
/// match (an e-mail address cut after its `@`, a card number cut between groups, a PEM
/// block waiting for its END line) is held back until more arrives. The output of a stream
/// is the same as masking the whole text at once, however it was chunked.
///
/// Hold-back is bounded by the longest candidate: 1 KiB for an assignment's value, 8 KiB
/// for a JWT, 64 KiB inside a PEM private key block, and a few hundred bytes otherwise.
/// Interactive sessions should call ``flush()`` when output pauses (say 50 ms without
/// bytes), trading a secret typed slower than that for prompt echo; ``finish()`` ends the
/// stream. A value type: one per stream, not shared between tasks.
public struct StreamingTextMasker: Sendable {
    /// More than this pending, and the masker decides as if the text ended (a safety net:
    /// every detector gives up well before it).
    public static let maximumHoldBack = DetectorScanner.pemBlockLimit + 16 * 1024

    private let engine: MaskingEngine
    private var pending: [UInt8] = []
    /// The last byte passed on (detectors look one byte back for a word boundary).
    private var before = UInt8(ascii: "\n")
    /// Bytes held back after the last scan (to rescan a long candidate only as it grows).
    private var heldAfterScan = 0

    /// What this stream masked so far.
    public private(set) var counts = MaskingCounts()

    init(engine: MaskingEngine) {
        self.engine = engine
    }

    /// Bytes held back, waiting for more input.
    public var heldBytes: Int { pending.count }

    /// Adds `chunk`; returns the masked bytes that can be passed on now.
    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [UInt8] {
        guard engine.scansValues else { return Array(chunk) }
        pending.append(contentsOf: chunk)
        // Rescanning a long held candidate for every small chunk would be quadratic: wait
        // until it has grown by an eighth.
        if heldAfterScan >= 1024, pending.count - heldAfterScan < heldAfterScan / 8 { return [] }
        return process(isFinal: pending.count > Self.maximumHoldBack)
    }

    /// Decides everything held back as if the text ended here and returns it masked; the
    /// stream goes on. For pauses in interactive output.
    public mutating func flush() -> [UInt8] {
        guard !pending.isEmpty else { return [] }
        return process(isFinal: true)
    }

    /// Ends the stream: returns everything held back, masked. The masker may be reused for
    /// a new stream afterwards (counts keep accumulating).
    public mutating func finish() -> [UInt8] {
        let out = flush()
        before = UInt8(ascii: "\n")
        return out
    }

    private mutating func process(isFinal: Bool) -> [UInt8] {
        let engine = self.engine, before = self.before
        var counts = self.counts
        var out: [UInt8] = []
        let (decided, unchanged) = pending.withUnsafeBufferPointer { bytes -> (Int, Bool) in
            let text = ScanText(bytes, isFinal: isFinal, before: before)
            let first = engine.scanner.next(in: text, from: 0)
            if case .end = first { return (bytes.count, true) }
            out.reserveCapacity(bytes.count)
            return (engine.appendMasked(text, scanner: engine.scanner, first: first, to: &out, counts: &counts), false)
        }
        self.counts = counts
        if decided > 0 { self.before = pending[decided - 1] }
        if unchanged {
            swap(&out, &pending)  // nothing matched: pass the bytes on without copying
        } else {
            pending.removeFirst(decided)
        }
        heldAfterScan = pending.count
        return out
    }
}

extension MaskingEngine {
    /// A masker for a stream of text (terminal output), using this engine's detectors.
    public func makeStreamingMasker() -> StreamingTextMasker {
        StreamingTextMasker(engine: self)
    }
}
