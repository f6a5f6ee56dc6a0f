import AsyncHTTPClient
import AuditCore
import Foundation
@testable import GatewayKit
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Testing

/// The delegation tree behind `auditctl sessions tree`: alice's own (OIDC) token, `etl`
/// exchanged from it, `loader` exchanged from `etl`, sessions at every level.
@Suite("Session tree")
struct SessionTreeTests {
    static let t0 = Date(timeIntervalSince1970: 1_795_770_000)

    /// An event as the gateway writes it, with the identity spelled out.
    static func event(_ type: AuditEventType, at offset: TimeInterval, subject: String, actors: [String] = [], token: String?,
                      session: String? = nil, fields: [String: AuditValue] = [:]) -> AuditEvent {
        var event = AuditEvent(type: type, time: t0.addingTimeInterval(offset), sessionID: session,
                               connection: session == nil ? nil : "warehouse", protocol: session == nil ? nil : "postgres", fields: fields)
        event.subject = subject
        event.issuer = "https://idp.example.com"
        event.actors = actors
        event.tokenID = token
        return event
    }

    static func exchanged(_ jti: String, parent: String?, actor: String, actors: [String], subject: String = "alice",
                          at offset: TimeInterval, lease: Int? = nil, connections: [String]? = nil) -> AuditEvent {
        var fields: [String: AuditValue] = [
            "actor": .string(actor), "depth": .int(Int64(actors.count)),
            "expires": .string(TimeArgument.format(t0.addingTimeInterval(offset + 3600))),
        ]
        if let parent { fields["parent_token_id"] = .string(parent) }
        if let lease { fields["lease_seconds"] = .int(Int64(lease)) }
        if let connections { fields["connections"] = .array(connections.map(AuditValue.string)) }
        return event(.tokenExchanged, at: offset, subject: subject, actors: actors, token: jti, fields: fields)
    }

    static func session(_ id: String, token: String?, actors: [String] = [], subject: String = "alice", at offset: TimeInterval,
                        commands: Int, ended: Bool = true) -> SessionRecord {
        SessionRecord(id: id, startedAt: t0.addingTimeInterval(offset), endedAt: ended ? t0.addingTimeInterval(offset + 4) : nil,
                      endReason: ended ? "client_closed" : nil, subject: subject, actors: actors, tokenID: token,
                      connection: "warehouse", protocol: "postgres", commandCount: commands)
    }

    static func records(_ events: [AuditEvent], from seq: Int64 = 1) -> [AuditRecord] {
        events.enumerated().map { index, event in
            AuditRecord(seq: seq + Int64(index), node: "n1", event: event, previousHash: "", hash: "")
        }
    }

    /// `count` statements of `session`, numbered from 1.
    static func commands(_ session: SessionRecord, _ count: Int, seq: Int64) -> [AuditRecord] {
        records((1..<count + 1).map { number in
            event(.command, at: session.startedAt.timeIntervalSince(t0) + Double(number) / 10, subject: session.subject ?? "",
                  actors: session.actors, token: session.tokenID, session: session.id,
                  fields: [AuditField.statement: .string("SELECT \(number)")])
        }, from: seq)
    }

    static let exchanges = records([
        exchanged("tok-etl", parent: "oidc-alice", actor: "etl", actors: ["etl"], at: 20, lease: 15, connections: ["warehouse"]),
        exchanged("tok-loader", parent: "tok-etl", actor: "loader", actors: ["loader", "etl"], at: 40),
        exchanged("tok-bob", parent: "oidc-bob", actor: "etl", actors: ["etl"], subject: "bob", at: 25),
    ])
    static let own = session("pg-own", token: "oidc-alice", at: 10, commands: 3)
    static let etl = session("pg-etl", token: "tok-etl", actors: ["etl"], at: 30, commands: 2)
    static let loader = session("pg-loader", token: "tok-loader", actors: ["loader", "etl"], at: 50, commands: 25, ended: false)
    static let anonymous = session("pg-noid", token: nil, at: 5, commands: 0)
    static let bobs = session("pg-bob", token: "tok-bob", actors: ["etl"], subject: "bob", at: 26, commands: 1)
    static let sessions = [loader, etl, bobs, own, anonymous]
    static let allCommands: [String: [AuditRecord]] = [
        own.id: commands(own, 3, seq: 100), etl.id: commands(etl, 2, seq: 200), loader.id: commands(loader, 25, seq: 300),
    ]

    static func builder() -> SessionTreeBuilder {
        SessionTreeBuilder(subject: "alice", exchanges: exchanges, sessions: sessions)
    }

    @Test func twoLevelChainWithSessionsAtEveryLevel() throws {
        let tree = try #require(Self.builder().build(commands: Self.allCommands))
        #expect(tree.subject == "alice" && tree.token == nil)
        #expect(tree.sessions.map(\.session.id) == ["pg-noid"], "a session whose token had no id hangs under the subject")

        let root = try #require(tree.tokens.first)
        #expect(tree.tokens.map(\.jti) == ["oidc-alice"], "bob's tokens stay out of alice's tree")
        #expect(root.sessions.map(\.session.id) == ["pg-own"])
        #expect(root.sessions.first?.commands.map(\.statement) == ["SELECT 1", "SELECT 2", "SELECT 3"])

        let etl = try #require(root.children.first)
        #expect(root.children.map(\.jti) == ["tok-etl"])
        #expect(etl.parentTokenID == "oidc-alice" && etl.actor == "etl" && etl.actors == ["etl"] && etl.depth == 1)
        #expect(etl.leaseSeconds == 15 && etl.connections == ["warehouse"])
        #expect(etl.exchangedAt == Self.t0.addingTimeInterval(20))
        #expect(etl.expires == Self.t0.addingTimeInterval(20 + 3600))
        #expect(etl.sessions.map(\.session.id) == ["pg-etl"])

        let loader = try #require(etl.children.first)
        #expect(etl.children.map(\.jti) == ["tok-loader"])
        #expect(loader.actors == ["loader", "etl"] && loader.depth == 2 && loader.leaseSeconds == nil && loader.connections == nil)
        #expect(loader.sessions.map(\.session.id) == ["pg-loader"])
        #expect(loader.sessions.first?.session.isActive == true)
        #expect(loader.children.isEmpty)
    }

    @Test func rootTokenWithoutExchangeEventHangsUnderTheSubject() throws {
        let tree = try #require(Self.builder().build())
        let root = try #require(tree.tokens.first)
        #expect(root.exchangedAt == nil && root.actor == nil && root.depth == 0 && root.actors.isEmpty)
        #expect(root.expires == nil && root.status == nil)

        // Known only as an exchange's parent (no session of its own), and an exchange whose
        // parent had no id: both at the top, ordered by when they were first seen.
        let builder = SessionTreeBuilder(subject: "carol", exchanges: Self.records([
            Self.exchanged("tok-late", parent: nil, actor: "cron", actors: ["cron"], subject: "carol", at: 90),
            Self.exchanged("tok-ci", parent: "oidc-carol", actor: "ci-runner", actors: ["ci-runner"], subject: "carol", at: 60),
            Self.exchanged("tok-migrate", parent: "tok-ci", actor: "migrate-job", actors: ["migrate-job", "ci-runner"], subject: "carol", at: 70),
        ]), sessions: [])
        let carol = try #require(builder.build())
        #expect(carol.tokens.map(\.jti) == ["oidc-carol", "tok-late"])
        #expect(carol.tokens.first?.depth == 0 && carol.tokens.first?.actors == [])
        #expect(carol.tokens.first?.children.map(\.jti) == ["tok-ci"])
        #expect(carol.tokens.first?.children.first?.children.map(\.jti) == ["tok-migrate"])
        #expect(builder.knows(token: "oidc-carol") && !builder.knows(token: "oidc-alice"))
    }

    @Test func anSSHCertificateHangsUnderTheTokenThatAskedForIt() throws {
        // `auditctl ssh-cert` with the etl token: the certificate is recorded as token.issued,
        // and a session that logs in with it carries the certificate's id as its token.
        let issued = Self.event(.tokenIssued, at: 35, subject: "alice", actors: ["etl"], token: "tok-etl", fields: [
            "kind": "ssh_certificate", "certificate_id": "ssh-cert-77", "serial": "77", "parent_token_id": "tok-etl",
            "expires": .string(TimeArgument.format(Self.t0.addingTimeInterval(35 + 600))),
        ])
        let otherIssue = Self.event(.tokenIssued, at: 36, subject: "alice", token: "oidc-alice", fields: ["kind": "dev_token"])
        let ssh = Self.session("ssh-cert", token: "ssh-cert-77", actors: ["etl"], at: 45, commands: 1)
        let builder = SessionTreeBuilder(subject: "alice", exchanges: Self.exchanges + Self.records([issued, otherIssue], from: 10),
                                         sessions: Self.sessions + [ssh])
        let tree = try #require(builder.build())
        #expect(tree.tokens.map(\.jti) == ["oidc-alice"], "no root of its own for the certificate")
        let etl = try #require(tree.tokens.first?.children.first)
        #expect(etl.children.map(\.jti) == ["ssh-cert-77", "tok-loader"], "beside the token exchanged from etl, in the order they were first seen")
        let certificate = try #require(etl.children.first)
        #expect(certificate.kind == "ssh_certificate" && certificate.parentTokenID == "tok-etl")
        #expect(certificate.actors == ["etl"] && certificate.depth == 1)
        #expect(certificate.exchangedAt == Self.t0.addingTimeInterval(35) && certificate.expires == Self.t0.addingTimeInterval(35 + 600))
        #expect(certificate.sessions.map(\.session.id) == ["ssh-cert"])
        #expect(builder.sessionIDs(token: "tok-etl")?.sorted() == ["pg-etl", "pg-loader", "ssh-cert"])
    }

    @Test func tokenScopeIsThatTokensSubtree() throws {
        let builder = Self.builder()
        let tree = try #require(builder.build(token: "tok-etl", commands: Self.allCommands))
        #expect(tree.token == "tok-etl" && tree.subject == "alice")
        #expect(tree.tokens.map(\.jti) == ["tok-etl"])
        #expect(tree.tokens.first?.children.map(\.jti) == ["tok-loader"])
        #expect(tree.sessions.isEmpty, "sessions without a token belong to the subject, not to a token")
        #expect(Set(builder.sessionIDs(token: "tok-etl") ?? []) == ["pg-etl", "pg-loader"])
        #expect(Set(builder.sessionIDs() ?? []) == ["pg-noid", "pg-own", "pg-etl", "pg-loader"])

        let leaf = try #require(builder.build(token: "tok-loader"))
        #expect(leaf.tokens.map(\.jti) == ["tok-loader"] && leaf.tokens.first?.children.isEmpty == true)
        #expect(builder.build(token: "tok-bob") == nil, "bob's token is not in alice's trail")
        #expect(builder.build(token: "nope") == nil && builder.sessionIDs(token: "nope") == nil)
    }

    @Test func commandsPerSessionAreCappedAndTheRestCounted() throws {
        let builder = Self.builder()
        let capped = try #require(builder.build(token: "tok-loader", commands: Self.allCommands))
        let session = try #require(capped.tokens.first?.sessions.first)
        #expect(capped.commandLimit == 20)
        #expect(session.commands.count == 20 && session.omittedCommands == 5)
        #expect(session.commands.first?.statement == "SELECT 1" && session.commands.last?.statement == "SELECT 20")
        #expect(session.commands.map(\.seq) == Array(300..<320))

        // The store hands over only the first N; the session's count says how many there are.
        let firstThree = [Self.loader.id: Array(Self.allCommands[Self.loader.id]!.prefix(3))]
        let fetched = try #require(builder.build(token: "tok-loader", commands: firstThree, commandLimit: 3)?.tokens.first?.sessions.first)
        #expect(fetched.commands.count == 3 && fetched.omittedCommands == 22)

        let none = try #require(builder.build(commands: Self.allCommands, commandLimit: 0))
        #expect(none.tokens.first?.sessions.first?.commands.isEmpty == true)
        #expect(none.tokens.first?.sessions.first?.omittedCommands == 3)
    }

    @Test func aParentCycleStillShowsEveryTokenOnce() throws {
        let builder = SessionTreeBuilder(subject: "alice", exchanges: Self.records([
            Self.exchanged("tok-a", parent: "tok-b", actor: "a", actors: ["a"], at: 1),
            Self.exchanged("tok-b", parent: "tok-a", actor: "b", actors: ["b"], at: 2),
            Self.exchanged("tok-self", parent: "tok-self", actor: "c", actors: ["c"], at: 3),
        ]), sessions: [])
        let tree = try #require(builder.build())
        var seen: [String] = []
        func walk(_ nodes: [SessionTree.TokenNode]) { for node in nodes { seen.append(node.jti); walk(node.children) } }
        walk(tree.tokens)
        #expect(seen.sorted() == ["tok-a", "tok-b", "tok-self"])
    }

    @Test func encodesAsTheAdminAPIDoesAndStatusCanBeFilledIn() throws {
        var tree = try #require(Self.builder().build(commands: Self.allCommands, commandLimit: 1))
        tree.updateTokens { node in
            if node.jti == "tok-loader" { node.status = "lease_expired" }
        }
        let data = try AdminJSON.encoder().encode(tree)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"leaseSeconds\":15") && text.contains("\"omittedCommands\":24") && text.contains("\"commandLimit\":1"))
        #expect(text.contains("\"status\":\"lease_expired\""))
        #expect(text.components(separatedBy: "\"status\"").count == 2, "status is left out where nothing is known")
        // auditctl reads it back (times are kept to the millisecond on the wire).
        let decoded = try AdminJSON.decoder().decode(SessionTree.self, from: data)
        #expect(try AdminJSON.encoder().encode(decoded) == data)
    }

    // MARK: - Over HTTP

    /// A gateway runtime in this process (development issuer, admin API on a free port).
    /// The trail is written through its store directly: token exchange itself is not needed.
    @Test func adminAPIServesTheTreeBesideSessionsByID() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = GatewayConfiguration(nodeID: "tree-test", dataDirectory: directory.path, devIssuer: true)
        configuration.admin.listen = HostAndPort(host: "127.0.0.1", port: 0)
        configuration.admin.group = "auditors"
        var logger = Logger(label: "session-tree-test")
        logger.logLevel = .warning
        let runtime = try GatewayRuntime(configuration: configuration, logger: logger)
        let issuer = try #require(runtime.devIssuer)

        var events = Self.exchanges.map(\.event)
        for session in [Self.own, Self.etl, Self.loader] {
            events.append(Self.event(.sessionStart, at: session.startedAt.timeIntervalSince(Self.t0), subject: "alice", actors: session.actors,
                                     token: session.tokenID, session: session.id, fields: [AuditField.clientAddress: "127.0.0.1:5000"]))
            events += Self.commands(session, session.commandCount, seq: 1).map(\.event)
        }
        _ = try await runtime.store.append(contentsOf: events)

        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = AdminServer.application(runtime: runtime, registry: PrometheusCollectorRegistry(), logger: logger) { port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let server = "http://127.0.0.1:\(port)"
            let admin = AdminClient(server: server, token: try issuer.mint(subject: "auditor", groups: ["auditors"], ttl: 600))
            do {
                let tree: SessionTree = try await admin.get("/v1/sessions/tree", query: [("subject", "alice"), ("commands", "2")])
                #expect(tree.tokens.map(\.jti) == ["oidc-alice"])
                #expect(tree.tokens.first?.children.first?.children.first?.sessions.first?.commands.count == 2)
                #expect(tree.tokens.first?.children.first?.children.first?.sessions.first?.omittedCommands == 23)

                let subtree: SessionTree = try await admin.get("/v1/sessions/tree", query: [("token", "tok-loader")])
                #expect(subtree.subject == "alice" && subtree.tokens.map(\.jti) == ["tok-loader"])
                let root: SessionTree = try await admin.get("/v1/sessions/tree", query: [("token", "oidc-alice")])
                #expect(root.tokens.first?.children.map(\.jti) == ["tok-etl"], "a root token is found from the exchange that names it")

                let byID: SessionRecord = try await admin.get("/v1/sessions/pg-etl")
                #expect(byID.tokenID == "tok-etl", "/v1/sessions/:id still answers beside /v1/sessions/tree")

                func failure(_ client: AdminClient, _ query: [(String, String?)]) async -> AdminClientError.Kind? {
                    do {
                        _ = try await client.getData("/v1/sessions/tree", query: query)
                        return nil
                    } catch {
                        return (error as? AdminClientError)?.kind
                    }
                }
                #expect(await failure(admin, [("subject", "alice"), ("token", "tok-etl")]) == .badRequest)
                #expect(await failure(admin, []) == .badRequest)
                #expect(await failure(admin, [("subject", "alice"), ("commands", "1001")]) == .badRequest)
                #expect(await failure(admin, [("token", String(repeating: "x", count: 201))]) == .badRequest)
                #expect(await failure(admin, [("token", "tok-unknown")]) == .notFound)
                let developer = AdminClient(server: server, token: try issuer.mint(subject: "bob", groups: ["developers"], ttl: 600))
                #expect(await failure(developer, [("subject", "alice")]) == .forbidden)
                #expect(await failure(AdminClient(server: server, token: nil), [("subject", "alice")]) == .unauthorized)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        try await runtime.store.close()
    }
}
