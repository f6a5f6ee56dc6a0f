import Foundation
import Testing

/// The real servers the end-to-end tests drive, started by `scripts/test-servers.sh`
/// (scripts/test.sh starts them once for the whole run and exports AGW_TEST_*; run alone,
/// a suite starts them itself). A server that cannot start fails the test loudly.
enum TestServers {
    struct Postgres {
        var host: String
        var port: Int
        var socketDirectory: String
        var caFile: String
    }

    struct SSH {
        var host: String
        var port: Int
        /// A login on the server that accepts both ``password`` and the key at ``keyFile``.
        var user: String
        var password: String
        var keyFile: String
        /// The server's host key as an OpenSSH public key line (`ssh-ed25519 AAAA...`).
        var hostKey: String
    }

    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static func postgres() throws -> Postgres {
        var env = ProcessInfo.processInfo.environment
        if env["AGW_TEST_PG_PORT"] == nil {
            env = try start("postgres")
        }
        guard let host = env["AGW_TEST_PG_HOST"], let port = env["AGW_TEST_PG_PORT"].flatMap(Int.init),
              let socket = env["AGW_TEST_PG_SOCKET"], let ca = env["AGW_TEST_PG_CA"]
        else {
            Issue.record("scripts/test-servers.sh did not report the PostgreSQL server")
            throw CancellationError()
        }
        return Postgres(host: host, port: port, socketDirectory: socket, caFile: ca)
    }

    static func ssh() throws -> SSH {
        var env = ProcessInfo.processInfo.environment
        if env["AGW_TEST_SSH_PORT"] == nil {
            env = try start("sshd")
        }
        guard let host = env["AGW_TEST_SSH_HOST"], let port = env["AGW_TEST_SSH_PORT"].flatMap(Int.init), let user = env["AGW_TEST_SSH_USER"],
              let password = env["AGW_TEST_SSH_PASSWORD"], let key = env["AGW_TEST_SSH_KEY"], let hostKey = env["AGW_TEST_SSH_HOST_KEY"]
        else {
            Issue.record("scripts/test-servers.sh did not report the sshd server")
            throw CancellationError()
        }
        return SSH(host: host, port: port, user: user, password: password, keyFile: key, hostKey: hostKey)
    }

    private static let startLock = NSLock()
    nonisolated(unsafe) private static var started: [String: [String: String]] = [:]

    /// Runs the script once per process and returns its exported variables.
    private static func start(_ server: String) throws -> [String: String] {
        startLock.lock()
        defer { startLock.unlock() }
        if let done = started[server] { return done }
        // Output goes to files, not pipes: a server the script starts may keep a pipe open,
        // and reading it to the end would then never return.
        let base = NSTemporaryDirectory() + "agw-test-servers-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [repositoryRoot.appendingPathComponent("scripts/test-servers.sh").path, "start", server]
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var status = ChildProcess.exitStatus(process)
        while status == nil {
            usleep(50_000)
            status = ChildProcess.exitStatus(process)
        }
        let data = FileManager.default.contents(atPath: base + ".out") ?? Data()
        let errorText = String(decoding: FileManager.default.contents(atPath: base + ".err") ?? Data(), as: UTF8.self)
        guard status == 0 else {
            Issue.record("scripts/test-servers.sh start \(server) failed (\(status ?? -1)):\n\(errorText)")
            throw CancellationError()
        }
        var values: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where line.hasPrefix("export ") {
            let assignment = line.dropFirst("export ".count)
            if let equals = assignment.firstIndex(of: "=") {
                var value = assignment[assignment.index(after: equals)...]
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                values[String(assignment[..<equals])] = String(value)
            }
        }
        started[server] = values
        return values
    }

    /// A TCP port nothing listens on right now.
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
