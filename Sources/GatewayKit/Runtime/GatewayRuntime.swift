import AuditCore
import Crypto
import Foundation
import Logging
import PolicyEngine

/// A gateway node's long-lived parts, opened from its configuration: data directory, node
/// key, certificate, audit store and token verifier. Protocol listeners and the admin API
/// are built on top of it.
public final class GatewayRuntime: Sendable {
    public let configuration: GatewayConfiguration
    public let dataDirectory: DataDirectory
    public let store: SQLiteAuditStore
    public let verifier: TokenVerifier
    /// Signs gateway-issued tokens with the node key; its JWKS is served at `/.well-known/jwks.json`.
    public let tokenSigner: Ed25519TokenSigner
    public let certificate: GatewayCertificate
    /// Present when the development issuer is enabled.
    public let devIssuer: DevIssuer?
    public let logger: Logger
    /// Live sessions on this node (terminate, cancel).
    public let sessions = SessionRegistry()
    /// Decides every connection and command: the policy files (``policyStore``) when
    /// configured, else the interim policy of each connection's groups.
    public let policy: any PolicyEvaluating
    /// The policy files, reloaded on change and SIGHUP (``PolicyReloader``); nil without them.
    public let policyStore: PolicyStore?
    /// Keys the masking pseudonyms (HMAC-SHA256), kept in the data directory.
    let maskingSecret: [UInt8]
    /// Just-in-time access requests and grants (rebuilt from the trail by ``prepare()``).
    public let access: AccessRequestStore
    /// Per-session PostgreSQL roles of the connections with `jit_role`, by connection name.
    let jitRoles: [String: PostgresJITRoles]
    /// Tokens minted by exchange, their leases, and revocations (rebuilt by ``prepare()``).
    public let delegation: DelegationStore
    /// Signs SSH user certificates (`POST /v1/ssh/certificates`); nil without an SSH listener.
    public let sshUserCA: SSHUserCA?

    /// The `iss` of tokens this node issues.
    public static func issuer(forNode nodeID: String) -> String { "urn:auditgateway:node:\(nodeID)" }

    public init(configuration: GatewayConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        let dataDirectory = DataDirectory(configuration.dataDirectory)
        try dataDirectory.prepare()
        self.dataDirectory = dataDirectory

        let nodeKey = try Ed25519KeyFile.loadOrCreate(at: dataDirectory.nodeKey)
        tokenSigner = Ed25519TokenSigner(issuer: Self.issuer(forNode: configuration.nodeID),
                                         keyID: Ed25519KeyFile.keyID(for: nodeKey.publicKey), privateKey: nodeKey)
        certificate = try GatewayCertificate.loadOrCreate(configuration: configuration.tls, dataDirectory: dataDirectory,
                                                          hostnames: ["localhost", "127.0.0.1", "::1"])
        devIssuer = configuration.devIssuer
            ? try DevIssuer(dataDirectory: dataDirectory, audience: configuration.tokens.audience, create: true)
            : nil

        var issuers: [IssuerConfiguration] = configuration.issuers.map { entry in
            let source: any JWKSSource
            switch entry.jwks {
            case .file(let path): source = FileJWKSSource(path: path)
            case .url(let url): source = HTTPJWKSSource(url: url)
            }
            return IssuerConfiguration(issuer: entry.issuer, audiences: entry.audiences, jwks: source, groupsClaim: entry.groupsClaim)
        }
        issuers.append(IssuerConfiguration(issuer: tokenSigner.issuer, audiences: [configuration.tokens.audience],
                                           jwks: StaticJWKSSource(json: tokenSigner.jwksJSON())))
        if let devIssuer { issuers.append(devIssuer.issuerConfiguration) }
        verifier = TokenVerifier(issuers: issuers, leeway: configuration.tokens.leeway)

        store = try SQLiteAuditStore(
            path: dataDirectory.auditStore,
            nodeID: configuration.nodeID,
            signingKey: nodeKey,
            checkpointEvery: configuration.audit.checkpointEvery,
            checkpointInterval: configuration.audit.checkpointInterval,
            durability: configuration.audit.durability == .full ? .full : .normal,
            logger: logger
        )
        if let export = configuration.audit.exportJSONLines {
            try JSONLinesExportSink(path: export == "-" ? nil : export).attach(to: store)
        }
        AuditMetrics.attach(to: store)
        access = AccessRequestStore(store: store)
        jitRoles = try PostgresJITRoles.forConnections(configuration, store: store, logger: logger)
        delegation = DelegationStore(store: store, signer: tokenSigner)
        sshUserCA = configuration.listeners.ssh == nil ? nil : try SSHUserCA.loadOrCreate(dataDirectory, nodeID: configuration.nodeID)
        if configuration.policyFiles.isEmpty {
            policyStore = nil
            policy = ConnectionGroupPolicy(rules: Dictionary(uniqueKeysWithValues: configuration.connections.map {
                ($0.name, ConnectionGroupPolicy.Rule(groups: Set($0.allowGroups), readOnlyGroups: Set($0.readOnlyGroups)))
            }))
        } else {
            let store = try PolicyStore(files: configuration.policyFiles)
            policyStore = store
            policy = store
        }
        maskingSecret = try DataDirectory.loadOrCreateSecret(at: dataDirectory.maskingKey)
    }

    /// The masking engine for the policy's profile `name` (nil without policy files or when
    /// the profile does not exist). Built per session: it follows policy reloads.
    func maskingEngine(profile name: String) throws -> MaskingEngine? {
        guard let definition = policyStore?.policy.document.maskingProfile(named: name) else { return nil }
        return try MaskingEngine(profile: MaskingProfile(definition), secret: maskingSecret)
    }

    /// Start-up work that reads the audit trail: ends the sessions a previous run left open
    /// and rebuilds access requests, grants, delegated tokens and revocations. Call once, before the listeners start.
    public func prepare() async throws {
        try await endOrphanedSessions()
        try await access.load()
        // Roles a previous run minted and could not drop (it crashed): before any session starts.
        for name in jitRoles.keys.sorted() { await jitRoles[name]?.sweep() }
        try await delegation.load()
        try await sshUserCA?.load(from: store)
    }

    /// Sessions are node-local: any the trail still shows as open belonged to a previous run
    /// of this node that stopped without ending them (a crash, a kill). Record their end now,
    /// with reason `gateway_restarted`, so the trail has no session without an end.
    func endOrphanedSessions() async throws {
        var ended = 0
        var seen = Set<String>()
        while true {
            let open = try await store.sessions(SessionQuery(activeOnly: true, limit: AuditQuery.maxLimit)).filter { !seen.contains($0.id) }
            if open.isEmpty { break }
            seen.formUnion(open.map(\.id))
            let events = open.map { session in
                var event = AuditEvent(type: .sessionEnd, sessionID: session.id, connection: session.connection, protocol: session.protocol,
                                       fields: [AuditField.reason: "gateway_restarted", "started": .string(TimeArgument.format(session.startedAt))])
                event.subject = session.subject
                event.actors = session.actors
                event.tokenID = session.tokenID
                return event
            }
            _ = try await store.append(contentsOf: events)
            ended += events.count
        }
        if ended > 0 {
            logger.warning("ended sessions a previous run left open", metadata: ["sessions": "\(ended)", "reason": "gateway_restarted"])
        }
    }
}
