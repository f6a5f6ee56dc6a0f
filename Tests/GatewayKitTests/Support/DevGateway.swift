import Foundation
import Testing

/// A real `gatewayd --dev` process on a free loopback port, with its admin token.
struct DevGateway {
    let process: ChildProcess.Running
    let dataDirectory: String
    let server: String
    let token: String

    /// Starts gatewayd and waits until it printed its welcome (admin API up).
    static func start(dataDirectory: String) throws -> DevGateway {
        let process = try ChildProcess.start("gatewayd", ["--dev", "--data-dir", dataDirectory, "--admin-listen", "127.0.0.1:0"])
        let output = try process.waitForOutput(containing: "export AUDIT_TOKEN=")
        guard let server = value(after: "export AUDIT_SERVER=", in: output),
              let token = value(after: "export AUDIT_TOKEN=", in: output)
        else {
            Issue.record("welcome text lacks AUDIT_SERVER/AUDIT_TOKEN:\n\(output)")
            throw CancellationError()
        }
        return DevGateway(process: process, dataDirectory: dataDirectory, server: server, token: token)
    }

    private static func value(after prefix: String, in text: String) -> String? {
        text.split(separator: "\n").first { $0.trimmingCharacters(in: .whitespaces).hasPrefix(prefix) }
            .map { String($0.trimmingCharacters(in: .whitespaces).dropFirst(prefix.count)) }
    }

    /// Runs auditctl against this gateway with `token` (default: the admin token).
    func auditctl(_ arguments: [String], token: String? = nil) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", arguments, environment: ["AUDIT_SERVER": server, "AUDIT_TOKEN": token ?? self.token])
    }

    /// SIGTERM, and the exit status.
    func stop() -> Int32 {
        process.signal(SIGTERM)
        return process.wait(timeout: 30)
    }
}
