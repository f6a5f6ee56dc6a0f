import Foundation
import Testing

/// OpenSSH user certificates issued by the gateway: `auditctl ssh-cert` signs a key made by
/// `ssh-keygen`, the real `ssh` logs in with it (no password), the trail attributes the
/// command to the token's subject and chain; expired, revoked and plain keys are refused.
@Suite("SSH certificates", .serialized)
final class SSHCertificateTests {
    let gateway: SSHGateway

    init() throws {
        gateway = try SSHGateway.start()
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// A fresh Ed25519 key pair without passphrase; returns the private key's path.
    private func makeKey(_ name: String) throws -> String {
        let path = gateway.directory.file(name)
        let result = try ChildProcess.runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "\(name)@test", "-f", path])
        try #require(result.status == 0, "ssh-keygen: \(result.stderr)")
        return path
    }

    /// `auditctl ssh-cert` with `token` as AUDIT_TOKEN.
    private func sshCert(token: String, _ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run("auditctl", ["ssh-cert"] + arguments, environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": token])
    }

    /// The real `ssh` with only `key` (and its certificate, if any) to offer, never a password.
    private func ssh(_ user: String, key: String, certificate: String? = nil, _ command: String) throws -> ChildProcess.Result {
        var arguments = ["-F", "/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                         "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                         "-o", "ConnectTimeout=10", "-i", key]
        if let certificate { arguments += ["-o", "CertificateFile=\(certificate)"] }
        return try ChildProcess.runTool("ssh", arguments + ["-p", String(gateway.port), "\(user)@127.0.0.1", "--", command])
    }

    @Test func aCertificateLogsInAsTheTokensSubjectAndChain() throws {
        let key = try makeKey("alice_key")
        let token = try tokenWithChain("alice")
        let issued = try sshCert(token: token, ["--public-key", key + ".pub", "--ttl", "30m"])
        try #require(issued.status == 0, "ssh-cert: \(issued.stderr)")
        let certificate = key + "-cert.pub"
        #expect(FileManager.default.fileExists(atPath: certificate))
        #expect(issued.stdout.contains("ssh -i \(key) -p \(gateway.port) "), "stdout: \(issued.stdout)")

        let listing = try ChildProcess.runTool("ssh-keygen", ["-L", "-f", certificate])
        #expect(listing.status == 0, "ssh-keygen -L: \(listing.stderr)")
        #expect(listing.stdout.contains("ssh-ed25519-cert-v01@openssh.com user certificate"), "\(listing.stdout)")
        #expect(listing.stdout.contains("Key ID: \"sub=alice;actors=loader,etl;jti="), "\(listing.stdout)")
        #expect(listing.stdout.contains("Valid: from "), "\(listing.stdout)")
        #expect(listing.stdout.contains("permit-pty"), "\(listing.stdout)")
        let principals = listing.stdout.components(separatedBy: "Principals:").last?.components(separatedBy: "Critical Options:").first ?? ""
        #expect(principals.trimmingCharacters(in: .whitespacesAndNewlines) == "*", "principals: \(principals)")
        // Signed by the CA the admin API serves.
        let ca = try ChildProcess.runTool("curl", ["-sf", gateway.adminServer + "/.well-known/ssh-user-ca.pub"])
        #expect(ca.stdout.hasPrefix("ssh-ed25519 "), "ca: \(ca.stdout) \(ca.stderr)")
        try gateway.directory.write("ca.pub", ca.stdout)
        let caFingerprint = try ChildProcess.runTool("ssh-keygen", ["-l", "-f", gateway.directory.file("ca.pub")])
        let fingerprint = caFingerprint.stdout.split(separator: " ").dropFirst().first.map(String.init) ?? "?"
        #expect(listing.stdout.contains("Signing CA: ED25519 \(fingerprint)"), "\(listing.stdout)\nCA \(caFingerprint.stdout)")

        let marker = "ok-\(UUID().uuidString.prefix(8))"
        let login = try ssh("web-1", key: key, certificate: certificate, "echo \(marker)")
        #expect(login.status == 0, "ssh: \(login.stderr)")
        #expect(login.stdout.contains(marker))

        let command = try gateway.waitForEvent(["--type", "command", "--connection", "web-1"]) { $0.field("statement") as? String == "echo \(marker)" }
        #expect(command["subject"] as? String == "alice")
        #expect(command["actors"] as? [String] == ["loader", "etl"])
        let tokenID = try #require(command["tokenID"] as? String)
        #expect(tokenID.hasPrefix("ssh-cert-"))
        let session = try #require(command["sessionID"] as? String)
        let start = try gateway.waitForEvent(["--type", "session.start", "--session", session]) { _ in true }
        #expect(start.field("auth") as? String == "ssh_certificate")

        let record = try gateway.waitForEvent(["--type", "token.issued", "--subject", "alice"]) { _ in true }
        #expect(record.field("kind") as? String == "ssh_certificate")
        #expect(record.field("certificate_id") as? String == tokenID)
        #expect(record.field("serial") as? String == String(tokenID.dropFirst("ssh-cert-".count)))
        #expect((record.field("fingerprint") as? String)?.hasPrefix("SHA256:") == true)
        #expect(record.field("parent_token_id") as? String != nil)
        #expect(record.field("expires") as? String != nil)
        #expect(!(try gateway.auditctl(["events", "search", "--json", "--limit", "10000"])).stdout.contains(token))

        // The delegation tree shows the certificate under the token that asked for it, holding the session.
        let tree = try gateway.auditctl(["sessions", "tree", "--subject", "alice", "--json"])
        #expect(tree.status == 0, "sessions tree: \(tree.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(tree.stdout.utf8)) as? [String: Any])
        func nodes(_ list: Any?) -> [[String: Any]] {
            let list = list as? [[String: Any]] ?? []
            return list + list.flatMap { nodes($0["children"]) }
        }
        let node = try #require(nodes(object["tokens"]).first { $0["jti"] as? String == tokenID }, "\(tree.stdout)")
        #expect(node["kind"] as? String == "ssh_certificate")
        #expect(node["parentTokenID"] as? String == record.field("parent_token_id") as? String)
        let sessions = (node["sessions"] as? [[String: Any]] ?? []).compactMap { ($0["session"] as? [String: Any])?["id"] as? String }
        #expect(sessions.contains(session), "\(tree.stdout)")
        let drawn = try gateway.auditctl(["sessions", "tree", "--subject", "alice", "--wide"])
        #expect(drawn.stdout.contains("ssh certificate \(tokenID)"), "\(drawn.stdout)")
    }

    @Test func aTokenLimitedToConnectionsGetsThemAsPrincipals() throws {
        let key = try makeKey("bob_key")
        let token = try mint("bob", ["--connection", "web-key"])
        let issued = try sshCert(token: token, ["--public-key", key + ".pub"])
        try #require(issued.status == 0, "ssh-cert: \(issued.stderr)")
        let listing = try ChildProcess.runTool("ssh-keygen", ["-L", "-f", key + "-cert.pub"])
        #expect(listing.stdout.contains("web-key"), "\(listing.stdout)")

        let allowed = try ssh("web-key", key: key, "id -un")
        #expect(allowed.status == 0, "ssh: \(allowed.stderr)")
        let other = try ssh("web-1", key: key, "id -un")
        #expect(other.status == 255)
        #expect(other.stderr.contains("not for web-1"), "stderr: \(other.stderr)")

        let tooLong = try sshCert(token: token, ["--public-key", key + ".pub", "--ttl", "9h"])
        #expect(tooLong.status == 3)
        #expect(tooLong.stderr.contains("max_ssh_certificate_ttl") || tooLong.stderr.contains("remaining"), "stderr: \(tooLong.stderr)")
    }

    @Test func anExpiredCertificateIsRefused() throws {
        let key = try makeKey("carol_key")
        let issued = try sshCert(token: try gateway.token("carol"), ["--public-key", key + ".pub", "--ttl", "2s"])
        try #require(issued.status == 0, "ssh-cert: \(issued.stderr)")
        Thread.sleep(forTimeInterval: 3)
        let login = try ssh("web-1", key: key, "echo never")
        #expect(login.status == 255)
        #expect(!login.stdout.contains("never"))
        #expect(login.stderr.contains("expired"), "stderr: \(login.stderr)")
        _ = try gateway.waitForEvent(["--type", "policy.decision", "--connection", "web-1"]) {
            ($0.field("reason") as? String)?.contains("expired") == true && $0.field("stage") as? String == "authenticate"
        }
    }

    @Test func revokingTheTokenStopsItsCertificate() throws {
        let key = try makeKey("dave_key")
        let token = try gateway.token("dave")
        let issued = try sshCert(token: token, ["--public-key", key + ".pub", "--json"])
        try #require(issued.status == 0, "ssh-cert: \(issued.stderr)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any])
        let jti = try #require(answer["parent_token_id"] as? String)

        let before = try ssh("web-1", key: key, "echo before")
        #expect(before.status == 0, "ssh: \(before.stderr)")
        // The holder revokes their own token.
        let revoke = try ChildProcess.run("auditctl", ["revoke", "--token", jti, "--reason", "key lost"],
                                          environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": token])
        #expect(revoke.status == 0, "revoke: \(revoke.stderr)")
        let after = try ssh("web-1", key: key, "echo after")
        #expect(after.status == 255)
        #expect(!after.stdout.contains("after"))
        #expect(after.stderr.contains("revoked"), "stderr: \(after.stderr)")
        // Nor can the revoked token get a new one.
        let again = try sshCert(token: token, ["--public-key", key + ".pub"])
        #expect(again.status == 3, "stderr: \(again.stderr)")
    }

    @Test func aPlainKeyIsRefused() throws {
        let key = try makeKey("erin_key")
        let login = try ssh("web-1", key: key, "echo never")
        #expect(login.status == 255)
        #expect(!login.stdout.contains("never"))
        #expect(login.stderr.contains("Permission denied"), "stderr: \(login.stderr)")
    }

    private func mint(_ subject: String, _ extra: [String]) throws -> String {
        let result = try ChildProcess.run("auditctl", ["token", "mint", "--data-dir", gateway.dataDirectory, "--subject", subject, "--group", "developers"] + extra)
        try #require(result.status == 0, "token mint: \(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A token of `subject` delegated through etl, then loader.
    private func tokenWithChain(_ subject: String) throws -> String {
        try mint(subject, ["--actor", "loader", "--actor", "etl"])
    }
}
