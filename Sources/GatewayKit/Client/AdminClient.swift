import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small client for the admin API, used by `auditctl` and tests.
public struct AdminClient: Sendable {
    public let server: String
    private let token: String?

    /// - Parameters:
    ///   - server: base URL, e.g. `http://127.0.0.1:18080`.
    ///   - token: bearer token for `/v1` routes.
    public init(server: String, token: String?) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
    }

    /// GETs `path` and decodes the JSON answer.
    public func get<T: Decodable>(_ path: String, query: [(String, String?)] = [], as type: T.Type = T.self) async throws -> T {
        let data = try await getData(path, query: query)
        do {
            return try AdminJSON.decoder().decode(T.self, from: data)
        } catch {
            throw AdminClientError(kind: .server, message: "the gateway's answer to \(path) could not be read: \(error)")
        }
    }

    /// POSTs to `path` (no body) and decodes the JSON answer.
    public func post<T: Decodable>(_ path: String, query: [(String, String?)] = [], as type: T.Type = T.self) async throws -> T {
        let data = try await getData(path, query: query, method: .POST)
        do {
            return try AdminJSON.decoder().decode(T.self, from: data)
        } catch {
            throw AdminClientError(kind: .server, message: "the gateway's answer to \(path) could not be read: \(error)")
        }
    }

    /// POSTs `body` as JSON to `path` and decodes the JSON answer.
    public func post<T: Decodable>(_ path: String, json body: some Encodable, as type: T.Type = T.self) async throws -> T {
        let encoded = try AdminJSON.encoder().encode(body)
        let data = try await getData(path, method: .POST, body: encoded)
        do {
            return try AdminJSON.decoder().decode(T.self, from: data)
        } catch {
            throw AdminClientError(kind: .server, message: "the gateway's answer to \(path) could not be read: \(error)")
        }
    }

    /// Sends a request to `path` (GET unless `method` says otherwise; `body` as JSON) and
    /// returns the answer's body.
    public func getData(_ path: String, query: [(String, String?)] = [], method: HTTPMethod = .GET, body: Data? = nil) async throws -> Data {
        var components = URLComponents(string: server + path)
        let items = query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        if !items.isEmpty { components?.queryItems = items }
        guard let url = components?.string else {
            throw AdminClientError(kind: .badRequest, message: "\(server)\(path) is not a valid URL")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: .seconds(120))
        } catch {
            throw AdminClientError(kind: .unreachable, message: "cannot reach the gateway at \(server) (\(error)); is gatewayd running, and is AUDIT_SERVER right?")
        }
        let body = try await response.body.collect(upTo: 256 * 1024 * 1024)
        let data = Data(buffer: body)
        guard (200..<300).contains(response.status.code) else {
            let message = (try? JSONDecoder().decode(ErrorBody.self, from: data))?.error.message ?? "HTTP \(response.status.code)"
            throw AdminClientError(kind: .init(status: response.status), message: message)
        }
        return data
    }

    /// Fails fast when nothing listens (no connection retries), so scripts learn at once.
    private static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(5)
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    private struct ErrorBody: Decodable {
        struct Detail: Decodable { var code: String; var message: String }
        var error: Detail
    }
}

/// Why an admin API call failed; ``kind`` maps to `auditctl`'s exit codes.
public struct AdminClientError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// `conflict`: the thing exists but failed an integrity check (e.g. an altered recording).
        case unreachable, unauthorized, forbidden, notFound, conflict, badRequest, server

        init(status: HTTPResponseStatus) {
            switch status.code {
            case 401: self = .unauthorized
            case 403: self = .forbidden
            case 404: self = .notFound
            case 409: self = .conflict
            case 400..<500: self = .badRequest
            default: self = .server
            }
        }
    }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}
