import Foundation

/// Everything `gatewayd` needs, as read from one YAML file (see Docs/configuration.md).
public struct GatewayConfiguration: Sendable {
    /// Names this node in the audit chain; each node keeps its own hash chain.
    public var nodeID: String
    /// Holds the audit store, keys, the generated certificate and recordings.
    public var dataDirectory: String
    public var admin: AdminConfiguration
    public var tls: TLSConfiguration
    public var audit: AuditConfiguration
    public var tokens: TokenConfiguration
    public var issuers: [IssuerEntry]
    /// Enables the local development issuer (`auditctl token mint`). Never in production.
    public var devIssuer: Bool
    public var listeners: ListenerConfiguration
    public var connections: [ConnectionEntry]
    /// Policy files, merged in order (see Docs/policy.md). Empty: the interim policy of the
    /// connections' `allow_groups` / `read_only_groups`.
    public var policyFiles: [String]

    public init(
        nodeID: String = "gw-1",
        dataDirectory: String,
        admin: AdminConfiguration = AdminConfiguration(),
        tls: TLSConfiguration = TLSConfiguration(),
        audit: AuditConfiguration = AuditConfiguration(),
        tokens: TokenConfiguration = TokenConfiguration(),
        issuers: [IssuerEntry] = [],
        devIssuer: Bool = false,
        listeners: ListenerConfiguration = ListenerConfiguration(),
        connections: [ConnectionEntry] = [],
        policyFiles: [String] = []
    ) {
        self.nodeID = nodeID
        self.dataDirectory = dataDirectory
        self.admin = admin
        self.tls = tls
        self.audit = audit
        self.tokens = tokens
        self.issuers = issuers
        self.devIssuer = devIssuer
        self.listeners = listeners
        self.connections = connections
        self.policyFiles = policyFiles
    }
}

/// The admin HTTP API: health, metrics, JWKS, audit search, sessions, verification.
public struct AdminConfiguration: Sendable {
    public var listen: HostAndPort = HostAndPort(host: "127.0.0.1", port: 18080)
    /// Tokens whose identity carries this group may use the `/v1` API.
    public var group: String = "auditgateway-admins"
    public init() {}
}

/// The certificate the gateway presents. Absent paths: a self-signed certificate is
/// generated into the data directory and its SHA-256 fingerprint printed.
public struct TLSConfiguration: Sendable {
    public var certificateFile: String?
    public var keyFile: String?
    public init() {}
}

/// How the audit store writes.
public struct AuditConfiguration: Sendable {
    public enum Durability: String, Sendable { case full, normal }
    public var durability: Durability = .full
    public var checkpointEvery: Int = 1000
    public var checkpointInterval: TimeInterval = 10
    /// Also write every stored event as a JSON line here (`-` for standard output).
    public var exportJSONLines: String?
    public init() {}
}

/// Token verification settings shared by every issuer.
public struct TokenConfiguration: Sendable {
    /// Clock skew tolerated for `exp`, `nbf` and `iat`.
    public var leeway: TimeInterval = 30
    /// Audience the gateway's own tokens carry and accept.
    public var audience: String = "auditgateway"
    /// Longest actor chain a token exchange may produce (`alice → etl → loader` is 2).
    public var maxDelegationDepth: Int = 4
    /// Longest lifetime of a token minted by exchange (it is also never longer than its parent's).
    public var maxExchangeTTL: TimeInterval = 12 * 3600
    /// Longest lease period a token exchange may ask for.
    public var maxLease: TimeInterval = 3600
    /// Longest lifetime of an SSH user certificate (`POST /v1/ssh/certificates`; it is also
    /// never longer than the token it is issued from).
    public var maxSSHCertificateTTL: TimeInterval = 8 * 3600
    public init() {}
}

/// A trusted OIDC issuer.
public struct IssuerEntry: Sendable {
    public enum KeySource: Sendable, Hashable {
        case file(String)
        case url(String)
    }
    /// `iss` value, matched exactly.
    public var issuer: String
    public var audiences: [String]
    public var jwks: KeySource
    public var groupsClaim: String = "groups"

    public init(issuer: String, audiences: [String], jwks: KeySource, groupsClaim: String = "groups") {
        self.issuer = issuer
        self.audiences = audiences
        self.jwks = jwks
        self.groupsClaim = groupsClaim
    }
}

/// Protocol listeners. A protocol without an address is not served.
public struct ListenerConfiguration: Sendable {
    public var postgres: HostAndPort?
    public var mysql: HostAndPort?
    public var ssh: HostAndPort?
    public var http: HostAndPort?
    /// Accept clients without TLS when both ends are on loopback (development only).
    public var allowPlaintextLoopback: Bool = false
    /// Event-loop threads serving the protocol listeners (each session, and its upstream
    /// connection, lives on one of them); nil: one per core. On a small host that the
    /// gateway shares with the servers behind it, fewer threads leave them more CPU.
    public var threads: Int?
    public init() {}
}

/// The protocols a connection can speak.
public enum ConnectionProtocol: String, Sendable, CaseIterable {
    case postgres, mysql, ssh, http, kubernetes
}

/// A named upstream a client asks for (as its user name, path or host).
public struct ConnectionEntry: Sendable {
    public enum UpstreamTLS: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }
    public var name: String
    public var `protocol`: ConnectionProtocol
    public var address: HostAndPort
    /// Database (PostgreSQL, MySQL) to connect to.
    public var database: String?
    /// Login the gateway uses upstream (database role, SSH user).
    public var username: String?
    /// Where the gateway's credential for the upstream lives; never the secret itself.
    public var credential: CredentialReference?
    public var tls: UpstreamTLS = .prefer
    /// CA certificates (PEM) that `tls: verify-full` trusts; default: the system's.
    public var caFile: String?
    /// Groups whose members may use this connection (`*` = any authenticated identity).
    public var allowGroups: [String] = []
    /// Groups whose members may only run read statements here.
    public var readOnlyGroups: [String] = []
    /// Result columns masked for everyone (case-insensitive globs).
    public var maskColumns: [String] = []
    /// PostgreSQL: how long the gateway waits for the server to accept the connection and
    /// finish start-up (TLS, authentication) before refusing the session.
    public var connectTimeout: TimeInterval = ConnectionEntry.defaultConnectTimeout
    /// The start-up wait when the connection names none, in seconds.
    public static let defaultConnectTimeout: TimeInterval = 30
    /// End a session idle this long; nil = never.
    public var idleTimeout: TimeInterval?
    /// End a session this long after it started; nil = never.
    public var maxDuration: TimeInterval?
    /// Mint a PostgreSQL role for each session instead of logging in as ``username`` (postgres only).
    public var jitRole: JITRoleConfiguration?
    /// SSH: the upstream server's host key, pinned, as an OpenSSH public key line
    /// (`ssh-ed25519 AAAA...`). Required for SSH connections: a server presenting another
    /// key is refused.
    public var hostKey: String?
    /// SSH: where the private key the gateway logs in with lives (an unencrypted OpenSSH
    /// private key, Ed25519 or ECDSA); tried before ``credential`` (a password).
    public var privateKey: CredentialReference?
    /// SSH: upstream logins besides ``username`` a client may pick with `LOGIN+CONNECTION`.
    public var allowedLogins: [String] = []
    /// SSH: environment variables a client may pass upstream (names, or globs like `LC_*`).
    public var allowedEnvironment: [String] = ConnectionEntry.defaultAllowedEnvironment

    /// The environment variables SSH clients may pass when the connection names none.
    public static let defaultAllowedEnvironment = ["LANG", "LC_*", "TERM"]

    public init(name: String, protocol: ConnectionProtocol, address: HostAndPort, database: String? = nil,
                username: String? = nil, credential: CredentialReference? = nil, tls: UpstreamTLS = .prefer) {
        self.name = name
        self.protocol = `protocol`
        self.address = address
        self.database = database
        self.username = username
        self.credential = credential
        self.tls = tls
    }
}

/// Just-in-time PostgreSQL roles: each session logs in as a role created for it alone and
/// dropped when it ends (see Docs/postgres.md, "Just-in-time roles").
public struct JITRoleConfiguration: Sendable {
    public static let defaultPrefix = "agw_jit_"
    /// The login that creates and drops the roles: it needs CREATEROLE.
    public var adminUser: String
    /// Where that login's password lives; never the secret itself.
    public var adminCredential: CredentialReference
    /// Existing roles each minted role is made a member of (its privileges).
    public var memberships: [String] = []
    /// Starts every minted role's name, before the node's own part; a lowercase identifier.
    public var prefix: String = defaultPrefix
    /// The longest a minted role's password stays valid (`VALID UNTIL`); nil: the token's
    /// expiry and the session's maximum duration alone bound it.
    public var validFor: TimeInterval?

    public init(adminUser: String, adminCredential: CredentialReference) {
        self.adminUser = adminUser
        self.adminCredential = adminCredential
    }
}
