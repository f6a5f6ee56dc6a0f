import AuditCore
import Foundation
import Hummingbird
import Logging
import Prometheus

/// Builds the admin HTTP API (see Docs/admin-api.yaml).
///
/// Open routes: `/healthz`, `/metrics`, `/.well-known/jwks.json`. Everything under `/v1`
/// needs a bearer token whose identity is in the configured admin group.
public enum AdminAPI {
    /// Largest page of events or sessions one request returns.
    public static let maxLimit = 10_000

    public static func router(runtime: GatewayRuntime, registry: PrometheusCollectorRegistry) -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        let store = runtime.store
        let nodeID = runtime.configuration.nodeID

        router.get("/healthz") { _, _ in
            try json(["status": "ok", "node": nodeID])
        }
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        let jwks = runtime.tokenSigner.jwksJSON()
        router.get("/.well-known/jwks.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: jwks)))
        }

        let v1 = router.group("v1").add(middleware: AdminAuthMiddleware(verifier: runtime.verifier, adminGroup: runtime.configuration.admin.group))
        v1.get("whoami") { _, context in
            try json(context.identity)
        }
        v1.get("events") { request, _ in
            try json(try await store.events(eventQuery(request.uri.queryParameters)))
        }
        v1.get("sessions") { request, _ in
            try json(try await store.sessions(sessionQuery(request.uri.queryParameters)))
        }
        v1.get("sessions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let session = try await store.session(id: id) else {
                throw AdminError(.notFound, code: "not_found", "no session with id \(id)")
            }
            return try json(session)
        }
        let recordings = runtime.dataDirectory.recordings
        v1.get("sessions/:id/recording") { _, context in
            let id = try context.parameters.require("id")
            guard try await store.session(id: id) != nil || FileManager.default.fileExists(atPath: recordings + "/" + id) else {
                throw AdminError(.notFound, code: "not_found", "no session with id \(id)")
            }
            let recording: Recording
            do {
                recording = try await RecordingReader.load(sessionID: id, directory: recordings, store: store)
            } catch {
                throw AdminError(.conflict, code: "recording_unavailable", "recording of session \(id) cannot be played: \(error)")
            }
            return Response(status: .ok, headers: [.contentType: "application/x-asciicast"],
                            body: .init(byteBuffer: ByteBuffer(string: recording.asciicast())))
        }
        let sessions = runtime.sessions
        v1.post("sessions/:id/terminate") { request, context in
            let id = try context.parameters.require("id")
            let reason = request.uri.queryParameters.get("reason") ?? "terminated by an administrator"
            guard reason.count <= 200 else { throw AdminError(.badRequest, code: "bad_parameter", "reason must be at most 200 characters") }
            let who = context.identity?.subject ?? "?"
            _ = try await store.append(AuditEvent(type: .adminAction, sessionID: id, identity: context.identity,
                                                  fields: [AuditField.action: "session.terminate", AuditField.target: .string(id), AuditField.reason: .string(reason)]))
            guard sessions.terminate(id, .init(reason: "terminated", message: "terminating connection: \(reason) (by \(who))")) else {
                throw AdminError(.notFound, code: "not_found", "no live session \(id) on this node")
            }
            return try json(["terminated": id], status: .accepted)
        }
        v1.get("verify") { _, _ in
            try json(try await store.verify())
        }
        AccessRoutes.add(to: router, runtime: runtime)
        SessionTreeRoutes.add(to: router, runtime: runtime)
        TokenRoutes.add(to: router, runtime: runtime)
        SSHCertificateRoutes.add(to: router, runtime: runtime)
        return router
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try AdminJSON.encoder().encode(value)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func eventQuery(_ parameters: Parameters) throws -> AuditQuery {
        var query = AuditQuery()
        query.subject = parameters.get("subject")
        query.actor = parameters.get("actor")
        query.connection = parameters.get("connection")
        query.protocol = parameters.get("protocol")
        query.sessionID = parameters.get("session")
        query.text = parameters.get("text")
        if let types = parameters.get("type") {
            query.types = try types.split(separator: ",").map { name in
                guard let type = AuditEventType(rawValue: String(name)) else {
                    throw AdminError(.badRequest, code: "bad_parameter", "type '\(name)' is not an event type; known: \(AuditEventType.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return type
            }
        }
        query.since = try time(parameters, "since")
        query.until = try time(parameters, "until")
        if let after = parameters.get("after") {
            guard let seq = Int64(after), seq >= 0 else { throw AdminError(.badRequest, code: "bad_parameter", "after must be a sequence number") }
            query.afterSeq = seq
        }
        query.limit = try limit(parameters)
        return query
    }

    static func sessionQuery(_ parameters: Parameters) throws -> SessionQuery {
        var query = SessionQuery()
        query.subject = parameters.get("subject")
        query.actor = parameters.get("actor")
        query.connection = parameters.get("connection")
        query.protocol = parameters.get("protocol")
        query.activeOnly = parameters.get("active") == "true"
        query.since = try time(parameters, "since")
        query.limit = try limit(parameters)
        return query
    }

    private static func time(_ parameters: Parameters, _ name: String) throws -> Date? {
        guard let text = parameters.get(name) else { return nil }
        guard let date = TimeArgument.parse(text) else {
            throw AdminError(.badRequest, code: "bad_parameter", "\(name) '\(text)' is not a time (ISO 8601 like 2026-11-27T09:00:00Z, or a duration ago like 15m)")
        }
        return date
    }

    private static func limit(_ parameters: Parameters) throws -> Int {
        guard let text = parameters.get("limit") else { return 100 }
        guard let limit = Int(text), (1...maxLimit).contains(limit) else {
            throw AdminError(.badRequest, code: "bad_parameter", "limit must be 1-\(maxLimit)")
        }
        return limit
    }
}
