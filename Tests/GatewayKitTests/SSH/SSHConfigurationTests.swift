import Foundation
import GatewayKit
import Testing

@Suite("SSH connection configuration")
struct SSHConfigurationTests {
    static let hostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMPqtOZIisvFgt+VkBr72XyUNWT2ElW7CDdVovT25L2p"

    private func parse(_ connection: String) throws -> GatewayConfiguration {
        try ConfigurationLoader.parse("data_dir: /tmp/x\nlisteners:\n  ssh: 127.0.0.1:12222\nconnections:\n" + connection, baseDirectory: "/tmp",
                                      environment: ["WEB_PW": "secret-pw-1"])
    }

    private func issues(_ connection: String) -> [ConfigurationIssue] {
        do {
            _ = try parse(connection)
            return []
        } catch let error as ConfigurationError {
            return error.issues
        } catch {
            return [ConfigurationIssue(key: "?", line: nil, message: "\(error)")]
        }
    }

    @Test func readsAnSSHConnection() throws {
        let config = try parse("""
          - name: web-1
            protocol: ssh
            address: 10.0.0.5:22
            username: deploy
            credential: env:WEB_PW
            host_key: \(Self.hostKey) web-1
            allowed_logins: [www-data, backup]
            allowed_env: [LANG, "LC_*"]
        """)
        #expect(config.listeners.ssh?.port == 12222)
        let web = try #require(config.connections.first)
        #expect(web.protocol == .ssh)
        #expect(web.hostKey?.hasPrefix("ssh-ed25519 ") == true)
        #expect(web.allowedLogins == ["www-data", "backup"])
        #expect(web.allowedEnvironment == ["LANG", "LC_*"])
        #expect(web.privateKey == nil)

        let defaults = try parse("  - { name: w, protocol: ssh, address: \"h:22\", username: u, private_key: \"env:WEB_PW\", host_key: \"\(Self.hostKey)\" }\n")
        #expect(defaults.connections.first?.allowedEnvironment == ["LANG", "LC_*", "TERM"])
    }

    @Test func namesWhatAnSSHConnectionLacks() {
        let found = issues("""
          - name: web-1
            protocol: ssh
            address: 10.0.0.5:22
        """)
        let keys = Set(found.map(\.key))
        #expect(keys.contains("connections[0].host_key"))
        #expect(keys.contains("connections[0].username"))
        #expect(keys.contains("connections[0].private_key"))
        #expect(found.allSatisfy { $0.line != nil }, "every problem names its line: \(found)")
    }

    @Test func refusesMalformedHostKeysAndSSHKeysElsewhere() {
        let bad = issues("""
          - name: web-1
            protocol: ssh
            address: 10.0.0.5:22
            username: deploy
            credential: env:WEB_PW
            host_key: ssh-ed25519 not-base64
            allowed_logins: ["root+x"]
          - name: db
            protocol: postgres
            address: 10.0.0.6:5432
            host_key: \(Self.hostKey)
        """)
        #expect(bad.contains { $0.key == "connections[0].host_key" && $0.line == 10 })
        #expect(bad.contains { $0.key == "connections[0].allowed_logins" })
        #expect(bad.contains { $0.key == "connections[1].host_key" && $0.message.contains("only SSH connections") })
        #expect(!bad.description.contains("secret-pw-1"))
    }
}
