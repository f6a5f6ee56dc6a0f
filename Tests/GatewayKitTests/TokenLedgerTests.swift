import AuditCore
import Foundation
@testable import GatewayKit
import Testing

/// Token exchange's narrowing rules and the ledger of exchanged tokens, leases and
/// revocations, as pure values.
@Suite("Token exchange and the token ledger")
struct TokenLedgerTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let limits = TokenExchange.Limits(maxDepth: 2, maxTTL: 7200, maxLease: 60, knownConnections: ["orders", "billing", "web-1"])

    func alice(connections: [String]? = nil, expiresIn: TimeInterval = 3600) -> Identity {
        Identity(subject: "alice", issuer: "idp", groups: ["developers"], tokenID: "root", issuedAt: now.addingTimeInterval(-60),
                 expiresAt: now.addingTimeInterval(expiresIn), connections: connections)
    }

    func plan(_ parent: Identity, _ request: TokenExchange.Request) -> Result<TokenClaims, TokenExchange.Refusal> {
        TokenExchange(request: request, limits: limits, audience: "auditgateway").plan(parent: parent, now: now)
    }

    @Test func childKeepsTheRootAndNestsTheChain() throws {
        let claims = try plan(alice(), .init(actor: "etl", connections: ["orders"], ttl: 600)).get()
        #expect(claims.subject == "alice")
        #expect(claims.actors == ["etl"])
        #expect(claims.parentTokenID == "root")
        #expect(claims.groups == ["developers"])
        #expect(claims.connections == ["orders"])
        #expect(claims.expiresAt == now.addingTimeInterval(600))

        var etl = alice(connections: ["orders"])
        etl.actors = ["etl"]
        etl.tokenID = claims.tokenID
        let loader = try plan(etl, .init(actor: "loader")).get()
        #expect(loader.actors == ["loader", "etl"])
        #expect(loader.connections == ["orders"], "a child keeps the parent's connections by default")
        #expect(loader.parentTokenID == claims.tokenID)
    }

    @Test func defaultLifetimeIsTheParentsRemainingCappedByTheMaximum() throws {
        #expect(try plan(alice(expiresIn: 600), .init(actor: "a")).get().expiresAt == now.addingTimeInterval(600))
        #expect(try plan(alice(expiresIn: 86400), .init(actor: "a")).get().expiresAt == now.addingTimeInterval(7200))
    }

    @Test(arguments: [
        (TokenExchange.Request(actor: "a", connections: ["billing"]), "cannot add billing", TokenExchange.Refusal.Kind.widening),
        (TokenExchange.Request(actor: "a", ttl: 3000), "cannot outlive its parent", .widening),
        (TokenExchange.Request(actor: "a", lease: 120), "maximum 1m", .widening),
        (TokenExchange.Request(actor: "a", connections: ["nope"]), "no connection named 'nope'", .invalidRequest),
        (TokenExchange.Request(actor: "a", connections: []), "at least one connection", .invalidRequest),
        (TokenExchange.Request(actor: "bad actor!"), "letters, digits", .invalidRequest),
        (TokenExchange.Request(actor: ""), "letters, digits", .invalidRequest),
        (TokenExchange.Request(actor: "a", lease: 0.5), "at least 1s", .invalidRequest),
    ])
    func wideningAndNonsenseAreRefused(request: TokenExchange.Request, message: String, kind: TokenExchange.Refusal.Kind) {
        let parent = alice(connections: ["orders"], expiresIn: 1800)
        guard case .failure(let refusal) = plan(parent, request) else {
            Issue.record("\(request) must be refused")
            return
        }
        #expect(refusal.kind == kind)
        #expect(refusal.message.contains(message), "\(refusal.message)")
    }

    @Test func depthIsLimited() {
        var deep = alice()
        deep.actors = ["b", "a"]
        guard case .failure(let refusal) = plan(deep, .init(actor: "c")) else {
            Issue.record("a third actor exceeds max depth 2")
            return
        }
        #expect(refusal.message.contains("alice → a → b → c"), "\(refusal.message)")
        #expect(refusal.message.contains("the limit is 2"))
    }

    @Test func lifetimeIsCappedByTheMaximum() {
        guard case .failure(let refusal) = plan(alice(expiresIn: 86400), .init(actor: "a", ttl: 7201)) else {
            Issue.record("a ttl over max_exchange_ttl must be refused")
            return
        }
        #expect(refusal.message.contains("maximum 2h"), "\(refusal.message)")
    }

    @Test func anExpiredParentHasNothingToDelegate() {
        guard case .failure(let refusal) = plan(alice(expiresIn: 0.5), .init(actor: "a")) else {
            Issue.record("no lifetime left")
            return
        }
        #expect(refusal.kind == .widening)
    }

    // MARK: Ledger

    func exchanged(_ id: String, parent: String?, actors: [String], lease: Int? = nil, at time: Date) -> AuditEvent {
        var fields: [String: AuditValue] = [
            TokenLedger.Field.expires: .string(TimeArgument.format(time.addingTimeInterval(3600))),
            TokenLedger.Field.issued: .string(TimeArgument.format(time)),
        ]
        if let parent { fields[TokenLedger.Field.parentTokenID] = .string(parent) }
        if let lease { fields[TokenLedger.Field.leaseSeconds] = .int(Int64(lease)) }
        return AuditEvent(type: .tokenExchanged, time: time,
                          identity: Identity(subject: "alice", issuer: "gw", actors: actors, tokenID: id, expiresAt: time.addingTimeInterval(3600)),
                          fields: fields)
    }

    func revoked(_ kind: Revocation.Kind, _ target: String, at time: Date) -> AuditEvent {
        AuditEvent(type: .tokenRevoked, time: time, identity: Identity(subject: "admin", issuer: "idp", expiresAt: time),
                   fields: [TokenLedger.Field.revokedKind: .string(kind.rawValue), AuditField.target: .string(target), AuditField.reason: "test"])
    }

    func identity(_ id: String, actors: [String], issued: Date) -> Identity {
        Identity(subject: "alice", issuer: "gw", actors: actors, tokenID: id, issuedAt: issued, expiresAt: issued.addingTimeInterval(3600))
    }

    func chainLedger() -> TokenLedger {
        var ledger = TokenLedger()
        ledger.apply(exchanged("etl", parent: "root", actors: ["etl"], lease: 10, at: now))
        ledger.apply(exchanged("loader", parent: "etl", actors: ["loader", "etl"], at: now.addingTimeInterval(1)))
        return ledger
    }

    @Test func revokingATokenStopsItsDescendantsOnly() {
        var ledger = chainLedger()
        ledger.apply(revoked(.token, "loader", at: now.addingTimeInterval(2)))
        #expect(ledger.status(of: identity("loader", actors: ["loader", "etl"], issued: now), at: now.addingTimeInterval(3)).endReason == "revoked")
        #expect(ledger.status(of: identity("etl", actors: ["etl"], issued: now), at: now.addingTimeInterval(3)) == .active)

        ledger.apply(revoked(.token, "root", at: now.addingTimeInterval(4)))
        #expect(ledger.status(of: identity("etl", actors: ["etl"], issued: now), at: now.addingTimeInterval(5)).endReason == "revoked",
                "revoking the root's token cascades through the recorded parent")
    }

    @Test func subjectAndActorRevocationsCoverTokensIssuedUntilThen() {
        var ledger = chainLedger()
        ledger.apply(revoked(.actor, "etl", at: now.addingTimeInterval(2)))
        #expect(ledger.status(of: identity("loader", actors: ["loader", "etl"], issued: now.addingTimeInterval(1)), at: now.addingTimeInterval(3)).endReason == "revoked")
        #expect(ledger.status(of: identity("later", actors: ["etl"], issued: now.addingTimeInterval(10)), at: now.addingTimeInterval(11)) == .active)

        ledger.apply(revoked(.subject, "alice", at: now.addingTimeInterval(20)))
        let root = Identity(subject: "alice", issuer: "idp", issuedAt: now, expiresAt: now.addingTimeInterval(3600))
        #expect(ledger.status(of: root, at: now.addingTimeInterval(21)).endReason == "revoked")
        #expect(ledger.status(of: Identity(subject: "bob", issuer: "idp", issuedAt: now, expiresAt: now), at: now.addingTimeInterval(21)) == .active)
    }

    @Test func aLapsedLeaseStopsTheTokenAndItsDescendants() {
        var ledger = chainLedger()
        let loader = identity("loader", actors: ["loader", "etl"], issued: now)
        #expect(ledger.status(of: loader, at: now.addingTimeInterval(9)) == .active)
        #expect(ledger.status(of: loader, at: now.addingTimeInterval(11)) == .leaseExpired(tokenID: "etl", at: now.addingTimeInterval(10)))
        ledger.renew("etl", until: now.addingTimeInterval(20))
        #expect(ledger.status(of: loader, at: now.addingTimeInterval(11)) == .active)
        // After a restart every holder gets a full period to come back.
        ledger.extendLeases(toAtLeast: now.addingTimeInterval(100))
        #expect(ledger.status(of: loader, at: now.addingTimeInterval(105)) == .active)
        #expect(ledger.status(of: loader, at: now.addingTimeInterval(111)).endReason == "lease_expired")
    }

    @Test func ancestryIsFoundThroughEveryGeneration() {
        var ledger = chainLedger()
        ledger.apply(exchanged("sub", parent: "loader", actors: ["sub", "loader", "etl"], at: now))
        #expect(ledger.isAncestor("etl", of: "sub"))
        #expect(ledger.isAncestor("root", of: "sub"))
        #expect(ledger.isAncestor("sub", of: "sub"))
        #expect(!ledger.isAncestor("sub", of: "etl"))
    }

    @Test func expiredTokensAreForgotten() {
        var ledger = chainLedger()
        ledger.forgetTokens(expiredBefore: now.addingTimeInterval(3600.5))
        #expect(ledger.tokens["etl"] == nil && ledger.tokens["loader"] != nil)
    }
}
