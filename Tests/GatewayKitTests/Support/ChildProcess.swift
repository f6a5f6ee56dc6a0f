import Foundation
import Testing

/// Runs the package's own built executables (gatewayd, auditctl) as real processes.
/// `scripts/test.sh` builds them before the tests run.
enum ChildProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The folder holding the built products (next to the test bundle).
    static var productsDirectory: URL {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while url.pathExtension == "xctest" || url.lastPathComponent == "MacOS" || url.lastPathComponent == "Contents" {
            url.deleteLastPathComponent()
        }
        return url
    }

    static func executable(_ name: String) throws -> String {
        let path = productsDirectory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            Issue.record("\(name) is not built at \(path): run scripts/test.sh (it runs `swift build --build-tests` first)")
            throw CancellationError()
        }
        return path
    }

    /// Runs to completion (killed after `timeout` seconds) and captures both streams.
    static func run(_ name: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Result {
        try run(path: try executable(name), arguments, environment: environment, timeout: timeout)
    }

    /// Runs the program at `path` to completion (killed after `timeout` seconds).
    static func run(path: String, _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Result {
        let process = try start(path: path, arguments, environment: environment)
        let name = (path as NSString).lastPathComponent
        let deadline = Date().addingTimeInterval(timeout)
        while process.process.isRunning, Date() < deadline { usleep(10_000) }
        if process.process.isRunning {
            process.process.terminate()
            Issue.record("\(name) \(arguments.joined(separator: " ")) did not finish within \(timeout)s")
        }
        process.process.waitUntilExit()
        return Result(status: process.process.terminationStatus, stdout: process.stdout, stderr: process.stderr)
    }

    /// The exit status of `process` once it has exited, without reaping it; nil while it runs.
    ///
    /// Foundation's `Process` sometimes misses the exit of a short-lived child on Linux and
    /// reports `isRunning` for ever, so waits ask the kernel as well.
    static func exitStatus(_ process: Process) -> Int32? {
        guard process.isRunning else { return process.terminationStatus }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(process.processIdentifier), &info, WEXITED | WNOHANG | WNOWAIT) == 0,
              info._sifields._sigchld.si_pid != 0 else { return nil }
        let status = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? status : 128 + status
    }

    /// A running child whose output goes to temporary files.
    final class Running: @unchecked Sendable {
        let process: Process
        let stdoutPath: String
        let stderrPath: String
        /// The child's standard input, when it was started with `input: true`.
        let input: Pipe?

        init(process: Process, stdoutPath: String, stderrPath: String, input: Pipe? = nil) {
            self.process = process
            self.stdoutPath = stdoutPath
            self.stderrPath = stderrPath
            self.input = input
        }

        /// The output files go with the handle; a test that needs them after the child is
        /// gone reads ``stdout``/``stderr`` before letting go.
        deinit {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }

        /// Writes `text` to the child's standard input (started with `input: true`).
        func send(_ text: String) {
            guard let input else {
                Issue.record("the child was started without an input pipe")
                return
            }
            // A child that already exited must fail the test's expectations, not kill the runner.
            _ = Glibc.signal(SIGPIPE, SIG_IGN)
            do {
                try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
            } catch {
                Issue.record("cannot write to the child's input (did it exit? status \(process.isRunning ? "running" : String(process.terminationStatus))): \(error)")
            }
        }

        /// Closes the child's standard input: it reads end of file.
        func closeInput() { try? input?.fileHandleForWriting.close() }

        var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

        /// Waits until `stdout` (or, with `inStandardError`, `stderr`) matches, or fails after `timeout`.
        func waitForOutput(containing text: String, timeout: TimeInterval = 60, inStandardError: Bool = false) throws -> String {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                let out = inStandardError ? stderr : stdout
                if out.contains(text) { return out }
                if !process.isRunning {
                    Issue.record("process exited with \(process.terminationStatus) before printing '\(text)'; stderr:\n\(stderr)")
                    throw CancellationError()
                }
                usleep(50_000)
            }
            Issue.record("no '\(text)' within \(timeout)s; stdout:\n\(stdout)\nstderr:\n\(stderr)")
            throw CancellationError()
        }

        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Waits for exit and returns the status, killing it after `timeout`.
        func wait(timeout: TimeInterval = 30) -> Int32 {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if let status = ChildProcess.exitStatus(process) { return status }
                usleep(20_000)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return -9
            }
            return process.terminationStatus
        }
    }

    static func start(_ name: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Running {
        try start(path: try executable(name), arguments, environment: environment)
    }

    /// Starts the program at `path`; with `input`, its standard input is a pipe the test
    /// writes with ``Running/send(_:)`` (else it reads end of file at once).
    static func start(path: String, _ arguments: [String], environment: [String: String] = [:], input: Bool = false) throws -> Running {
        let name = (path as NSString).lastPathComponent
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["AUDIT_TOKEN", "AUDIT_SERVER", "AUDITGATEWAY_DATA_DIR"] { env.removeValue(forKey: key) }
        env.merge(environment) { $1 }
        process.environment = env
        let base = NSTemporaryDirectory() + "agw-\(name)-\(UUID().uuidString.prefix(8))"
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        let pipe = input ? Pipe() : nil
        process.standardInput = pipe ?? FileHandle.nullDevice
        try process.run()
        return Running(process: process, stdoutPath: base + ".out", stderrPath: base + ".err", input: pipe)
    }
}

/// A fresh temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "agw-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func write(_ name: String, _ text: String) throws { try text.write(toFile: file(name), atomically: true, encoding: .utf8) }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
