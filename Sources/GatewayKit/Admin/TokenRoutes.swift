import AuditCore
import Foundation
import Hummingbird

/// Token exchange, lease renewal and revocation:
///
/// - `POST /v1/token/exchange` — RFC 8693 token exchange. The `subject_token` in the body
///   is the caller's credential; the answer is a gateway-signed child token.
/// - `POST /v1/tokens/{jti}/renew` — renew a leased token (the token itself, an ancestor
///   or an admin).
/// - `POST /v1/revocations`, `GET /v1/revocations` — revoke a token, subject or actor, and
///   list revocations. Live sessions that no longer count end at once.
enum TokenRoutes {
    static let grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
    static let jwtTokenType = TokenExchangeResponse.jwtTokenType
    static let accessTokenType = "urn:ietf:params:oauth:token-type:access_token"
    /// Largest request body these routes read.
    static let maxBody = 64 * 1024

    /// The parameters of a token exchange, from a form (RFC 8693) or a JSON body.
    struct ExchangeParameters: Decodable {
        var grantType: String?
        var subjectToken: String?
        var subjectTokenType: String?
        var actor: String?
        /// Space- or comma-separated names (form), or an array (JSON).
        var connections: [String]?
        /// `15m`, `2h` or seconds.
        var ttl: String?
        var lease: String?

        enum CodingKeys: String, CodingKey {
            case grantType = "grant_type", subjectToken = "subject_token", subjectTokenType = "subject_token_type"
            case actor, connections, ttl, lease
        }

        init(form: [String: String]) {
            grantType = form["grant_type"]
            subjectToken = form["subject_token"]
            subjectTokenType = form["subject_token_type"]
            actor = form["actor"]
            connections = form["connections"].map { $0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init) }
            ttl = form["ttl"]
            lease = form["lease"]
        }
    }


    struct NewRevocation: Decodable {
        var kind: Revocation.Kind
        var target: String
        var reason: String?
    }

    static func add(to router: Router<AdminRequestContext>, runtime: GatewayRuntime) {
        let delegation = runtime.delegation
        let configuration = runtime.configuration
        let limits = TokenExchange.Limits(maxDepth: configuration.tokens.maxDelegationDepth, maxTTL: configuration.tokens.maxExchangeTTL,
                                          maxLease: configuration.tokens.maxLease, knownConnections: Set(configuration.connections.map(\.name)))
        let protocolOf = Dictionary(uniqueKeysWithValues: configuration.connections.map { ($0.name, $0.protocol.rawValue) })

        router.post("v1/token/exchange") { request, context in
            let parameters = try await exchangeParameters(request, context: context)
            guard parameters.grantType == grantType else {
                throw AdminError(.badRequest, code: "unsupported_grant_type", "grant_type must be \(grantType)")
            }
            if let type = parameters.subjectTokenType, type != jwtTokenType, type != accessTokenType {
                throw AdminError(.badRequest, code: "invalid_request", "subject_token_type must be \(jwtTokenType) or \(accessTokenType)")
            }
            guard let subjectToken = parameters.subjectToken, !subjectToken.isEmpty else {
                throw AdminError(.badRequest, code: "invalid_request", "subject_token is required: the token to delegate from")
            }
            guard let actor = parameters.actor else {
                throw AdminError(.badRequest, code: "invalid_request", "actor is required: the name of the agent the child token is for")
            }
            let parent: Identity
            do {
                parent = try await runtime.verifier.verify(subjectToken)
            } catch let error as TokenVerificationError {
                throw AdminError(.unauthorized, code: "invalid_token", "subject_token rejected: \(error.message)")
            }
            let ttl = try parameters.ttl.map { try duration($0, name: "ttl") }
            let lease = try parameters.lease.map { try duration($0, name: "lease") }
            let exchange = TokenExchange(request: .init(actor: actor, connections: parameters.connections, ttl: ttl, lease: lease),
                                         limits: limits, audience: configuration.tokens.audience)
            let minted = try await mapped { try await delegation.exchange(parent: parent, exchange) }
            let claims = minted.claims
            let covered = claims.connections ?? configuration.connections.map(\.name)
            let response = TokenExchangeResponse(
                accessToken: minted.token,
                expiresIn: max(0, Int(claims.expiresAt.timeIntervalSinceNow.rounded(.down))),
                expiresAt: Date(timeIntervalSince1970: claims.expiresAt.timeIntervalSince1970.rounded(.down)),
                tokenID: claims.tokenID, parentTokenID: claims.parentTokenID, subject: claims.subject, actors: claims.actors,
                connections: claims.connections, protocols: Array(Set(covered.compactMap { protocolOf[$0] })).sorted(),
                leaseSeconds: minted.lease, leaseUntil: minted.leaseUntil)
            return try AdminAPI.json(response)
        }

        let authenticated = router.group("v1")
            .add(middleware: AdminAuthMiddleware(verifier: runtime.verifier, adminGroup: configuration.admin.group, adminOnly: false))
        authenticated.post("tokens/:jti/renew") { _, context in
            let identity = try context.requireIdentity()
            let id = try context.parameters.require("jti")
            let until = try await mapped { try await delegation.renew(id: id, caller: identity, callerIsAdmin: context.isAdmin) }
            return try AdminAPI.json(TokenRenewal(tokenID: id, leaseUntil: until))
        }
        authenticated.post("revocations") { request, context in
            let identity = try context.requireIdentity()
            let body: NewRevocation
            do {
                body = try AdminJSON.decoder().decode(NewRevocation.self, from: Data(buffer: try await request.body.collect(upTo: maxBody)))
            } catch {
                throw AdminError(.badRequest, code: "bad_parameter",
                                 "send {\"kind\": \"token\"|\"subject\"|\"actor\", \"target\": \"...\", \"reason\": \"...\"}")
            }
            let revocation = try await mapped {
                try await delegation.revoke(kind: body.kind, target: body.target, reason: body.reason ?? "", by: identity, isAdmin: context.isAdmin)
            }
            let ended = SessionSweeper.sweep(runtime: runtime)
            return try AdminAPI.json(RevocationResult(revocation: revocation, sessionsEnded: ended.sorted()), status: .created)
        }
        authenticated.get("revocations") { _, context in
            guard context.isAdmin else {
                throw AdminError(.forbidden, code: "not_admin", "only admins may list revocations")
            }
            return try AdminAPI.json(delegation.revocations)
        }
    }

    private static func exchangeParameters(_ request: Request, context: AdminRequestContext) async throws -> ExchangeParameters {
        let body = try await request.body.collect(upTo: maxBody)
        let data = Data(buffer: body)
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        if contentType.hasPrefix("application/json") {
            do {
                return try JSONDecoder().decode(ExchangeParameters.self, from: data)
            } catch {
                throw AdminError(.badRequest, code: "invalid_request", "the JSON body does not parse as a token exchange request")
            }
        }
        guard contentType.isEmpty || contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw AdminError(.badRequest, code: "invalid_request", "send the parameters as application/x-www-form-urlencoded (RFC 8693) or application/json")
        }
        return ExchangeParameters(form: formFields(String(decoding: data, as: UTF8.self)))
    }

    /// `a=1&b=two+words` → `["a": "1", "b": "two words"]`.
    static func formFields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String {
                String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(part)
            }
            guard let name = parts.first else { continue }
            fields[decode(name)] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func duration(_ text: String, name: String) throws -> TimeInterval {
        guard let seconds = TimeArgument.duration(text), seconds > 0 else {
            throw AdminError(.badRequest, code: "invalid_request", "\(name) '\(text.prefix(40))' is not a duration like 30s, 15m or 2h")
        }
        return seconds
    }

    /// Runs `work`, turning delegation errors into admin API errors.
    static func mapped<T>(_ work: () async throws -> T) async throws -> T {
        do {
            return try await work()
        } catch let error as DelegationError {
            let status: HTTPResponse.Status = switch error.kind {
            case .badRequest: .badRequest
            case .forbidden: .forbidden
            case .notFound: .notFound
            case .conflict: .conflict
            case .unavailable: .serviceUnavailable
            }
            throw AdminError(status, code: error.code, error.message)
        }
    }
}
