/// Finds, at most once per evaluation, the grant that covers a request.
///
/// A grant covers a request when it was given to the request's subject for the request's
/// connection, has not expired at `request.time`, and either names no statement or names
/// the request's command (compared with ``AccessGrant/normalizedStatement(_:protocol:)``).
/// A request without a command (opening the connection) is covered by any such grant, also
/// one for a single statement: the session has to open for that statement to run.
struct PolicyGrantLookup {
    private var looked = false
    private var found: AccessGrant?

    mutating func grant(for request: PolicyRequest) -> AccessGrant? {
        if !looked {
            looked = true
            found = Self.coveringGrant(for: request)
        }
        return found
    }

    static func coveringGrant(for request: PolicyRequest) -> AccessGrant? {
        guard !request.grants.isEmpty else { return nil }
        var normalizedCommand: String?
        for grant in request.grants
        where grant.subject == request.identity.subject && grant.connection == request.connection && grant.expiresAt > request.time {
            guard let statement = grant.statement, let command = request.command else { return grant }
            if normalizedCommand == nil { normalizedCommand = AccessGrant.normalizedStatement(command, protocol: request.protocol) }
            if AccessGrant.normalizedStatement(statement, protocol: request.protocol) == normalizedCommand { return grant }
        }
        return nil
    }
}
