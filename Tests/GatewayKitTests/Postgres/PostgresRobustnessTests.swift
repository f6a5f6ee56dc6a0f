import Foundation
import Testing

/// Bad input closes only the offending connection; a non-libpq driver works end to end.
@Suite("PostgreSQL gateway robustness", .serialized)
final class PostgresRobustnessTests {
    let gateway: PostgresGateway
    let developer: String

    init() throws {
        gateway = try PostgresGateway.start()
        developer = try gateway.token("dora", groups: ["developers"])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// Sends `bytes` on a fresh plaintext TCP connection and returns what came back before close.
    private func exchange(_ bytes: [UInt8], halfClose: Bool = false) throws -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(gateway.port).bigEndian
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0)
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if halfClose { shutdown(fd, Int32(SHUT_WR)) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count <= 0 { break }
            received += chunk[0..<count]
        }
        return received
    }

    private static func be32(_ value: Int32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    @Test func malformedFramesGetAnErrorAndOtherSessionsCarryOn() throws {
        // A healthy session runs across all the abuse.
        let healthy = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-At", "-d", gateway.dsn("orders"), "-c", "select pg_sleep(3)", "-c", "select 'healthy'"],
                                             environment: ["PGPASSWORD": developer])
        Thread.sleep(forTimeInterval: 0.5)

        var manyParameters: [UInt8] = Self.be32(196_608)
        for index in 0..<5000 { manyParameters += Array("p\(index)\0v\0".utf8) }
        manyParameters += [0]
        manyParameters = Self.be32(Int32(manyParameters.count + 4)) + manyParameters

        let cases: [(String, [UInt8])] = [
            ("length 0", Self.be32(0)),
            ("length 2^31-1", Self.be32(Int32.max) + [0, 3, 0, 0]),
            ("truncated", Self.be32(40) + [0, 3, 0, 0] + Array("user\0".utf8)),
            ("unknown request code", Self.be32(8) + Self.be32(12345)),
            ("thousands of parameters", manyParameters),
        ]
        for (name, bytes) in cases {
            // The truncated packet is followed by the client hanging up mid-message.
            let answer = try exchange(bytes, halfClose: name == "truncated")
            // Either an ErrorResponse ('E' ...) naming the problem, or a plain close for a
            // truncated packet the client itself abandoned; never a crash.
            if name != "truncated" {
                #expect(answer.first == UInt8(ascii: "E"), "\(name): expected an ErrorResponse, got \(answer.prefix(16))")
                #expect(String(decoding: answer, as: UTF8.self).contains("08P01"), "\(name): protocol-violation SQLSTATE")
            }
        }
        // An unknown message type after a good startup (plaintext is refused first, so the
        // answer is the TLS refusal: the connection is closed cleanly either way).
        let afterStartup = try exchange(Self.be32(Int32(8 + 14)) + [0, 3, 0, 0] + Array("user\0orders\0\0".utf8) + [UInt8(ascii: "Z")] + Self.be32(4))
        #expect(afterStartup.first == UInt8(ascii: "E"))

        #expect(healthy.wait(timeout: 30) == 0, "the healthy session is untouched: \(healthy.stderr)")
        #expect(healthy.stdout.contains("healthy"))
        let still = try gateway.psql("orders", token: developer, ["-At", "-c", "select 'gateway still serving'"])
        #expect(still.stdout == "gateway still serving\n", "\(still.stderr)")
    }

    @Test func aDriverWithoutLibpqRunsParameterizedQueries() throws {
        let script = TestServers.repositoryRoot.appendingPathComponent("Tests/GatewayKitTests/Postgres/Fixtures/pg8000_client.py").path
        let run = try ChildProcess.runTool("python3", [script, String(gateway.port), developer, gateway.certificate])
        #expect(run.status == 0, "pg8000: \(run.stderr)")
        let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        let rows = result?["rows"] as? [[Any]]
        #expect(rows?.first?[1] as? String == "from pg8000")
        #expect(result?["error"] as? String == "42P01")
        #expect((result?["after_error"] as? [[Any]])?.first?.first as? Int == 42)
        let bound = try gateway.events(["--subject", "dora", "--type", "command", "--text", "from pg8000"])
        #expect(!bound.isEmpty, "bound parameters are in the trail")
    }
}
