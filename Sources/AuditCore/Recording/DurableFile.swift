import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes whole files crash-safely: temporary file, fsync, rename, fsync of the directory.
enum DurableFile {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Writes `bytes` to `path` (which must not exist yet) so that once this returns the
    /// file and its name survive a crash or power loss.
    static func create(_ path: String, bytes: [UInt8]) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent("." + (path as NSString).lastPathComponent + ".tmp")
        if FileManager.default.fileExists(atPath: path) {
            throw Failure(description: "\(path) already exists")
        }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync \(temporary): \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, path) == 0 else { throw Failure(description: "cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))") }
        ok = true
        try syncDirectory(directory)
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open directory \(directory): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot fsync directory \(directory): \(String(cString: strerror(errno)))") }
    }
}
