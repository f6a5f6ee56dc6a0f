import AuditCore
import Hummingbird

/// Per-request context of the admin API; carries the caller's verified identity.
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``AdminAuthMiddleware`` on `/v1` routes.
    public var identity: Identity?
    /// Whether ``identity`` is in the admin group.
    public var isAdmin = false

    public init(source: Source) {
        coreContext = .init(source: source)
        identity = nil
    }
}
