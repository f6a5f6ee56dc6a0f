import Foundation
import Testing
@testable import GatewayKit

@Suite("Configuration validation")
struct ConfigurationLoaderTests {
    let environment = ["ORDERS_DB_PASSWORD": "s3cret-value", "ORDERS_ROLE_ADMIN_PASSWORD": "role-admin-secret", "WEB1_SSH_KEY": "ssh-key-material"]

    private func issues(_ yaml: String) throws -> [ConfigurationIssue] {
        do {
            _ = try ConfigurationLoader.parse(yaml, baseDirectory: "/tmp", environment: environment)
        } catch let error as ConfigurationError {
            return error.issues
        }
        Issue.record("expected the configuration to be refused")
        return []
    }

    @Test func minimalConfigurationGetsDefaults() throws {
        let config = try ConfigurationLoader.parse("data_dir: /var/lib/agw\n", baseDirectory: "/tmp", environment: environment)
        #expect(config.dataDirectory == "/var/lib/agw")
        #expect(config.nodeID == "gw-1")
        #expect(config.admin.listen == HostAndPort(host: "127.0.0.1", port: 18080))
        #expect(config.audit.durability == .full)
        #expect(config.tokens.leeway == 30)
    }

    @Test func listenerThreadsDefaultToOnePerCoreAndAreBounded() throws {
        let defaults = try ConfigurationLoader.parse("data_dir: /x\n", baseDirectory: "/tmp", environment: environment)
        #expect(defaults.listeners.threads == nil)
        let one = try ConfigurationLoader.parse("data_dir: /x\nlisteners:\n  postgres: 127.0.0.1:15432\n  threads: 1\n", baseDirectory: "/tmp", environment: environment)
        #expect(one.listeners.threads == 1)
        for bad in ["0", "257", "two"] {
            let found = try issues("data_dir: /x\nlisteners:\n  threads: \(bad)\n")
            #expect(found.map(\.key) == ["listeners.threads"])
            #expect(found.first?.line == 3)
            #expect(found.first?.message == "must be a whole number from 1 to 256, not '\(bad)'")
        }
    }

    @Test func relativePathsResolveAgainstTheFile() throws {
        let config = try ConfigurationLoader.parse("data_dir: data\n", baseDirectory: "/etc/agw", environment: environment)
        #expect(config.dataDirectory == "/etc/agw/data")
    }

    @Test func unknownKeyIsNamedWithItsLine() throws {
        let found = try issues("data_dir: /x\nadmin:\n  listen: 127.0.0.1:1\n  lisen: 127.0.0.1:2\n")
        #expect(found.count == 1)
        #expect(found[0].key == "admin.lisen")
        #expect(found[0].line == 4)
        #expect(found[0].message.contains("unknown key"))
    }

    @Test func unknownTopLevelKey() throws {
        let found = try issues("data_dir: /x\nnodeid: a\n")
        #expect(found.map(\.key) == ["nodeid"])
    }

    @Test func missingDataDirectory() throws {
        let found = try issues("node_id: a\n")
        #expect(found.map(\.key) == ["data_dir"])
        #expect(found[0].message == "is required")
    }

    @Test(arguments: ["localhost", "127.0.0.1:99999", "127.0.0.1:", ":80", "1.2.3.4:http", "::1:80"])
    func badAddressIsNamed(address: String) throws {
        let found = try issues("data_dir: /x\nlisteners:\n  postgres: \"\(address)\"\n")
        #expect(found.count == 1)
        #expect(found[0].key == "listeners.postgres")
        #expect(found[0].line == 3)
        #expect(found[0].message.contains("HOST:PORT"))
    }

    @Test func adminMustBeLoopback() throws {
        let found = try issues("data_dir: /x\nadmin:\n  listen: 0.0.0.0:18080\n")
        #expect(found.map(\.key) == ["admin.listen"])
        #expect(found[0].message.contains("loopback"))
    }

    @Test func missingCredentialReferenceIsNamed() throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: orders-db
            protocol: postgres
            address: 127.0.0.1:5432
            credential: env:NOT_SET_ANYWHERE
          - name: files
            protocol: ssh
            address: 127.0.0.1:22
            username: deploy
            credential: file:/nonexistent/key
            host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPqtOZIisvFgt+VkBr72XyUNWT2ElW7CDdVovT25L2p
        """)
        #expect(found.map(\.key) == ["connections[0].credential", "connections[1].credential"])
        #expect(found[0].line == 6)
        #expect(found[0].message == "environment variable NOT_SET_ANYWHERE is not set")
        #expect(found[1].message.contains("/nonexistent/key"))
    }

    @Test func literalSecretIsRefusedWithoutEchoingIt() throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: orders-db
            protocol: postgres
            address: 127.0.0.1:5432
            credential: hunter2-literal
        """)
        #expect(found.map(\.key) == ["connections[0].credential"])
        #expect(found[0].message.contains("env:NAME or file:PATH"))
        #expect(!found.description.contains("hunter2"))
    }

    @Test func resolvedSecretNeverPrints() throws {
        let secret = try CredentialReference.environment("ORDERS_DB_PASSWORD").resolve(environment: environment)
        #expect(secret.reveal() == "s3cret-value")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        // Nor through reflection, which `dump` and a struct holding it use.
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("s3cret-value"), "\(dumped)")
        #expect(Mirror(reflecting: secret).children.isEmpty)
    }

    @Test func everyConnectionProblemAtOnce() throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: a
            protocol: oracle
            address: nowhere
            tls: maybe
          - name: a
            protocol: postgres
            address: 127.0.0.1:1
        """)
        #expect(Set(found.map(\.key)) == ["connections[0].protocol", "connections[0].address", "connections[0].tls", "connections[1].name"])
        #expect(found.first { $0.key == "connections[1].name" }?.message.contains("defined twice") == true)
    }

    @Test func issuerNeedsExactlyOneKeySource() throws {
        let found = try issues("""
        data_dir: /x
        issuers:
          - issuer: https://idp.example.com
            audience: auditgateway
        """)
        #expect(found.map(\.key) == ["issuers[0].jwks_file"])
    }

    @Test func wrongTypesAndValues() throws {
        let found = try issues("""
        data_dir: /x
        audit:
          durability: sometimes
          checkpoint_every: lots
          checkpoint_interval: soon
        tokens:
          leeway: 1h
        dev_issuer: maybe
        """)
        #expect(found.map(\.key) == ["audit.durability", "audit.checkpoint_every", "audit.checkpoint_interval", "tokens.leeway", "dev_issuer"])
        #expect(found.map(\.line) == [3, 4, 5, 7, 8])
    }

    @Test func syntaxErrorHasALine() throws {
        let found = try issues("data_dir: /x\nadmin: [unclosed\n")
        #expect(found.count == 1)
        #expect(found[0].key == "(syntax)")
        #expect(found[0].line != nil)
    }

    @Test func documentedExampleIsValidAndInTheDocs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let example = root.appendingPathComponent("Docs/examples/gatewayd.yaml").path
        let config = try ConfigurationLoader.load(path: example, environment: environment)
        #expect(config.connections.count >= 2)
        #expect(config.issuers.count >= 1)
        let docs = try String(contentsOfFile: root.appendingPathComponent("Docs/configuration.md").path, encoding: .utf8)
        let exampleText = try String(contentsOfFile: example, encoding: .utf8)
        #expect(docs.contains(exampleText.trimmingCharacters(in: .whitespacesAndNewlines)), "Docs/configuration.md must show Docs/examples/gatewayd.yaml verbatim")
    }

    @Test func hostAndPortParsing() {
        #expect(HostAndPort(parsing: "[::1]:5432") == HostAndPort(host: "::1", port: 5432))
        #expect(HostAndPort(parsing: "[::1]:5432")?.isLoopback == true)
        #expect(HostAndPort(parsing: "db.internal:5432")?.isLoopback == false)
        #expect(HostAndPort(parsing: "db.internal:5432")?.description == "db.internal:5432")
    }
}

extension ConfigurationLoaderTests {
    @Test func credentialFilesResolveAgainstTheConfigurationFile() throws {
        let directory = NSTemporaryDirectory() + "agw-cred-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "pw\n".write(toFile: directory + "/db.password", atomically: true, encoding: .utf8)
        let config = try ConfigurationLoader.parse("""
        data_dir: data
        connections:
          - name: db
            protocol: postgres
            address: 127.0.0.1:5432
            credential: file:db.password
        """, baseDirectory: directory, environment: environment)
        #expect(config.connections.first?.credential == .file(directory + "/db.password"))
        #expect(try config.connections.first?.credential?.resolve().reveal() == "pw")
    }
}

extension ConfigurationLoaderTests {
    @Test func jitRoleIsReadWithDefaults() throws {
        let config = try ConfigurationLoader.parse("""
        data_dir: /x
        connections:
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
            database: orders
            jit_role:
              admin_user: role_maker
              admin_credential: env:ORDERS_DB_PASSWORD
              memberships: [orders_read, orders_write]
              valid_for: 8h
          - name: plain
            protocol: postgres
            address: 127.0.0.1:5432
            jit_role:
              admin_user: role_maker
              admin_credential: env:ORDERS_DB_PASSWORD
              prefix: ci_jit_
            database: plain
        """, baseDirectory: "/tmp", environment: environment)
        let jit = try #require(config.connections.first?.jitRole)
        #expect(jit.adminUser == "role_maker")
        #expect(jit.adminCredential == .environment("ORDERS_DB_PASSWORD"))
        #expect(jit.memberships == ["orders_read", "orders_write"])
        #expect(jit.prefix == "agw_jit_")
        #expect(jit.validFor == TimeInterval(8 * 3600))
        #expect(config.connections.last?.jitRole?.prefix == "ci_jit_")
        #expect(config.connections.last?.jitRole?.memberships == [])
        #expect(config.connections.last?.jitRole?.validFor == nil)
    }

    @Test func jitRoleProblemsAreNamedWithoutEchoingSecrets() throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
            database: orders
            jit_role:
              admin_credential: hunter2-literal
              memberships: [ok, ""]
              prefix: Agw-JIT
              valid_for: 0s
              ttl: 1h
        """)
        #expect(found.map(\.key) == ["connections[0].jit_role.admin_user", "connections[0].jit_role.admin_credential",
                                     "connections[0].jit_role.memberships", "connections[0].jit_role.prefix",
                                     "connections[0].jit_role.valid_for", "connections[0].jit_role.ttl"])
        #expect(found.map(\.line) == [8, 8, 9, 10, 11, 12])
        #expect(found[0].message == "is required")
        #expect(found[1].message.contains("env:NAME or file:PATH"))
        #expect(found[3].message.contains("lowercase"))
        #expect(found[5].message.contains("unknown key"))
        #expect(!found.description.contains("hunter2"))
    }

    @Test(arguments: ["pg_jit_", "1jit_", "a_prefix_that_is_too_long", "jit-role", "jit role"])
    func jitRolePrefixMustBeASafeIdentifier(prefix: String) throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
            database: orders
            jit_role: { admin_user: maker, admin_credential: "env:ORDERS_DB_PASSWORD", prefix: "\(prefix)" }
        """)
        #expect(found.map(\.key) == ["connections[0].jit_role.prefix"])
    }

    @Test func jitRoleOnlyOnPostgresWithADatabase() throws {
        let found = try issues("""
        data_dir: /x
        connections:
          - name: web-1
            protocol: ssh
            address: 127.0.0.1:22
            username: deploy
            private_key: env:ORDERS_DB_PASSWORD
            host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPqtOZIisvFgt+VkBr72XyUNWT2ElW7CDdVovT25L2p
            jit_role:
              admin_user: maker
              admin_credential: env:NOT_SET_ANYWHERE
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
            jit_role:
              admin_user: maker
              admin_credential: env:ORDERS_DB_PASSWORD
        """)
        #expect(found.map(\.key) == ["connections[0].jit_role", "connections[0].jit_role.admin_credential", "connections[1].jit_role"])
        #expect(found[0].message.contains("only PostgreSQL"))
        #expect(found[1].message == "environment variable NOT_SET_ANYWHERE is not set")
        #expect(found[2].message.contains("database"))
    }

    @Test func connectTimeoutDefaultsToThirtySecondsAndIsValidated() throws {
        let config = try ConfigurationLoader.parse("""
        data_dir: /x
        connections:
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
          - name: slow
            protocol: postgres
            address: 127.0.0.1:5433
            connect_timeout: 90s
        """, baseDirectory: "/tmp", environment: environment)
        #expect(config.connections.map(\.connectTimeout) == [30, 90])

        let found = try issues("""
        data_dir: /x
        connections:
          - name: orders
            protocol: postgres
            address: 127.0.0.1:5432
            connect_timeout: 0s
          - name: web-1
            protocol: ssh
            address: 127.0.0.1:22
            username: deploy
            private_key: env:ORDERS_DB_PASSWORD
            host_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPqtOZIisvFgt+VkBr72XyUNWT2ElW7CDdVovT25L2p
            connect_timeout: 5s
        """)
        #expect(found.map(\.key) == ["connections[0].connect_timeout", "connections[1].connect_timeout"])
        #expect(found.map(\.line) == [6, 13])
        #expect(found[0].message == "must be longer than 0s")
        #expect(found[1].message == "only PostgreSQL connections have a start-up to time; remove it from this SSH connection")
    }
}
