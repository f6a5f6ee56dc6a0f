import NIOSSH

extension ConfigurationLoader {
    /// The keys only SSH connections have, read and validated together.
    struct SSHSettings {
        var hostKey: String?
        var privateKey: CredentialReference?
        var allowedLogins: [String] = []
        var allowedEnvironment = ConnectionEntry.defaultAllowedEnvironment
    }

    /// `host_key`, `private_key`, `allowed_logins` and `allowed_env` of a connection: required
    /// and checked for SSH connections, refused on the others.
    static func sshSettings(in entry: inout YAMLMappingReader, protocol proto: ConnectionProtocol?, username: String?, credential: CredentialReference?,
                            absolute: (String) -> String, environment: [String: String]) -> SSHSettings {
        let issues = entry.issues
        var settings = SSHSettings()
        let hostKey = entry.string("host_key")
        let privateKey = credentialReference("private_key", in: &entry, absolute: absolute, environment: environment)
        let logins = entry.stringList("allowed_logins")
        let allowedEnvironment = entry.stringList("allowed_env")
        guard proto == .ssh else {
            for (key, present) in [("host_key", hostKey != nil), ("private_key", privateKey != nil), ("allowed_logins", logins != nil), ("allowed_env", allowedEnvironment != nil)] where present {
                issues.add(entry.keyPath(key), entry.lineOf(key), "only SSH connections have \(key); remove it or use protocol: ssh")
            }
            return settings
        }
        if let hostKey {
            if (try? NIOSSHPublicKey(openSSHPublicKey: hostKey)) == nil {
                issues.add(entry.keyPath("host_key"), entry.lineOf("host_key"),
                           "must be the server's OpenSSH public key line, like `ssh-ed25519 AAAA...` (from `ssh-keyscan -t ed25519 HOST` or the server's /etc/ssh/ssh_host_ed25519_key.pub)")
            } else {
                settings.hostKey = hostKey
            }
        } else {
            issues.add(entry.keyPath("host_key"), entry.line,
                       "is required for SSH connections: the upstream's OpenSSH public key line (`ssh-keyscan -t ed25519 HOST`), so the gateway can tell the real server from an impostor")
        }
        if username == nil {
            issues.add(entry.keyPath("username"), entry.line, "is required for SSH connections: the login the gateway uses on the server")
        }
        if credential == nil && privateKey == nil {
            issues.add(entry.keyPath("private_key"), entry.line, "give private_key (an OpenSSH private key) or credential (a password) for the gateway's own login")
        }
        settings.privateKey = privateKey
        for login in logins ?? [] where !Self.isLoginName(login) {
            issues.add(entry.keyPath("allowed_logins"), entry.lineOf("allowed_logins"), "'\(login)' is not a login name (letters, digits, '.', '_', '-'; no '+' or '@')")
        }
        settings.allowedLogins = logins ?? []
        if let allowedEnvironment {
            for name in allowedEnvironment where name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "*") }) {
                issues.add(entry.keyPath("allowed_env"), entry.lineOf("allowed_env"), "'\(name)' is not a variable name or a name glob like LC_*")
            }
            settings.allowedEnvironment = allowedEnvironment
        }
        return settings
    }

    /// A Unix login name as SSH clients may type it before `+CONNECTION`.
    static func isLoginName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 64 && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
    }
}
