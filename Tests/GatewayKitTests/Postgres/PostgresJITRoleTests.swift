import Foundation
import Testing
@testable import GatewayKit

/// `jit_role` through the real gateway, psql and PostgreSQL: each session logs in as a role
/// minted for it, with the memberships configured, dropped when it ends; leftovers of this
/// node are swept at start-up and no other node's; the password is nowhere in the trail.
@Suite("PostgreSQL just-in-time roles", .serialized)
final class PostgresJITRoleTests {
    /// The node id PostgresGateway configures.
    static let node = "pg-test"
    let gateway: PostgresGateway
    let secrets: TemporaryDirectory
    let adminPassword = "jit-admin-" + UUID().uuidString.prefix(12).lowercased()
    var nodePrefix: String { PostgresJITRoles.rolePrefix(JITRoleConfiguration.defaultPrefix, nodeID: Self.node) }

    init() throws {
        // A login that may create roles but is no superuser, a role to be a member of, and a
        // table only that role may read.
        secrets = try TemporaryDirectory()
        try secrets.write("jit-admin.password", adminPassword + "\n")
        let postgres = try TestServers.postgres()
        let setup = try ChildProcess.runTool("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", postgres.socketDirectory, "-p", String(postgres.port),
                                                      "-U", "postgres", "-d", "app", "-c", """
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jit_admin') THEN CREATE ROLE jit_admin LOGIN CREATEROLE; END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jit_readers') THEN CREATE ROLE jit_readers NOLOGIN; END IF;
            END $$;
            ALTER ROLE jit_admin PASSWORD '\(adminPassword)';
            GRANT jit_readers TO jit_admin WITH ADMIN OPTION;
            DROP TABLE IF EXISTS jit_secrets; CREATE TABLE jit_secrets(v text); INSERT INTO jit_secrets VALUES ('only-for-jit-readers');
            GRANT SELECT ON jit_secrets TO jit_readers;
            """])
        #expect(setup.status == 0, "\(setup.stderr)")
        let jit = { (name: String, admin: String, credential: String) in """
              - name: \(name)
                protocol: postgres
                address: \(postgres.host):\(postgres.port)
                database: app
                tls: require
                allow_groups: [developers]
                jit_role:
                  admin_user: \(admin)
                  admin_credential: \(credential)
                  memberships: [jit_readers]
                  valid_for: 1h
            """
        }
        gateway = try PostgresGateway.start(extraConnectionYAML: [
            jit("orders-jit", "jit_admin", "file:" + secrets.file("jit-admin.password")),
            // `app` owns the database but cannot create roles.
            jit("orders-jit-weak", "app", "env:PG_APP_PASSWORD"),
        ].joined(separator: "\n"))
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
        secrets.remove()
    }

    private func roleCount(_ role: String) throws -> String {
        try gateway.superuser("select count(*) from pg_roles where rolname = '\(role)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// An interactive psql on `orders-jit`, and the role it runs as (`select current_user`).
    private func openSession(_ token: String) throws -> (ChildProcess.Running, String) {
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-At", "-d", gateway.dsn("orders-jit")],
                                          environment: ["PGPASSWORD": token, "PGCONNECT_TIMEOUT": "10"], input: true)
        psql.send("select current_user;\n")
        let role = try #require(try psql.waitForOutput(containing: nodePrefix, timeout: 30)
            .split(separator: "\n").map(String.init).first { $0.hasPrefix(nodePrefix) })
        return (psql, role)
    }

    private func fields(_ event: [String: Any]) -> [String: Any] {
        ((event["event"] as? [String: Any])?["fields"] as? [String: Any]) ?? [:]
    }

    @Test func eachSessionLogsInAsItsOwnRoleDroppedWhenItEnds() throws {
        let token = try gateway.token("alice", groups: ["developers"])
        let (psql, role) = try openSession(token)
        let tail = role.dropFirst(nodePrefix.count)
        #expect(tail.count == 12 && tail.allSatisfy { "0123456789abcdef".contains($0) }, "a minted role is the node's prefix and 12 hex digits: \(role)")

        // While the session is open the role exists, can log in until about an hour from now
        // (valid_for), and its stored password is a SCRAM verifier.
        #expect(try roleCount(role) == "1")
        let validUntil = try gateway.superuser("select extract(epoch from rolvaliduntil - now())::int from pg_roles where rolname = '\(role)'")
        let seconds = Int(validUntil.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        #expect((3500...3700).contains(seconds), "VALID UNTIL is valid_for (1h) plus the margin from now: \(validUntil.stdout) \(validUntil.stderr)")
        let verifier = try gateway.superuser("select rolpassword from pg_authid where rolname = '\(role)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(verifier.hasPrefix("SCRAM-SHA-256$4096:"), "\(verifier)")

        // The membership is what lets it read the table (the connection's usual login cannot).
        psql.send("select v from jit_secrets;\n")
        _ = try psql.waitForOutput(containing: "only-for-jit-readers", timeout: 30)
        let unprivileged = try gateway.psql("orders", token: token, ["-At", "-c", "select v from jit_secrets"])
        #expect(unprivileged.stderr.contains("permission denied"), "\(unprivileged.stdout) \(unprivileged.stderr)")

        psql.send("\\q\n")
        #expect(psql.wait(timeout: 30) == 0, "\(psql.stderr)")
        let deadline = Date().addingTimeInterval(20)
        while try roleCount(role) != "0", Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(try roleCount(role) == "0", "the role is dropped once the session has ended")

        // The trail: session.start names the role; its creation and drop are admin actions
        // of the session.
        let start = try gateway.events(["--subject", "alice", "--type", "session.start"]).first { fields($0)["db_role"] as? String == role }
        let session = try #require((start?["event"] as? [String: Any])?["sessionID"] as? String, "session.start names db_role \(role)")
        var actions: [String] = []
        let roleDeadline = Date().addingTimeInterval(10)
        repeat {
            actions = try gateway.events(["--type", "admin.action", "--session", session]).filter { fields($0)["target"] as? String == role }
                .compactMap { fields($0)["action"] as? String }
        } while !actions.contains("db.role_dropped") && Date() < roleDeadline
        #expect(Set(actions) == ["db.role_created", "db.role_dropped"], "\(actions)")

        // Neither the password, nor its verifier, nor the admin credential is in the trail or the
        // gateway's log. The password is unknown here, so every 64-hex-digit string (its form)
        // is tried against the verifier PostgreSQL holds.
        let trail = try gateway.auditctl(["events", "search", "--json", "--limit", "10000"]).stdout + gateway.process.stderr
        #expect(!trail.isEmpty)
        let parts = verifier.dropFirst("SCRAM-SHA-256$4096:".count).split(whereSeparator: { $0 == "$" || $0 == ":" }).map(String.init)
        #expect(parts.count == 3)
        for part in parts + [adminPassword] {
            #expect(!trail.contains(part) && !trail.contains(part.replacingOccurrences(of: "/", with: "\\/")), "\(part) is in the trail or the log")
        }
        let salt = try #require(Data(base64Encoded: parts[0]))
        let candidates = Set(trail.split(whereSeparator: { !$0.isHexDigit }).filter { $0.count == 64 }.map { $0.lowercased() })
        #expect(!candidates.isEmpty, "the trail holds 64-hex-digit strings (hashes), so the search looks at something")
        for candidate in candidates {
            #expect(try PostgresJITRoles.scramVerifier(password: candidate, salt: Array(salt)) != verifier, "the session's password is in the trail")
        }
    }

    @Test func aTerminatedSessionsRoleIsDroppedToo() throws {
        let (psql, role) = try openSession(try gateway.token("carol", groups: ["developers"]))
        let start = try gateway.events(["--subject", "carol", "--type", "session.start"]).first
        let session = try #require((start?["event"] as? [String: Any])?["sessionID"] as? String)
        let terminate = try gateway.auditctl(["terminate", session, "--reason", "jit test"])
        #expect(terminate.status == 0, "\(terminate.stderr)")
        psql.closeInput()
        _ = psql.wait(timeout: 30)
        let deadline = Date().addingTimeInterval(20)
        while try roleCount(role) != "0", Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        #expect(try roleCount(role) == "0", "the role of a session the gateway ended is dropped too")
    }

    @Test func anAdminThatCannotCreateRolesRefusesTheSessionSayingWhy() throws {
        let token = try gateway.token("bob", groups: ["developers"])
        let refused = try gateway.psql("orders-jit-weak", token: token, ["-c", "select 1"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("cannot create this session's database role"), "\(refused.stderr)")
        #expect(refused.stderr.contains("CREATEROLE"), "the hint says what to fix: \(refused.stderr)")
        #expect(!refused.stderr.contains("apppass"))
        let failed = try gateway.events(["--subject", "bob", "--type", "admin.action"]).filter { fields($0)["action"] as? String == "db.role_create_failed" }
        #expect(failed.count == 1, "\(failed)")
        let ends = try gateway.events(["--subject", "bob", "--type", "session.end"])
        #expect(ends.compactMap { fields($0)["reason"] as? String } == ["upstream_error"])
    }

    @Test func leftoversOfThisNodeAreSweptAtStartAndNoOtherNodes() throws {
        let mine = nodePrefix + "0123456789ab"
        let otherNode = PostgresJITRoles.rolePrefix(JITRoleConfiguration.defaultPrefix, nodeID: "pg-test-2") + "0123456789ab"
        let notMinted = nodePrefix + "by_hand"
        // As a crashed run would have left them: created by the admin login, one owning a table.
        let setup = try gateway.superuser("""
            SET ROLE jit_admin; CREATE ROLE "\(mine)" LOGIN; CREATE ROLE "\(otherNode)"; CREATE ROLE "\(notMinted)"; RESET ROLE;
            DROP TABLE IF EXISTS jit_leftover; CREATE TABLE jit_leftover(v int); ALTER TABLE jit_leftover OWNER TO "\(mine)";
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
        defer { _ = try? gateway.superuser("DROP TABLE IF EXISTS jit_leftover; DROP ROLE IF EXISTS \"\(otherNode)\"; DROP ROLE IF EXISTS \"\(notMinted)\"") }

        _ = gateway.stop()
        let second = try gateway.restarted()
        defer { _ = second.stop() }
        #expect(try roleCount(mine) == "0", "this node's leftover is dropped at start-up")
        #expect(try roleCount(otherNode) == "1", "another node's role is not touched")
        #expect(try roleCount(notMinted) == "1", "a name that is not prefix + 12 hex digits is not touched")
        let owner = try gateway.superuser("select tableowner from pg_tables where tablename = 'jit_leftover'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(owner == "jit_admin", "what the leftover owned goes to the admin login")
        let swept = try second.events(["--type", "admin.action"]).filter { fields($0)["action"] as? String == "db.role_swept" }
        #expect(swept.compactMap { fields($0)["target"] as? String } == [mine])
    }
}

/// Names, values and quoting, without a server.
@Suite("PostgreSQL just-in-time role values")
struct PostgresJITRoleValueTests {
    @Test func nodePrefixesNeverOverlap() {
        let a = PostgresJITRoles.rolePrefix("agw_jit_", nodeID: "gw-1")
        let b = PostgresJITRoles.rolePrefix("agw_jit_", nodeID: "gw_1")
        #expect(a.hasPrefix("agw_jit_gw_1_") && b.hasPrefix("agw_jit_gw_1_"))
        #expect(a != b && a.count == b.count, "ids that fold alike differ by their hash")
        let long = PostgresJITRoles.rolePrefix(String(repeating: "p", count: 20), nodeID: String(repeating: "Ä", count: 64))
        #expect((long + "0123456789ab").utf8.count <= 63)
        #expect(long.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
    }

    @Test func verifierMatchesAnIndependentComputation() throws {
        // Python: hashlib.pbkdf2_hmac / hmac / sha256 over "pencil" and the RFC 7677 salt.
        let salt = try #require(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ=="))
        #expect(try PostgresJITRoles.scramVerifier(password: "pencil", salt: Array(salt))
            == "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=")
        let password = PostgresJITRoles.randomPassword().reveal()
        #expect(password.count == 64 && password.allSatisfy(\.isHexDigit))
    }

    @Test func validUntilIsTheEarliestLimitPlusAMargin() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        let margin = PostgresJITRoles.validityMargin
        #expect(PostgresJITRoles.validUntil(now: now, tokenExpiry: now + 600, validFor: nil, maxDuration: nil) == now + 600 + margin)
        #expect(PostgresJITRoles.validUntil(now: now, tokenExpiry: now + 600, validFor: 300, maxDuration: nil) == now + 300 + margin)
        #expect(PostgresJITRoles.validUntil(now: now, tokenExpiry: now + 600, validFor: 300, maxDuration: 60) == now + 60 + margin)
        #expect(PostgresJITRoles.validUntil(now: now, tokenExpiry: now - 10, validFor: nil, maxDuration: nil) == now + margin, "never in the past")
        #expect(PostgresJITRoles.timestamp(now) == "1970-01-12T13:46:40Z")
    }

    @Test func quoting() {
        #expect(PostgresJITRoles.identifier("we\"ird role") == "\"we\"\"ird role\"")
        #expect(PostgresJITRoles.literal("it's") == "'it''s'")
        #expect(PostgresJITRoles.literal("a\\b'") == "E'a\\\\b'''")
    }
}
