import AsyncHTTPClient
import AuditCore
import Crypto
import Foundation
import GatewayKit
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// `HTTPJWKSSource` against a real Hummingbird server on a loopback port.
@Suite("HTTPJWKSSource")
struct HTTPJWKSSourceTests {
    static let issuer = "https://idp.test"

    /// What the test server publishes, and how often it was asked.
    final class Published: Sendable {
        private let state: Mutex<(document: Data, requests: Int)>
        init(_ document: Data) { state = Mutex((document, 0)) }
        var requests: Int { state.withLock { $0.requests } }
        func publish(_ document: Data) { state.withLock { $0.document = document } }
        func serve() -> Data {
            state.withLock { state -> Data in
                state.requests += 1
                return state.document
            }
        }
    }

    final class Clock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_795_770_000))
        var now: Date { current.withLock { $0 } }
        func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// Runs `body` with a JWKS server on 127.0.0.1 serving `/jwks.json`, `/large.json` and
    /// `/broken` (500); passes the base URL.
    static func withServer(_ published: Published, _ body: @Sendable (String) async throws -> Void) async throws {
        let router = Router()
        router.get("/jwks.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: published.serve())))
        }
        router.get("/large.json") { _, _ -> Response in
            Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(repeating: UInt8(ascii: " "), count: 4096)))
        }
        router.get("/broken") { _, _ -> Response in
            Response(status: .internalServerError)
        }
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: {
                var logger = Logger(label: "jwks-test-server")
                logger.logLevel = .warning
                return logger
            }()
        )
        var logger = Logger(label: "jwks-test-server")
        logger.logLevel = .warning
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do {
                try await body("http://127.0.0.1:\(port)")
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                throw error
            }
            await serviceGroup.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    static func signer(_ kid: String) -> Ed25519TokenSigner {
        Ed25519TokenSigner(issuer: issuer, keyID: kid, privateKey: Curve25519.Signing.PrivateKey())
    }

    static func jwks(_ signers: [Ed25519TokenSigner]) throws -> Data {
        let keys = try signers.flatMap { signer -> [Any] in
            let object = try JSONSerialization.jsonObject(with: signer.jwksJSON()) as? [String: Any]
            return object?["keys"] as? [Any] ?? []
        }
        return try JSONSerialization.data(withJSONObject: ["keys": keys])
    }

    static func token(_ signer: Ed25519TokenSigner, clock: Clock) throws -> String {
        try signer.mint(TokenClaims(subject: "alice", audience: ["auditgateway"], issuedAt: clock.now, expiresAt: clock.now.addingTimeInterval(600)))
    }

    static func verifier(_ url: String, clock: Clock) -> TokenVerifier {
        TokenVerifier(
            issuers: [IssuerConfiguration(issuer: issuer, audiences: ["auditgateway"], jwks: HTTPJWKSSource(url: url + "/jwks.json"))],
            minimumRefetchInterval: 30,
            cacheCapacity: 0,
            now: { clock.now }
        )
    }

    @Test func fetchesTheDocument() async throws {
        let document = try Self.jwks([Self.signer("k1")])
        let published = Published(document)
        try await Self.withServer(published) { base in
            let fetched = try await HTTPJWKSSource(url: base + "/jwks.json").fetchJWKS()
            #expect(fetched == document)
            #expect(published.requests == 1)
        }
    }

    @Test func rotatedKeyIsPickedUpByRefetch() async throws {
        let k1 = Self.signer("k1"), k2 = Self.signer("k2")
        let clock = Clock()
        let published = Published(try Self.jwks([k1]))
        try await Self.withServer(published) { base in
            let verifier = Self.verifier(base, clock: clock)
            #expect(try await verifier.verify(Self.token(k1, clock: clock)).subject == "alice")
            #expect(published.requests == 1)

            // The issuer rotates: k2 appears after our first fetch.
            published.publish(try Self.jwks([k1, k2]))
            clock.advance(by: 31)
            #expect(try await verifier.verify(Self.token(k2, clock: clock)).subject == "alice")
            #expect(published.requests == 2)
            // Known keys need no more requests.
            _ = try await verifier.verify(Self.token(k1, clock: clock))
            _ = try await verifier.verify(Self.token(k2, clock: clock))
            #expect(published.requests == 2)
        }
    }

    @Test func unknownKeyIDsWithinTheIntervalRefetchOnce() async throws {
        let k1 = Self.signer("k1")
        let clock = Clock()
        let published = Published(try Self.jwks([k1]))
        try await Self.withServer(published) { base in
            let verifier = Self.verifier(base, clock: clock)
            _ = try await verifier.verify(Self.token(k1, clock: clock))
            #expect(published.requests == 1)
            clock.advance(by: 31)
            for index in 0..<10 {
                let stranger = try Self.token(Self.signer("unknown-\(index)"), clock: clock)
                await #expect(throws: TokenVerificationError.self) { try await verifier.verify(stranger) }
                clock.advance(by: 1)
            }
            #expect(published.requests == 2)
            // Once the interval has passed, the next unknown kid may refetch again.
            clock.advance(by: 30)
            let late = try Self.token(Self.signer("unknown-late"), clock: clock)
            do throws(TokenVerificationError) {
                _ = try await verifier.verify(late)
                Issue.record("unknown kid verified")
            } catch {
                #expect(error.code == .unknownKeyID)
            }
            #expect(published.requests == 3)
        }
    }

    @Test func non200NamesTheURLAndStatus() async throws {
        try await Self.withServer(Published(Data())) { base in
            let url = base + "/broken"
            do {
                _ = try await HTTPJWKSSource(url: url).fetchJWKS()
                Issue.record("expected an error")
            } catch {
                #expect("\(error)".contains(url))
                #expect("\(error)".contains("500"))
            }
        }
    }

    @Test func oversizedBodyIsRefused() async throws {
        try await Self.withServer(Published(Data())) { base in
            do {
                _ = try await HTTPJWKSSource(url: base + "/large.json", maximumBodySize: 1024).fetchJWKS()
                Issue.record("expected an error")
            } catch {
                #expect("\(error)".contains("at most 1024 bytes"))
            }
        }
    }

    @Test func plainHTTPToARemoteHostIsRefused() async throws {
        do {
            _ = try await HTTPJWKSSource(url: "http://idp.example/jwks.json").fetchJWKS()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("use https"))
        }
    }

    @Test func unreachableServerNamesTheURL() async throws {
        // Port 1 on loopback: nothing listens there.
        let url = "http://127.0.0.1:1/jwks.json"
        do {
            _ = try await HTTPJWKSSource(url: url, timeout: .seconds(1)).fetchJWKS()
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains(url))
        }
    }
}
