import AuditCore
import Crypto
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ProtocolParsers

/// Just-in-time PostgreSQL roles for one connection (its `jit_role` settings): each session
/// logs in upstream as a role created for it alone, with a random password nobody sees,
/// valid no longer than the session may last, and dropped once the session's upstream
/// connection has closed.
///
/// The gateway creates and drops the roles over a connection of its own, as the configured
/// admin login. It hands PostgreSQL a SCRAM-SHA-256 verifier, never the password, so the
/// password is not in the server's statement log either, and it never puts the password, the
/// verifier or the admin credential in a log line, an audit event or an error.
///
/// A role's name is the prefix, this node's part (its id folded to an identifier, and a hash
/// of the id, so that ids that fold alike still differ) and 12 hex digits of the session id.
/// At start-up a node drops what a previous run of its own left behind (``sweep()``): the
/// roles named by its part and exactly 12 hex digits after it, and no other node's.
struct PostgresJITRoles: Sendable {
    /// What a session logs in with: the connection as its minted role, and that role's password.
    struct Login: Sendable {
        var role: String
        var connection: ConnectionEntry
        var password: Secret
    }

    /// The server refused a statement of the gateway's, or could not be reached. The message
    /// is the server's (with any secret blanked), never the statement.
    struct Failure: Error, CustomStringConvertible {
        var sqlState: String
        var message: String
        /// What the operator can change, when the failure came with a hint (see ``PostgresUpstreamError/hint``).
        var hint: String? = nil
        var description: String { message }
    }

    let connection: ConnectionEntry
    let settings: JITRoleConfiguration
    /// What every role this node mints for the connection starts with: prefix and node part.
    let rolePrefix: String
    let store: any AuditStore
    let sslContext: NIOSSLContext?
    let group: any EventLoopGroup
    let logger: Logger
    /// Roles created (or being created) and not yet dropped, by session id.
    private let minted = NIOLockedValueBox<[String: String]>([:])

    /// Added to `VALID UNTIL`, so that clock skew between gateway and server cannot refuse
    /// the login made right after the role is created.
    static let validityMargin: TimeInterval = 60
    /// How long a statement of the gateway's may run (or wait for a lock) before the server stops it.
    static let adminParameters: [PostgresFrontendMessage.Startup.Parameter] = [
        .init(name: "application_name", value: "auditgateway-jit-roles"),
        .init(name: "statement_timeout", value: "15s"),
        .init(name: "lock_timeout", value: "10s"),
    ]

    init(connection: ConnectionEntry, settings: JITRoleConfiguration, nodeID: String, store: any AuditStore,
         sslContext: NIOSSLContext?, group: any EventLoopGroup, logger: Logger) {
        self.connection = connection
        self.settings = settings
        self.rolePrefix = Self.rolePrefix(settings.prefix, nodeID: nodeID)
        self.store = store
        self.sslContext = sslContext
        self.group = group
        self.logger = logger
    }

    /// One per PostgreSQL connection with `jit_role`, by connection name.
    static func forConnections(_ configuration: GatewayConfiguration, store: any AuditStore, logger: Logger) throws -> [String: PostgresJITRoles] {
        var result: [String: PostgresJITRoles] = [:]
        for connection in configuration.connections where connection.protocol == .postgres {
            guard let settings = connection.jitRole else { continue }
            result[connection.name] = PostgresJITRoles(connection: connection, settings: settings, nodeID: configuration.nodeID, store: store,
                                                       sslContext: try TLSContexts.upstream(connection), group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        }
        return result
    }

    // MARK: Names

    /// `prefix` + the node id folded to lowercase letters, digits and `_` (at most 16) + `_` +
    /// 6 hex digits of the id's SHA-256 + `_`: at most 20 + 16 + 8 characters, so that a
    /// role name stays within PostgreSQL's 63 bytes.
    static func rolePrefix(_ prefix: String, nodeID: String) -> String {
        let folded = nodeID.lowercased().unicodeScalars.prefix(16).map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        }
        return prefix + String(folded) + "_" + hex(SHA256.hash(data: Array(nodeID.utf8)).prefix(3)) + "_"
    }

    /// The role a session logs in as; known before it exists, so that `session.start` can name it.
    func roleName(forSession id: String) -> String {
        // Session ids are `pg-` and 12 hex digits: a DBA can find the session from the role.
        let tail = id.dropFirst(3)
        let tag = tail.count == 12 && tail.allSatisfy({ "0123456789abcdef".contains($0) }) ? String(tail) : Self.hex(SHA256.hash(data: Array(id.utf8)).prefix(6))
        return rolePrefix + tag
    }

    /// Whether `role` is one this node mints for this connection (the sweep drops only those).
    func isMinted(_ role: String) -> Bool {
        guard role.hasPrefix(rolePrefix) else { return false }
        let tail = role.dropFirst(rolePrefix.count)
        return tail.count == 12 && tail.allSatisfy { "0123456789abcdef".contains($0) }
    }

    // MARK: Session start and end

    /// Creates the session's role and returns how to log in as it.
    ///
    /// `VALID UNTIL` is the earliest of the token's expiry, now + `valid_for` and now + the
    /// session's maximum duration, plus ``validityMargin``. On failure the error is a
    /// ``PostgresUpstreamError`` the client sees as FATAL, saying what to fix.
    func mint(sessionID: String, identity: Identity, maxDuration: TimeInterval?) async throws -> Login {
        let role = roleName(forSession: sessionID)
        let password = Self.randomPassword()
        let validUntil = Self.validUntil(now: Date(), tokenExpiry: identity.expiresAt, validFor: settings.validFor, maxDuration: maxDuration)
        do {
            let verifier = try Self.scramVerifier(password: password.reveal())
            var statement = "CREATE ROLE \(Self.identifier(role)) LOGIN CONNECTION LIMIT 1 PASSWORD \(Self.literal(verifier)) VALID UNTIL \(Self.literal(Self.timestamp(validUntil)))"
            if !settings.memberships.isEmpty {
                statement += " IN ROLE " + settings.memberships.map(Self.identifier).joined(separator: ", ")
            }
            try await withAdmin { [minted] admin in
                // From here the role may exist (an answer can be lost), so ``drop`` checks.
                minted.withLockedValue { $0[sessionID] = role }
                do {
                    _ = try await admin.run(statement, secrets: [verifier, password.reveal()])
                } catch let refused as Failure where refused.sqlState != "08006" {
                    minted.withLockedValue { $0[sessionID] = nil }  // the server refused it: there is nothing to drop
                    throw refused
                }
            }
        } catch {
            let failure = describe(error)
            logger.error("cannot create the session's database role", metadata: ["session": "\(sessionID)", "connection": "\(connection.name)", "role": "\(role)", "error": "\(failure)"])
            _ = try? await store.append(event("db.role_create_failed", role: role, sessionID: sessionID, identity: identity, [AuditField.reason: .string(failure.message)]))
            throw PostgresUpstreamError(message: "connection \(connection.name): the gateway cannot create this session's database role: \(failure.message)",
                                        sqlState: failure.sqlState, hint: hint(for: failure))
        }
        do {
            _ = try await store.append(event("db.role_created", role: role, sessionID: sessionID, identity: identity, [
                "valid_until": .string(Self.timestamp(validUntil)), "memberships": .array(settings.memberships.map { .string($0) }),
            ]))
        } catch {
            throw PostgresUpstreamError(message: "the audit trail cannot record this session's database role, so the gateway refuses the session (fail closed)", sqlState: "58000")
        }
        var login = connection
        login.username = role
        login.credential = nil
        return Login(role: role, connection: login, password: password)
    }

    /// Drops the role minted for `sessionID`, if one was: call once the session's upstream
    /// connection has closed, however the session ended. A failure is logged and recorded
    /// (`db.role_drop_failed`); the next start-up sweep tries again.
    func drop(sessionID: String, identity: Identity?) async {
        guard let role = minted.withLockedValue({ $0.removeValue(forKey: sessionID) }) else { return }
        do {
            let terminated = try await withAdmin { admin in try await remove(role, with: &admin) }
            if let terminated {
                _ = try? await store.append(event("db.role_dropped", role: role, sessionID: sessionID, identity: identity, ["backends_terminated": .int(Int64(terminated))]))
            }
        } catch {
            let failure = describe(error)
            logger.error("cannot drop the session's database role", metadata: ["session": "\(sessionID)", "connection": "\(connection.name)", "role": "\(role)", "error": "\(failure)"])
            _ = try? await store.append(event("db.role_drop_failed", role: role, sessionID: sessionID, identity: identity, [AuditField.reason: .string(failure.message)]))
        }
    }

    /// Drops every role this node minted for the connection that is still there: a previous
    /// run stopped (crashed, was killed) before dropping it. Call before sessions start.
    /// Never throws: an unreachable server is logged and recorded, and start-up goes on.
    func sweep() async {
        do {
            try await withAdmin { admin in
                let rows = try await admin.run("SELECT rolname FROM pg_catalog.pg_roles WHERE substr(rolname, 1, \(rolePrefix.count)) = \(Self.literal(rolePrefix)) ORDER BY rolname")
                for role in rows.compactMap({ $0.first ?? nil }) where isMinted(role) {
                    do {
                        if let terminated = try await remove(role, with: &admin) {
                            logger.notice("dropped a database role a previous run left behind", metadata: ["connection": "\(connection.name)", "role": "\(role)"])
                            _ = try? await store.append(event("db.role_swept", role: role, sessionID: nil, identity: nil, ["backends_terminated": .int(Int64(terminated))]))
                        }
                    } catch {
                        let failure = describe(error)
                        logger.error("cannot drop a database role a previous run left behind", metadata: ["connection": "\(connection.name)", "role": "\(role)", "error": "\(failure)"])
                        _ = try? await store.append(event("db.role_drop_failed", role: role, sessionID: nil, identity: nil, [AuditField.reason: .string(failure.message)]))
                    }
                }
            }
        } catch {
            let failure = describe(error)
            logger.error("cannot sweep left-over database roles", metadata: ["connection": "\(connection.name)", "error": "\(failure)"])
            _ = try? await store.append(event("db.role_sweep_failed", role: rolePrefix + "*", sessionID: nil, identity: nil, [AuditField.reason: .string(failure.message)]))
        }
    }

    /// Ends the role's backends and drops it, giving what it owns in this database to the
    /// admin login. Returns how many backends had to be terminated, or nil when the role
    /// does not exist.
    private func remove(_ role: String, with admin: inout AdminConnection) async throws -> Int? {
        let name = Self.literal(role), quoted = Self.identifier(role), owner = Self.identifier(settings.adminUser)
        guard try await !admin.run("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = \(name)").isEmpty else { return nil }
        // REASSIGN OWNED, DROP OWNED and pg_terminate_backend need the role's privileges; an
        // admin login that is not a superuser gets them by membership.
        _ = try await admin.run("GRANT \(quoted) TO \(owner)")
        let backends = "FROM pg_catalog.pg_stat_activity WHERE usename = \(name) AND pid <> pg_catalog.pg_backend_pid()"
        // A backend normally ends by itself just after the gateway closed its connection.
        var terminated = 0
        if try await !admin.waitUntilEmpty("SELECT count(*) \(backends)", seconds: 1) {
            terminated = try await admin.run("SELECT pg_catalog.pg_terminate_backend(pid) \(backends)").filter { ($0.first ?? nil) == "t" }.count
            _ = try await admin.waitUntilEmpty("SELECT count(*) \(backends)", seconds: 5)
        }
        // One statement string, one transaction: nothing is half done.
        _ = try await admin.run("REASSIGN OWNED BY \(quoted) TO \(owner); DROP OWNED BY \(quoted); DROP ROLE IF EXISTS \(quoted)")
        return terminated
    }

    private func event(_ action: String, role: String, sessionID: String?, identity: Identity?, _ extra: [String: AuditValue]) -> AuditEvent {
        var fields: [String: AuditValue] = [AuditField.action: .string(action), AuditField.target: .string(role)]
        fields.merge(extra) { $1 }
        return AuditEvent(type: .adminAction, sessionID: sessionID, identity: identity, connection: connection.name, protocol: "postgres", fields: fields)
    }

    // MARK: The admin connection

    /// A connection of the gateway's own as the admin login; one statement string at a time.
    struct AdminConnection {
        var reader: PostgresFrameReader<PostgresBackendMessageDecoder>
        let outbound: ChannelByteStream

        /// Sends `sql` as one simple Query and reads up to ReadyForQuery; returns the rows of
        /// its results as text. An ErrorResponse becomes a ``Failure`` with the server's
        /// message and detail, each of `secrets` blanked; the statement is never in it.
        mutating func run(_ sql: String, secrets: [String] = []) async throws -> [[String?]] {
            try await outbound.write(PostgresUpstream.encode(.query(sql)))
            var rows: [[String?]] = []
            var failure: Failure?
            while true {
                guard let (message, _) = try await reader.next() else {
                    throw Failure(sqlState: "08006", message: "the server closed the gateway's admin connection")
                }
                switch message {
                case .dataRow(let row):
                    rows.append(row.columns.map { $0.map { String(buffer: $0) } })
                case .errorResponse(let error) where failure == nil:
                    var text = [error.message, error.detail].compactMap { $0 }.joined(separator: " ")
                    for secret in secrets where !secret.isEmpty { text = text.replacingOccurrences(of: secret, with: "<redacted>") }
                    failure = Failure(sqlState: error.sqlState ?? "XX000", message: text.isEmpty ? "the server refused a statement" : text)
                case .readyForQuery:
                    if let failure { throw failure }
                    return rows
                default:
                    continue
                }
            }
        }

        /// Runs a `SELECT count(*)` until it answers 0 (true) or `seconds` pass (false).
        mutating func waitUntilEmpty(_ countQuery: String, seconds: Double) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                let count = try await run(countQuery).first.flatMap { $0.first ?? nil }.flatMap { Int($0) } ?? 0
                if count == 0 { return true }
                if Date() >= deadline { return false }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Opens the admin connection (same server, database and TLS as the sessions), runs
    /// `body` and closes it.
    private func withAdmin<T>(_ body: (inout AdminConnection) async throws -> T) async throws -> T {
        let password: Secret
        do {
            password = try settings.adminCredential.resolve()
        } catch {
            throw Failure(sqlState: "28000", message: "the admin credential is unavailable (\(error))")
        }
        var login = connection
        login.username = settings.adminUser
        let upstream = try await PostgresUpstream.connect(to: login, group: group)
        return try await upstream.executeThenClose {
            let (reader, _) = try await PostgresUpstream.handshake(upstream, connection: login, password: password,
                                                                    clientParameters: Self.adminParameters, sslContext: sslContext)
            var admin = AdminConnection(reader: reader, outbound: upstream)
            let result = try await body(&admin)
            try? await upstream.write(PostgresUpstream.encode(.terminate))
            return result
        }
    }

    /// A failure as the server's SQLSTATE and a message without the connection's name in front.
    private func describe(_ error: any Error) -> Failure {
        switch error {
        case let failure as Failure:
            return failure
        case let upstream as PostgresUpstreamError:
            let head = "connection \(connection.name): "
            return Failure(sqlState: upstream.sqlState, message: upstream.message.hasPrefix(head) ? String(upstream.message.dropFirst(head.count)) : upstream.message,
                           hint: upstream.hint)
        default:
            return Failure(sqlState: "08006", message: "\(error)")
        }
    }

    /// What the operator should change: for the server's refusals that have one cause, the
    /// jit_role setting to fix; otherwise the hint the failure came with (a TLS trust problem
    /// or a start-up timeout on the admin connection), if any.
    private func hint(for failure: Failure) -> String? {
        let message = failure.message.lowercased()
        switch failure.sqlState {
        case "28P01", "28000":
            return "check jit_role.admin_user (\(settings.adminUser)) and jit_role.admin_credential of connection \(connection.name)"
        case "42501" where message.contains("create role"):
            return "the admin login \(settings.adminUser) needs CREATEROLE: ALTER ROLE \(Self.identifier(settings.adminUser)) CREATEROLE"
        case "42501" where message.contains("grant role") || message.contains("admin option"):
            return "the admin login \(settings.adminUser) must be able to grant each role in jit_role.memberships (PostgreSQL 16 and later: GRANT role TO \(Self.identifier(settings.adminUser)) WITH ADMIN OPTION)"
        case "42704":
            return "every role in jit_role.memberships of connection \(connection.name) must exist"
        default:
            return failure.hint
        }
    }

    // MARK: Values

    /// 32 random bytes as 64 hex digits (plain ASCII, which SASLprep leaves as it is).
    static func randomPassword() -> Secret {
        var generator = SystemRandomNumberGenerator()
        return Secret(hex((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    /// What PostgreSQL stores for a SCRAM-SHA-256 password, computed here so that the
    /// password itself never crosses the wire:
    /// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64).
    static func scramVerifier(password: String, salt: [UInt8]? = nil, iterations: Int = 4096) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = salt ?? (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let keys = try SCRAMSHA256Client.keys(password: password, salt: salt, iterations: iterations)
        return "SCRAM-SHA-256$\(iterations):\(Data(salt).base64EncodedString())$\(Data(keys.storedKey).base64EncodedString()):\(Data(keys.serverKey).base64EncodedString())"
    }

    /// The earliest of the limits that apply, never before `now`, plus ``validityMargin``.
    static func validUntil(now: Date, tokenExpiry: Date, validFor: TimeInterval?, maxDuration: TimeInterval?) -> Date {
        var limit = tokenExpiry
        if let validFor { limit = min(limit, now.addingTimeInterval(validFor)) }
        if let maxDuration { limit = min(limit, now.addingTimeInterval(maxDuration)) }
        return max(limit, now).addingTimeInterval(validityMargin)
    }

    /// A `timestamptz` literal's text, in UTC.
    static func timestamp(_ date: Date) -> String {
        date.formatted(.iso8601)
    }

    /// A quoted SQL identifier (any name is safe in it).
    static func identifier(_ name: String) -> String {
        "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A quoted SQL string literal, right whatever the server's `standard_conforming_strings`.
    static func literal(_ text: String) -> String {
        let quoted = text.replacingOccurrences(of: "'", with: "''")
        return text.contains("\\") ? "E'" + quoted.replacingOccurrences(of: "\\", with: "\\\\") + "'" : "'" + quoted + "'"
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
