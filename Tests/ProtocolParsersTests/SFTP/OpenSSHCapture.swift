import Foundation
import NIOCore
import Testing

/// Records real OpenSSH conversations without a server: `sftp -D` runs `sftp-server` over
/// pipes, and `scp -O -S` runs the remote `scp` through a stand-in for `ssh`. A small relay
/// between the two ends logs every chunk, in the order it passed, as a gateway would see it.
/// Nothing listens on the network.
enum OpenSSHCapture {
    /// One chunk as it crossed the relay.
    struct Chunk {
        var fromClient: Bool
        var bytes: ByteBuffer
    }

    static let sftpServer = ["/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server", "/usr/libexec/openssh/sftp-server"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func which(_ program: String) -> String? {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(program)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var canCaptureSFTP: Bool { which("sftp") != nil && sftpServer != nil && which("python3") != nil }
    static var canCaptureSCP: Bool { which("scp") != nil && which("python3") != nil }

    /// Relays stdin/stdout to a child command, logging each chunk as `C` or `S`, a
    /// big-endian uint32 length and the bytes.
    static let relay = """
        import os, select, subprocess, sys
        log = open(sys.argv[1], "ab", buffering=0)
        child = subprocess.Popen(sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        routes = {0: (b"C", child.stdin.fileno()), child.stdout.fileno(): (b"S", 1)}
        while child.stdout.fileno() in routes:
            for fd in select.select(list(routes), [], [])[0]:
                tag, destination = routes[fd]
                data = os.read(fd, 65536)
                if not data:
                    del routes[fd]
                    if tag == b"C":
                        child.stdin.close()
                    continue
                log.write(tag + len(data).to_bytes(4, "big") + data)
                while data:
                    data = data[os.write(destination, data):]
        sys.exit(child.wait())

        """

    /// A fresh directory holding the relay script.
    static func makeWorkspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sftp-capture-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try self.write(self.relay, to: directory.appendingPathComponent("relay.py"))
        // Paths as the tools will print them (the temporary folder may be behind a link).
        return directory.resolvingSymlinksInPath()
    }

    static func write(_ text: String, to url: URL, executable: Bool = false) throws {
        try text.write(to: url, atomically: true, encoding: .utf8)
        if executable {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
    }

    /// Runs `script` with `/bin/sh` in `directory` (output to `run.out`), killed after a
    /// minute; returns the exit status.
    @discardableResult
    static func shell(_ script: String, in directory: URL) -> Int32 {
        let command = "cd '\(directory.path)' && exec timeout 60 sh -c '\(script.replacingOccurrences(of: "'", with: "'\\''"))' >>run.out 2>&1"
        var pid: pid_t = 0
        let words: [String] = ["/bin/sh", "-c", command]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        guard posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Reads the relay's log.
    static func chunks(at url: URL) throws -> [Chunk] {
        var log = ByteBuffer(bytes: try Data(contentsOf: url))
        var chunks: [Chunk] = []
        while let tag = log.readInteger(as: UInt8.self),
            let length = log.readInteger(endianness: .big, as: UInt32.self),
            let bytes = log.readSlice(length: Int(length))
        {
            chunks.append(Chunk(fromClient: tag == UInt8(ascii: "C"), bytes: bytes))
        }
        return chunks
    }

    /// A file of `count` bytes that are not all alike.
    static func makeFile(_ url: URL, count: Int, mode: Int = 0o644) throws {
        try Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) }).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url.path)
    }
}
