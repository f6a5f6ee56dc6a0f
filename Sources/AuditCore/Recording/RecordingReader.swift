import CompressNIO
import Crypto
import Foundation
import NIOCore

/// Loads a session recording and checks every chunk against the audit chain.
public enum RecordingReader {
    /// Largest uncompressed chunk accepted when reading.
    static let maxChunkBytes = 64 * 1024 * 1024
    /// Largest whole recording (uncompressed) loaded into memory.
    public static let maxRecordingBytes = 512 * 1024 * 1024

    /// Reads `directory/<sessionID>/*.cast.gz` in the order of the session's
    /// `recording.chunk` events, checking each file's SHA-256 against its event.
    ///
    /// - Throws: ``RecordingError`` naming the chunk when a chunk event or file is missing
    ///   (``RecordingError/Code/missingChunk``), a file was altered
    ///   (``RecordingError/Code/alteredChunk``) or cannot be decoded; or the store's error.
    ///   Chunk files without a chain event (a crash between writing and chaining) are ignored.
    public static func load(sessionID: String, directory: String, store: any AuditStore) async throws -> Recording {
        try RecordingLayout.validate(sessionID: sessionID)
        var chunkEvents: [Int: AuditRecord] = [:]
        var after: Int64?
        while true {
            let page = try await store.events(AuditQuery(sessionID: sessionID, types: [.recordingChunk], afterSeq: after, limit: AuditQuery.maxLimit))
            for record in page {
                guard let index = record.event.fields[AuditField.index]?.intValue, index >= 0, index < Int64(Int32.max) else {
                    throw RecordingError(.corruptChunk, "recording of session \(sessionID): event \(record.seq) is a recording.chunk without an index")
                }
                if chunkEvents[Int(index)] == nil { chunkEvents[Int(index)] = record }
            }
            guard page.count == AuditQuery.maxLimit, let last = page.last else { break }
            after = last.seq
        }
        guard let lastIndex = chunkEvents.keys.max() else {
            throw RecordingError(.notFound, "session \(sessionID) has no recording (no recording.chunk events in the audit store)")
        }

        var header: AsciicastHeader?
        var events: [RecordingEvent] = []
        var totalBytes = 0
        for index in 0...lastIndex {
            let path = RecordingLayout.chunkPath(directory, sessionID, index)
            guard let record = chunkEvents[index] else {
                throw RecordingError(.missingChunk, "recording of session \(sessionID): chunk \(index) (\(path)) has no recording.chunk event in the audit chain")
            }
            guard let expected = record.event.fields[AuditField.sha256]?.stringValue else {
                throw RecordingError(.corruptChunk, "recording of session \(sessionID): event \(record.seq) for chunk \(index) has no sha256")
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                throw RecordingError(.missingChunk, "recording of session \(sessionID): chunk \(index) is missing (\(path)); the audit chain records it at event \(record.seq)")
            }
            let actual = AuditChain.hex(SHA256.hash(data: data))
            guard actual == expected else {
                throw RecordingError(.alteredChunk, "recording of session \(sessionID): chunk \(index) (\(path)) was altered: its SHA-256 is \(actual) but the audit chain recorded \(expected) at event \(record.seq)")
            }
            let rawLimit = record.event.fields[AuditField.rawBytes]?.intValue.map { Int(min($0, Int64(maxChunkBytes))) } ?? maxChunkBytes
            let raw: ByteBuffer
            do {
                var compressed = ByteBuffer(bytes: data)
                raw = try compressed.decompress(with: .gzip(), maxSize: max(rawLimit, 1))
            } catch {
                throw RecordingError(.corruptChunk, "recording of session \(sessionID): chunk \(index) (\(path)) matches the chain but cannot be decompressed: \(error)")
            }
            totalBytes += raw.readableBytes
            guard totalBytes <= maxRecordingBytes else {
                throw RecordingError(.tooLarge, "recording of session \(sessionID) is larger than \(maxRecordingBytes / 1024 / 1024) MiB uncompressed; read its chunk files directly under \(RecordingLayout.sessionDirectory(directory, sessionID))")
            }
            var lineNumber = 0
            for line in raw.readableBytesView.split(separator: 0x0A, omittingEmptySubsequences: true) {
                lineNumber += 1
                do {
                    if index == 0, lineNumber == 1 {
                        header = try AsciicastLine.parseHeader(line)
                    } else {
                        events.append(try AsciicastLine.parseEvent(line))
                    }
                } catch {
                    throw RecordingError(.corruptChunk, "recording of session \(sessionID): chunk \(index) line \(lineNumber) cannot be parsed: \(error)")
                }
            }
        }
        guard let header else {
            throw RecordingError(.corruptChunk, "recording of session \(sessionID): chunk 0 has no asciicast header")
        }
        return Recording(header: header, events: events)
    }
}
