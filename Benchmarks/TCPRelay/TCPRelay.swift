import ArgumentParser
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The floor for any proxy built on SwiftNIO: a TCP relay that glues each accepted
/// connection to a new upstream connection and copies bytes both ways, parsing nothing and
/// recording nothing. `scripts/bench/postgres.sh` runs pgbench through it beside direct,
/// gatewayd and PgBouncer, so gatewayd's cost can be split into what NIO's data path itself
/// costs on the machine and what the gateway adds (framing, policy, audit, recording).
@main
struct TCPRelay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tcp-relay",
        abstract: "A bare SwiftNIO TCP relay (no parsing, no audit): the floor for a NIO-based proxy."
    )

    @Option(help: "Where to listen, HOST:PORT.")
    var listen: String

    @Option(help: "Where to connect for each client, HOST:PORT.")
    var upstream: String

    @Option(help: "Event loop threads (default: one per core).")
    var threads: Int = System.coreCount

    func validate() throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1 to 256 (got \(threads))") }
    }

    func run() async throws {
        let (listenHost, listenPort) = try Self.split(listen)
        let (upstreamHost, upstreamPort) = try Self.split(upstream)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { client in
                // The upstream connection shares the client's event loop, so the two
                // handlers talk without crossing threads.
                ClientBootstrap(group: client.eventLoop)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: upstreamHost, port: upstreamPort)
                    .flatMap { upstream in
                        let (toUpstream, toClient) = RelayHandler.pair()
                        do {
                            try client.pipeline.syncOperations.addHandler(toUpstream)
                            try upstream.pipeline.syncOperations.addHandler(toClient)
                        } catch {
                            return client.eventLoop.makeFailedFuture(error)
                        }
                        // Reading starts once both sides are joined (nothing read is dropped).
                        return client.setOption(.autoRead, value: true)
                    }
            }
            .bind(host: listenHost, port: listenPort).get()
        print("tcp-relay listening on \(server.localAddress.map { "\($0)" } ?? listen), relaying to \(upstream) with \(threads) event loop(s)")
        fflush(nil)  // flush stdout: the benchmark script waits for this line in a log file
        try await server.closeFuture.get()
    }

    static func split(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ValidationError("expected HOST:PORT, got \(address)")
        }
        return (String(address[..<colon]), port)
    }
}
