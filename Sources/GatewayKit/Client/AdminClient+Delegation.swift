import Foundation

extension AdminClient {
    /// The body of a token exchange as `auditctl` sends it (JSON; the route also takes the
    /// RFC 8693 form encoding).
    private struct ExchangeBody: Encodable {
        var grantType = "urn:ietf:params:oauth:grant-type:token-exchange"
        var subjectToken: String
        var subjectTokenType = TokenExchangeResponse.jwtTokenType
        var actor: String
        var connections: [String]?
        var ttl: String?
        var lease: String?

        enum CodingKeys: String, CodingKey {
            case grantType = "grant_type", subjectToken = "subject_token", subjectTokenType = "subject_token_type", actor, connections, ttl, lease
        }
    }

    /// Exchanges `parentToken` for a child token for `actor` (`POST /v1/token/exchange`).
    /// - Parameters:
    ///   - ttl: seconds; nil = the parent's remaining lifetime, capped by the gateway.
    ///   - lease: seconds; nil = no lease.
    public func exchange(parentToken: String, actor: String, connections: [String]? = nil,
                         ttl: TimeInterval? = nil, lease: TimeInterval? = nil) async throws -> TokenExchangeResponse {
        let body = ExchangeBody(subjectToken: parentToken, actor: actor, connections: connections,
                                ttl: ttl.map { "\(Int($0.rounded(.up)))s" }, lease: lease.map { "\(Int($0.rounded(.up)))s" })
        return try await post("/v1/token/exchange", json: body)
    }

    /// Renews the lease of token `id` (`POST /v1/tokens/{id}/renew`).
    public func renew(tokenID id: String) async throws -> TokenRenewal {
        let escaped = id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? id
        return try await post("/v1/tokens/\(escaped)/renew")
    }

    private struct RevocationBody: Encodable {
        var kind: Revocation.Kind
        var target: String
        var reason: String?
    }

    /// Revokes a token (and its descendants), a subject or an actor (`POST /v1/revocations`).
    public func revoke(_ kind: Revocation.Kind, target: String, reason: String?) async throws -> RevocationResult {
        try await post("/v1/revocations", json: RevocationBody(kind: kind, target: target, reason: reason))
    }
}
