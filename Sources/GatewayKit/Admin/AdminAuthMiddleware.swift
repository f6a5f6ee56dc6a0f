import AuditCore
import Hummingbird
import Logging
import Metrics

/// Lets a request through only with a valid bearer token — and, unless `adminOnly` is
/// false, one whose identity is in the admin group. Failures answer 401 (no or bad token,
/// with the verifier's reason) or 403 (not an admin); the token itself is never logged or
/// echoed. Sets the context's identity and whether it is an admin.
public struct AdminAuthMiddleware: RouterMiddleware {
    public typealias Context = AdminRequestContext
    let verifier: TokenVerifier
    let adminGroup: String
    let adminOnly: Bool

    /// - Parameter adminOnly: false for routes any authenticated identity may call (access
    ///   requests), which then authorise per request.
    public init(verifier: TokenVerifier, adminGroup: String, adminOnly: Bool = true) {
        self.verifier = verifier
        self.adminGroup = adminGroup
        self.adminOnly = adminOnly
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") else {
            Counter(label: "auditgateway_admin_auth_failures_total", dimensions: [("reason", "missing")]).increment()
            throw AdminError(.unauthorized, code: "missing_token", "send the token as 'Authorization: Bearer TOKEN' (auditctl reads it from AUDIT_TOKEN or --token-file)")
        }
        let token = String(header.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        let identity: Identity
        do {
            identity = try await verifier.verify(token)
        } catch {
            Counter(label: "auditgateway_admin_auth_failures_total", dimensions: [("reason", error.code.rawValue)]).increment()
            throw AdminError(.unauthorized, code: "invalid_token", "token rejected: \(error.message)")
        }
        let isAdmin = identity.groups.contains(adminGroup)
        guard isAdmin || !adminOnly else {
            Counter(label: "auditgateway_admin_auth_failures_total", dimensions: [("reason", "not_admin")]).increment()
            context.logger.notice("admin API refused: not in admin group", metadata: ["subject": "\(identity.subject)"])
            throw AdminError(.forbidden, code: "not_admin", "\(identity.subject) is not in the admin group '\(adminGroup)'")
        }
        var context = context
        context.identity = identity
        context.isAdmin = isAdmin
        return try await next(request, context)
    }
}
