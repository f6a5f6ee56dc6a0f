import ArgumentParser
import Foundation
import GatewayKit

struct SSHCertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh-cert",
        abstract: "Get a short-lived OpenSSH certificate for your key, to log in to the SSH gateway without a token prompt.",
        discussion: """
        Sends your public key with the token in $AUDIT_TOKEN (or --token-file) to the gateway,
        which signs it with its SSH user CA for --ttl (default 1h; never longer than the token,
        nor than tokens.max_ssh_certificate_ttl). The certificate carries your subject, groups
        and delegation chain, and is valid for the SSH connections your token may use. It is
        written next to the key as KEY-cert.pub, where ssh finds it by itself:
          auditctl ssh-cert --public-key ~/.ssh/id_ed25519.pub --ttl 2h
          ssh -i ~/.ssh/id_ed25519 -p 12222 web-1@gw.example
        Revoking the token (or its subject, or an actor in its chain) stops the certificate too.
        """
    )

    @OptionGroup var server: ServerOptions
    @Option(help: "Your public key. Default: ~/.ssh/id_ed25519.pub, else ~/.ssh/id_ecdsa.pub.")
    var publicKey: String?
    @Option(help: "Lifetime (15m, 1h, 8h). Default: 1h, capped by the token's remaining lifetime.")
    var ttl: String?
    @Option(help: "Write the certificate here. Default: the key's file name with -cert.pub (KEY.pub → KEY-cert.pub); - for standard output.")
    var out: String?
    @Flag(help: "Print the gateway's whole answer as JSON (serial, principals, validity) instead of the instructions.")
    var json = false

    func validate() throws {
        if let ttl, (TimeArgument.duration(ttl) ?? 0) < 1 { throw ValidationError("--ttl '\(ttl)' must be a duration like 15m or 1h") }
    }

    func run() async throws {
        let keyPath = try publicKeyPath()
        guard let data = FileManager.default.contents(atPath: keyPath), let line = String(data: data, encoding: .utf8)?
            .split(whereSeparator: \.isNewline).first.map(String.init), !line.isEmpty else {
            throw ValidationError("cannot read a public key from \(keyPath)")
        }
        let client = try server.client()
        let answer = try await Exit.reporting { try await client.sshCertificate(publicKey: line, ttl: ttl.flatMap(TimeArgument.duration)) }

        let destination = out ?? Self.certificatePath(forPublicKey: keyPath)
        if destination == "-" {
            print(answer.certificate)
        } else {
            guard FileManager.default.createFile(atPath: destination, contents: Data((answer.certificate + "\n").utf8), attributes: [.posixPermissions: 0o644]) else {
                FileHandle.standardError.write(Data("auditctl: cannot write \(destination)\n".utf8))
                throw ExitCode(1)
            }
        }
        if json { return try Format.printJSON(answer) }
        guard destination != "-" else { return }

        let privateKey = keyPath.hasSuffix(".pub") ? String(keyPath.dropLast(4)) : keyPath
        let host = URLComponents(string: server.baseURL)?.host ?? "GATEWAY"
        let port = answer.sshPort.map { " -p \($0)" } ?? ""
        let certificateOption = destination == Self.certificatePath(forPublicKey: keyPath) ? "" : " -o CertificateFile=\(destination)"
        let connection = answer.principals.first { $0 != "*" } ?? "CONNECTION"
        print("""
        wrote \(destination) (serial \(answer.serial), valid until \(Format.time(answer.validBefore)))
          identity:    \(answer.keyID)
          connections: \(answer.principals == ["*"] ? "every SSH connection your token may use" : answer.principals.joined(separator: ", "))
        log in with:
          ssh -i \(privateKey)\(certificateOption)\(port) \(connection)@\(host)
        """)
    }

    /// `--public-key`, else the first of the usual key files that exists.
    private func publicKeyPath() throws -> String {
        if let publicKey { return (publicKey as NSString).expandingTildeInPath }
        let home = FileManager.default.homeDirectoryForCurrentUser.path
        for name in ["id_ed25519.pub", "id_ecdsa.pub"] where FileManager.default.fileExists(atPath: "\(home)/.ssh/\(name)") {
            return "\(home)/.ssh/\(name)"
        }
        throw ValidationError("no ~/.ssh/id_ed25519.pub or id_ecdsa.pub: make a key with `ssh-keygen -t ed25519`, or give --public-key")
    }

    /// `KEY.pub` → `KEY-cert.pub`, as `ssh-keygen -s` names it and `ssh -i KEY` looks for it.
    static func certificatePath(forPublicKey path: String) -> String {
        (path.hasSuffix(".pub") ? String(path.dropLast(4)) : path) + "-cert.pub"
    }
}
