import AuditCore
import Foundation
import Hummingbird
import PolicyEngine

/// `/v1/access/requests`: just-in-time access requests. Any authenticated identity may ask
/// for access and see its own requests; approvers the policy names see and decide the
/// requests they may decide (never their own); admins see everything.
enum AccessRoutes {
    /// The body of `POST /v1/access/requests`.
    struct NewRequest: Decodable {
        var connection: String
        /// `30m`, `2h`, `1d` or seconds.
        var duration: String
        var reason: String
        var statement: String?
    }

    struct Decision: Decodable {
        var reason: String?
    }

    static func add(to router: Router<AdminRequestContext>, runtime: GatewayRuntime) {
        let access = runtime.access
        let group = router.group("v1/access")
            .add(middleware: AdminAuthMiddleware(verifier: runtime.verifier, adminGroup: runtime.configuration.admin.group, adminOnly: false))
        let connections = Dictionary(uniqueKeysWithValues: runtime.configuration.connections.map { ($0.name, $0) })

        group.post("requests") { request, context in
            let identity = try context.requireIdentity()
            let body = try await request.decode(as: NewRequest.self, context: context)
            guard let connection = connections[body.connection] else {
                throw AdminError(.notFound, code: "not_found", "there is no connection named '\(body.connection)'")
            }
            guard let duration = TimeArgument.duration(body.duration), duration > 0 else {
                throw AdminError(.badRequest, code: "bad_parameter", "duration '\(body.duration)' is not a duration like 30m, 2h or 1d")
            }
            guard !body.reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                throw AdminError(.badRequest, code: "bad_parameter", "say why you need access (reason)")
            }
            if let allowed = identity.connections, !allowed.contains(connection.name) {
                throw AdminError(.forbidden, code: "forbidden", "your token is limited to \(allowed.joined(separator: ", ")); it does not cover \(connection.name)")
            }
            let statement = body.statement?.trimmingCharacters(in: .whitespacesAndNewlines).nilIfEmpty
            let created = try await mapped {
                let (rule, requirement) = try AccessPolicyCheck.requirement(policy: runtime.policy, identity: identity, connection: connection, statement: statement)
                return try await access.create(identity: identity, connection: connection.name, statement: statement,
                                               duration: duration, reason: body.reason, rule: rule, requirement: requirement)
            }
            return try AdminAPI.json(created, status: .created)
        }
        group.get("requests") { request, context in
            let identity = try context.requireIdentity()
            var state: AccessRequest.State?
            if let text = request.uri.queryParameters.get("state") {
                guard let parsed = AccessRequest.State(rawValue: text) else {
                    throw AdminError(.badRequest, code: "bad_parameter", "state must be one of \(AccessRequest.State.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                state = parsed
            }
            return try AdminAPI.json(access.list(visibleTo: identity, isAdmin: context.isAdmin, state: state))
        }
        group.get("requests/:id") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.parameters.require("id")
            guard let found = access.request(id: id),
                  context.isAdmin || found.requester == identity.subject || found.canDecide(subject: identity.subject, groups: identity.groups) else {
                throw AdminError(.notFound, code: "not_found", "no access request \(id) that you may see")
            }
            return try AdminAPI.json(found)
        }
        group.post("requests/:id/approve") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.parameters.require("id")
            return try AdminAPI.json(try await mapped { try await access.approve(id: id, by: identity) })
        }
        group.post("requests/:id/deny") { request, context in
            let identity = try context.requireIdentity()
            let id = try context.parameters.require("id")
            let body = (try? await request.decode(as: Decision.self, context: context)) ?? Decision(reason: nil)
            return try AdminAPI.json(try await mapped { try await access.deny(id: id, by: identity, reason: body.reason ?? "") })
        }
    }

    /// Runs `work`, turning access-request errors into admin API errors.
    private static func mapped<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as AccessRequestError {
            switch error.kind {
            case .notFound: throw AdminError(.notFound, code: "not_found", error.message)
            case .forbidden: throw AdminError(.forbidden, code: "forbidden", error.message)
            case .conflict: throw AdminError(.conflict, code: "conflict", error.message)
            case .badRequest: throw AdminError(.badRequest, code: "bad_parameter", error.message)
            case .unavailable: throw AdminError(.serviceUnavailable, code: "audit_unavailable", error.message)
            }
        }
    }
}

extension AdminRequestContext {
    /// The verified caller (routes behind ``AdminAuthMiddleware``).
    func requireIdentity() throws -> Identity {
        guard let identity else { throw AdminError(.unauthorized, code: "missing_token", "this route needs a bearer token") }
        return identity
    }
}

extension String {
    /// nil for the empty string.
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
