import AsyncHTTPClient
import AuditCore
import Foundation
import NIOCore

/// An issuer's JWKS fetched over HTTP(S) with AsyncHTTPClient.
///
/// Plain `http://` is refused unless the host is loopback or `allowInsecureHTTP` is set:
/// whoever can change the JWKS in transit can mint tokens. Each fetch has a deadline and
/// reads at most `maximumBodySize` bytes. ``TokenVerifier`` decides when to fetch
/// (first use, unknown `kid` at most once per interval, and periodically since the source
/// is remote).
public struct HTTPJWKSSource: JWKSSource {
    /// The JWKS URL, e.g. `https://idp.example/.well-known/jwks.json`.
    public let url: String
    /// Deadline for one fetch, connecting included.
    public let timeout: Duration
    /// The largest JWKS accepted (default 1 MiB).
    public let maximumBodySize: Int
    /// Whether `http://` is allowed for non-loopback hosts.
    public let allowInsecureHTTP: Bool
    private let httpClient: HTTPClient

    /// Creates a source for `url`; nothing is fetched until the verifier asks.
    public init(
        url: String,
        timeout: Duration = .seconds(10),
        maximumBodySize: Int = 1 << 20,
        allowInsecureHTTP: Bool = false,
        httpClient: HTTPClient = .shared
    ) {
        self.url = url
        self.timeout = timeout
        self.maximumBodySize = maximumBodySize
        self.allowInsecureHTTP = allowInsecureHTTP
        self.httpClient = httpClient
    }

    /// Always true: the issuer may rotate keys at any time.
    public var isRemote: Bool { true }

    /// GETs the JWKS.
    ///
    /// - Throws: ``JWKSSourceError`` naming the URL: not http(s), plain http to a remote host,
    ///   connection failure or timeout, a status other than 200 (with the status), or a body
    ///   over `maximumBodySize`.
    public func fetchJWKS() async throws -> Data {
        try checkURL()
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "Accept", value: "application/jwk-set+json, application/json")
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: TimeAmount(timeout))
        } catch {
            throw JWKSSourceError("GET \(url) failed: \(error); check the issuer's JWKS URL and that it is reachable from the gateway")
        }
        guard response.status == .ok else {
            throw JWKSSourceError("GET \(url) answered HTTP \(response.status.code) \(response.status.reasonPhrase); expected 200 with the issuer's JWKS")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maximumBodySize {
            throw JWKSSourceError("GET \(url) returned \(length) bytes; a JWKS may be at most \(maximumBodySize) bytes")
        }
        do {
            let body = try await response.body.collect(upTo: maximumBodySize)
            return Data(body.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw JWKSSourceError("GET \(url) returned more than \(maximumBodySize) bytes; a JWKS may be at most \(maximumBodySize) bytes")
        } catch {
            throw JWKSSourceError("GET \(url) failed while reading the body: \(error)")
        }
    }

    private func checkURL() throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), let host = parsed.host, !host.isEmpty else {
            throw JWKSSourceError("JWKS URL '\(url)' is not an absolute http(s) URL")
        }
        switch scheme {
        case "https":
            return
        case "http":
            let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).lowercased()
            let loopback = bare == "localhost" || bare == "::1" || bare.hasPrefix("127.")
            guard loopback || allowInsecureHTTP else {
                throw JWKSSourceError("JWKS URL '\(url)' uses plain http to a remote host; use https (anyone on the path could substitute keys)")
            }
        default:
            throw JWKSSourceError("JWKS URL '\(url)' is not an absolute http(s) URL")
        }
    }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
