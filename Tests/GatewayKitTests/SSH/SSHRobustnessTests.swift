import Foundation
import Testing

/// Clients that misbehave — garbage instead of SSH, a handshake that stalls — lose their own
/// connection and nothing else.
@Suite("SSH gateway robustness", .serialized)
final class SSHRobustnessTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start()
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// A TCP connection to the gateway that sends `bytes`; returns its descriptor.
    private func connect(sending bytes: [UInt8]) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(gateway.port).bigEndian)
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        return fd
    }

    /// Whether the gateway closed `fd` within `timeout` (reads until end of file).
    private func closedByGateway(_ fd: Int32, within timeout: TimeInterval) -> Bool {
        var tv = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
        }
        return false
    }

    @Test func garbageAndStalledHandshakesDoNotDisturbARunningSession() throws {
        let client = try gateway.start("web-1", token: try gateway.token("alice"), command: "echo started; sleep 3; echo finished-fine")
        _ = try client.waitForOutput(containing: "started", timeout: 20)

        // Not SSH at all, then a valid version line followed by a malformed packet.
        let garbage = try connect(sending: Array("GET / HTTP/1.1\r\n\r\n".utf8) + [UInt8](repeating: 0xFF, count: 4096))
        defer { close(garbage) }
        let malformed = try connect(sending: Array("SSH-2.0-fuzzer\r\n".utf8) + [0x7F, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02, 0x03])
        defer { close(malformed) }
        // A client that says hello and then nothing more.
        let stalled = try connect(sending: Array("SSH-2.0-stalls\r\n".utf8))
        defer { close(stalled) }

        #expect(closedByGateway(garbage, within: 10), "a connection sending garbage is closed")
        #expect(closedByGateway(malformed, within: 10), "a connection sending a malformed packet is closed")
        #expect(client.wait(timeout: 30) == 0, "the running session finishes normally: \(client.stderr)")
        #expect(client.stdout.contains("finished-fine"))

        // New sessions still work while the stalled client hangs on.
        let again = try gateway.run("web-1", token: try gateway.token("alice"), "echo still-serving")
        #expect(again.status == 0 && again.stdout.contains("still-serving"), "stderr: \(again.stderr)")
    }
}
