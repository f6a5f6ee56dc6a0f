import CompressNIO
import Crypto
import Dispatch
import Foundation
import NIOCore

/// Records one session as asciicast v2, in independently gzip-compressed chunks whose
/// SHA-256 goes into the audit chain.
///
/// Lines accumulate in memory until they reach `chunkBytes`; the chunk is then compressed
/// (gzip at zlib's fastest level, or stored for a large chunk that does not compress — see
/// ``compress(_:)``: a recording must keep up with the terminal),
/// written to `directory/<sessionID>/<index>.cast.gz` (6-digit index, fsynced, atomically
/// renamed) and a `recording.chunk` event (fields `index`, `sha256` of the file, `bytes`
/// of the file, `raw_bytes` uncompressed, `lines`) is appended to the store. A crash loses
/// at most the chunk being filled. The header line starts chunk 0.
///
/// Every chunk costs two syncs (its file, then its event), so a caller that has fallen
/// behind a fast terminal records what it has queued between ``beginBatch()`` and
/// ``endBatch()``: chunks then grow up to `maxChunkBytes`, and the recording catches up
/// instead of paying the syncs every 64 KiB.
///
/// Event times are seconds since the writer was created, from a monotonic clock. A single
/// text larger than 32 KiB (of UTF-8) is split into several events of the same kind and
/// time, never inside a character. Output may be given as bytes (``output(utf8:)``): they
/// are escaped into the line as they are, without a `String` in between, and what is not
/// well-formed UTF-8 is recorded as U+FFFD.
///
/// Errors are sticky: after a chunk cannot be written or chained, every later call throws
/// the same error, and the caller should end the session (fail closed).
public actor RecordingWriter {
    /// The session being recorded.
    public nonisolated let sessionID: String
    private let directory: String
    private let store: any AuditStore
    private let chunkBytes: Int
    private let maxChunkBytes: Int
    private var batching = false
    private let identity: Identity?
    private let connection: String?
    private let proto: String?
    private let start = ContinuousClock.now

    private var buffer = ByteBuffer()
    private var lines = 0
    private var nextIndex = 0
    private var failure: RecordingError?
    private var finished = false

    /// Largest text in one event before it is split.
    static let maxEventText = 32 * 1024

    /// - Parameters:
    ///   - sessionID: the session; must be 1–128 of `A–Z a–z 0–9 . _ -` (it names a directory).
    ///   - directory: the recordings root, e.g. `data/recordings`.
    ///   - store: where `recording.chunk` events go.
    ///   - header: the asciicast header.
    ///   - chunkBytes: uncompressed bytes per chunk (at least 256).
    ///   - maxChunkBytes: the largest chunk a batch may make (at least `chunkBytes`).
    ///   - identity: attributed on every `recording.chunk` event.
    ///   - connection: the connection name for chunk events.
    ///   - protocol: the protocol for chunk events.
    public init(
        sessionID: String,
        directory: String,
        store: any AuditStore,
        header: AsciicastHeader,
        chunkBytes: Int = 64 * 1024,
        maxChunkBytes: Int = 4 * 1024 * 1024,
        identity: Identity?,
        connection: String? = nil,
        protocol: String? = nil
    ) {
        self.sessionID = sessionID
        self.directory = directory
        self.store = store
        self.chunkBytes = max(chunkBytes, 256)
        self.maxChunkBytes = max(maxChunkBytes, self.chunkBytes)
        self.identity = identity
        self.connection = connection
        self.proto = `protocol`
        do {
            try RecordingLayout.validate(sessionID: sessionID)
        } catch let error as RecordingError {
            failure = error
        } catch {}
        buffer.reserveCapacity(self.chunkBytes + 1024)
        buffer.writeBytes(AsciicastLine.header(header))
        buffer.writeInteger(UInt8(0x0A))
        lines = 1
    }

    /// Records terminal output (`o`).
    public func output(_ text: String) async throws {
        try await record(kind: "o", text)
    }

    /// Records terminal output (`o`) given as bytes. A sequence cut at the end of `utf8`
    /// is recorded as U+FFFD: callers with a stream hold an incomplete tail back for the
    /// next call.
    public func output(utf8: some Collection<UInt8> & Sendable) async throws {
        try await record(kind: "o", utf8: utf8)
    }

    /// Records terminal input (`i`) given as bytes (see ``output(utf8:)``).
    public func input(utf8: some Collection<UInt8> & Sendable) async throws {
        try await record(kind: "i", utf8: utf8)
    }

    /// Records terminal input (`i`). Callers must not record typed secrets (passwords).
    public func input(_ text: String) async throws {
        try await record(kind: "i", text)
    }

    /// Records a terminal resize (`r`, data `COLSxROWS`).
    public func resize(cols: Int, rows: Int) async throws {
        try await record(kind: "r", "\(cols)x\(rows)")
    }

    /// Records a marker (`m`): for database transcripts, statements and result summaries.
    public func marker(_ text: String) async throws {
        try await record(kind: "m", text)
    }

    /// Starts a batch: until ``endBatch()`` a chunk is written only once `maxChunkBytes`
    /// are buffered.
    public func beginBatch() {
        batching = true
    }

    /// Ends a batch, writing a chunk if `chunkBytes` are buffered.
    public func endBatch() async throws {
        batching = false
        if let failure { throw failure }
        if !finished, buffer.readableBytes >= chunkBytes {
            try await flush()
        }
    }

    /// Writes the last chunk (and chunk 0 with just the header if nothing was recorded).
    /// Calling it again does nothing; recording after it throws.
    public func finish() async throws {
        if let failure { throw failure }
        guard !finished else { return }
        finished = true
        if buffer.readableBytes > 0 || nextIndex == 0 {
            try await flush()
        }
    }

    private func record(kind: String, _ text: String) async throws {
        try await record(kind: kind, utf8: text.utf8)
    }

    private func record(kind: String, utf8: some Collection<UInt8>) async throws {
        if let failure { throw failure }
        guard !finished else {
            throw RecordingError(.finished, "the recording of session \(sessionID) is finished; nothing more can be recorded")
        }
        let micros = elapsedMicroseconds()
        if utf8.withContiguousStorageIfAvailable({ appendLines(micros: micros, kind: kind, UnsafeRawBufferPointer($0)) }) == nil {
            Array(utf8).withUnsafeBytes { appendLines(micros: micros, kind: kind, $0) }
        }
        if buffer.readableBytes >= (batching ? maxChunkBytes : chunkBytes) {
            try await flush()
        }
    }

    /// One line, or several of at most ``maxEventText`` bytes of `utf8` each.
    private func appendLines(micros: Int64, kind: String, _ utf8: UnsafeRawBufferPointer) {
        var start = 0
        while utf8.count - start > Self.maxEventText {
            let cut = JSONStringBytes.boundary(utf8, atOrBefore: start + Self.maxEventText)
            appendLine(micros: micros, kind: kind, UnsafeRawBufferPointer(rebasing: utf8[start..<cut]))
            start = cut
        }
        appendLine(micros: micros, kind: kind, UnsafeRawBufferPointer(rebasing: utf8[start...]))
    }

    private func appendLine(micros: Int64, kind: String, _ utf8: UnsafeRawBufferPointer) {
        AsciicastLine.appendEvent(to: &buffer, microseconds: micros, kind: kind, utf8: utf8)
        buffer.writeInteger(UInt8(0x0A))
        lines += 1
    }

    private func elapsedMicroseconds() -> Int64 {
        let elapsed = start.duration(to: .now).components
        return elapsed.seconds * 1_000_000 + elapsed.attoseconds / 1_000_000_000_000
    }

    /// Compresses, writes and chains the current buffer as the next chunk.
    private func flush() async throws {
        let raw = buffer
        let rawBytes = raw.readableBytes
        let lineCount = lines
        let index = nextIndex
        buffer = ByteBuffer()
        buffer.reserveCapacity(min(rawBytes, maxChunkBytes) + 1024)
        lines = 0
        nextIndex += 1  // reserved before any suspension point: chunks never share an index

        let path = RecordingLayout.chunkPath(directory, sessionID, index)
        let sessionDirectory = RecordingLayout.sessionDirectory(directory, sessionID)
        let compressed: [UInt8]
        do {
            compressed = try await Self.offload {
                let bytes = Array(try Self.compress(raw).readableBytesView)
                try FileManager.default.createDirectory(atPath: sessionDirectory, withIntermediateDirectories: true)
                try DurableFile.create(path, bytes: bytes)
                return bytes
            }
        } catch {
            let failure = RecordingError(.writeFailed, "chunk \(index) of the recording of session \(sessionID) could not be written to \(path): \(error)")
            self.failure = failure
            throw failure
        }
        let digest = AuditChain.hex(SHA256.hash(data: compressed))
        let event = AuditEvent(
            type: .recordingChunk, sessionID: sessionID, identity: identity, connection: connection, protocol: proto,
            fields: [
                AuditField.index: .int(Int64(index)),
                AuditField.sha256: .string(digest),
                AuditField.bytes: .int(Int64(compressed.count)),
                AuditField.rawBytes: .int(Int64(rawBytes)),
                AuditField.lines: .int(Int64(lineCount)),
            ]
        )
        do {
            _ = try await store.append(event)
        } catch {
            let failure = RecordingError(.writeFailed, "chunk \(index) of the recording of session \(sessionID) was written but could not be chained into the audit store: \(error)")
            self.failure = failure
            throw failure
        }
    }

    static let compression = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .fastestCompression))
    /// Gzip without compression (stored blocks): what ``compress(_:)`` writes for a large
    /// chunk that does not compress.
    static let stored = CompressionAlgorithm.gzip(configuration: .init(compressionLevel: .noCompression))
    /// The part of a large chunk tried first, and the smallest chunk that is tried.
    static let probeBytes = 64 * 1024

    /// Gzips a chunk. A chunk of 256 KiB or more is made only when the recorder has fallen
    /// behind a fast terminal (a batch). If its first 64 KiB do not shrink below 65 %, it is
    /// stored uncompressed: output that string matching cannot shorten — random-looking text
    /// such as base64, already compressed data — costs zlib's fastest level the most
    /// (measured here: 21 MB/s on base64, which it shrinks by 22 %; Huffman coding alone 57
    /// MB/s for 24 %), more than the recorder can spend at a terminal's tens of MB/s, while
    /// storing runs at 260 MB/s. Ordinary terminal text shrinks to a third or less, at 60-140
    /// MB/s, and is always compressed, as are all smaller chunks. Either way a chunk is gzip.
    static func compress(_ raw: ByteBuffer) throws -> ByteBuffer {
        var input = raw
        return try input.compress(with: try stores(raw) ? stored : compression)
    }

    /// Whether ``compress(_:)`` stores `raw` uncompressed.
    static func stores(_ raw: ByteBuffer) throws -> Bool {
        guard raw.readableBytes >= 4 * probeBytes, var probe = raw.getSlice(at: raw.readerIndex, length: probeBytes) else { return false }
        return try probe.compress(with: compression).readableBytes * 100 > probeBytes * 65
    }

    /// Runs blocking file work (compression, fsync) off the cooperative thread pool.
    private static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .utility).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
