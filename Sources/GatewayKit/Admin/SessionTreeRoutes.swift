import AuditCore
import Foundation
import Hummingbird

/// `GET /v1/sessions/tree?subject=S` or `?token=JTI`: a subject's delegation tree (see
/// ``SessionTree``), or one token's subtree. Admin only.
///
/// Registered as a constant path segment: Hummingbird's trie tries constant segments before
/// captures, so `/v1/sessions/tree` never reaches `/v1/sessions/:id`, whatever the order of
/// registration (a test holds it to that).
enum SessionTreeRoutes {
    static let defaultCommands = 20
    static let maxCommands = 1000
    /// Longer `token` values are refused unread: a jti is short, and a whole token pasted
    /// there by mistake must not be echoed back in an error.
    static let maxTokenIDLength = 200

    static func add(to router: Router<AdminRequestContext>, runtime: GatewayRuntime) {
        let store = runtime.store
        let group = router.group("v1/sessions")
            .add(middleware: AdminAuthMiddleware(verifier: runtime.verifier, adminGroup: runtime.configuration.admin.group))
        group.get("tree") { request, _ in
            let parameters = request.uri.queryParameters
            let (subject, token) = try scope(parameters)
            let commandLimit = try commands(parameters)
            var found = try await tree(store: store, subject: subject, token: token, commandLimit: commandLimit)
            let now = Date()
            let rootSubject = found.subject
            found.updateTokens { node in
                let identity = Identity(subject: rootSubject, issuer: "", actors: node.actors, tokenID: node.jti, parentTokenID: node.parentTokenID,
                                        issuedAt: node.exchangedAt, expiresAt: node.expires ?? .distantFuture)
                node.status = runtime.delegation.status(of: identity, at: now).endReason ?? ((node.expires ?? .distantFuture) < now ? "expired" : "active")
            }
            return try AdminAPI.json(found)
        }
    }

    /// Exactly one of `subject` and `token`.
    static func scope(_ parameters: Parameters) throws -> (subject: String?, token: String?) {
        let subject = parameters.get("subject").flatMap { $0.isEmpty ? nil : $0 }
        let token = parameters.get("token").flatMap { $0.isEmpty ? nil : $0 }
        guard (subject == nil) != (token == nil) else {
            throw AdminError(.badRequest, code: "bad_parameter", "give exactly one of subject=SUBJECT (the whole tree of a root subject) or token=JTI (one token's subtree)")
        }
        if let token, token.count > maxTokenIDLength {
            throw AdminError(.badRequest, code: "bad_parameter", "token takes a token's id (jti, at most \(maxTokenIDLength) characters), not the token itself")
        }
        return (subject, token)
    }

    static func commands(_ parameters: Parameters) throws -> Int {
        guard let text = parameters.get("commands") else { return defaultCommands }
        guard let value = Int(text), (0...maxCommands).contains(value) else {
            throw AdminError(.badRequest, code: "bad_parameter", "commands must be 0-\(maxCommands) (statements listed per session)")
        }
        return value
    }

    /// Reads what the tree needs from the store and builds it. `token` wins over `subject`.
    static func tree(store: some AuditStore, subject: String?, token: String?, commandLimit: Int) async throws -> SessionTree {
        let rootSubject: String
        if let token {
            guard let found = try await subjectOwning(token: token, store: store) else {
                throw AdminError(.notFound, code: "not_found", "the trail knows no token with id \(token): no token.exchanged event and no session names it")
            }
            rootSubject = found
        } else {
            rootSubject = subject ?? ""
        }

        var exchanges: [AuditRecord] = []
        var query = AuditQuery(subject: rootSubject, types: [.tokenExchanged, .tokenIssued], limit: AuditQuery.maxLimit)
        while true {
            let page = try await store.events(query)
            exchanges += page
            guard page.count == query.effectiveLimit, let last = page.last else { break }
            query.afterSeq = last.seq
        }
        let sessionQuery = SessionQuery(subject: rootSubject, limit: AuditQuery.maxLimit)
        let sessions = try await store.sessions(sessionQuery)

        var builder = SessionTreeBuilder(subject: rootSubject, exchanges: exchanges, sessions: sessions)
        builder.sessionsTruncated = sessions.count == sessionQuery.effectiveLimit
        var commands: [String: [AuditRecord]] = [:]
        if commandLimit > 0 {
            for id in builder.sessionIDs(token: token) ?? [] {
                commands[id] = try await store.events(AuditQuery(sessionID: id, types: [.command], limit: commandLimit))
            }
        }
        guard let tree = builder.build(token: token, commands: commands, commandLimit: commandLimit) else {
            // Known only from a session older than the newest the query returned.
            throw AdminError(.notFound, code: "not_found", "token \(token ?? "?") of \(rootSubject) opened none of that subject's newest \(sessionQuery.effectiveLimit) sessions; its tree cannot be shown")
        }
        return tree
    }

    /// The root subject of token `jti`: from its `token.exchanged` event, an exchange that
    /// names it as parent, or a session it opened. The store's text search narrows the scan
    /// (it matches case-insensitively, so each hit is checked exactly).
    static func subjectOwning(token jti: String, store: some AuditStore) async throws -> String? {
        var query = AuditQuery(text: jti, types: [.tokenExchanged, .sessionStart], limit: 1000)
        while true {
            let page = try await store.events(query)
            for record in page {
                let event = record.event
                let names = event.tokenID == jti
                    || (event.type == .tokenExchanged && event.fields[TokenLedger.Field.parentTokenID]?.stringValue == jti)
                if names, let subject = event.subject { return subject }
            }
            guard page.count == query.effectiveLimit, let last = page.last else { return nil }
            query.afterSeq = last.seq
        }
    }
}
