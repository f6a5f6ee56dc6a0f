import Dispatch
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes every committed audit record as one JSON line to a file or stdout, for SIEMs.
///
/// Each line is canonical JSON (sorted keys, no spaces):
/// `{"event":<canonical event>,"hash":"…","node":"…","prev_hash":"…","seq":N}` followed by
/// `\n`. `event` is exactly the bytes the chain hash covers, so a consumer can recompute
/// the chain from the export alone.
///
/// Lines are written in chain order on the sink's own queue, so a slow file never stalls
/// the store's writer. A file is opened for appending (created with mode 0600).
public final class JSONLinesExportSink: Sendable {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let queue = DispatchQueue(label: "audit.export.jsonl")
    private let logger: Logger
    /// Where lines go: the path, or `-` for stdout.
    public let destination: String

    /// - Parameter path: the file to append to; `nil` writes to stdout.
    /// - Throws: ``AuditStoreError`` if the file cannot be opened.
    public init(path: String?, logger: Logger = Logger(label: "audit.export")) throws {
        self.logger = logger
        if let path {
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw AuditStoreError(.invalidConfiguration, "cannot open the JSON lines export file \(path): \(String(cString: strerror(errno)))")
            }
            self.fd = fd
            self.ownsDescriptor = true
            self.destination = path
        } else {
            self.fd = STDOUT_FILENO
            self.ownsDescriptor = false
            self.destination = "-"
        }
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Starts exporting every batch the store commits from now on. The store keeps the
    /// sink alive.
    public func attach(to store: SQLiteAuditStore) {
        store.addObserver { records in
            self.enqueue(records)
        }
    }

    /// Queues `records` for writing (in order).
    public func enqueue(_ records: [AuditRecord]) {
        queue.async {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(records.count * 512)
            for record in records { Self.line(record, into: &bytes) }
            do {
                try DurableFile.writeAll(self.fd, bytes, path: self.destination)
            } catch {
                self.logger.error("audit export write failed", metadata: ["destination": "\(self.destination)", "error": "\(error)"])
            }
        }
    }

    /// Waits until every queued line has been written.
    public func flush() {
        queue.sync {}
    }

    /// The export line for `record`, with its trailing newline.
    public static func line(_ record: AuditRecord) -> String {
        var bytes: [UInt8] = []
        line(record, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func line(_ record: AuditRecord, into bytes: inout [UInt8]) {
        var writer = CanonicalJSONWriter(capacity: 512)
        writer.raw("{\"event\":")
        record.event.write(to: &writer)
        writer.raw(",\"hash\":")
        writer.string(record.hash)
        writer.raw(",\"node\":")
        writer.string(record.node)
        writer.raw(",\"prev_hash\":")
        writer.string(record.previousHash)
        writer.raw(",\"seq\":")
        writer.integer(record.seq)
        writer.raw("}\n")
        bytes.append(contentsOf: writer.bytes)
    }
}
