import Foundation
import Yams

/// Reads and validates a gateway configuration file.
///
/// Every problem is collected and reported together, each naming its key and line.
/// Relative paths in the file are resolved against the file's own directory.
public enum ConfigurationLoader {
    /// Loads `path`; throws ``ConfigurationError`` listing every problem.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, issues: [ConfigurationIssue(key: "(file)", line: nil, message: "cannot read the configuration file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(file: path, issues: [ConfigurationIssue(key: "(file)", line: nil, message: "the file is not UTF-8 text")])
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            return try parse(text, baseDirectory: base, environment: environment)
        } catch var error as ConfigurationError {
            error.file = path
            throw error
        }
    }

    /// Parses configuration text. `baseDirectory` anchors relative paths.
    public static func parse(_ text: String, baseDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> GatewayConfiguration {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigurationError(file: nil, issues: [yamlIssue(error)])
        }
        guard let node else {
            throw ConfigurationError(file: nil, issues: [ConfigurationIssue(key: "(top level)", line: nil, message: "the file is empty; data_dir is required")])
        }
        let issues = YAMLMappingReader.Issues()
        guard var root = YAMLMappingReader(node: node, path: "", issues: issues) else {
            throw ConfigurationError(file: nil, issues: issues.list)
        }
        func absolute(_ path: String) -> String {
            path.hasPrefix("/") ? path : URL(fileURLWithPath: base(baseDirectory)).appendingPathComponent(path).standardizedFileURL.path
        }

        var config = GatewayConfiguration(dataDirectory: "")
        if let nodeID = root.string("node_id") {
            if nodeID.isEmpty || nodeID.count > 64 || !nodeID.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                issues.add("node_id", root.lineOf("node_id"), "must be 1-64 letters, digits, '-', '_' or '.'")
            } else {
                config.nodeID = nodeID
            }
        }
        config.dataDirectory = root.string("data_dir", required: true).map(absolute) ?? ""

        if var admin = root.mapping("admin") {
            if let listen = admin.address("listen") {
                if !listen.isLoopback {
                    issues.add("admin.listen", admin.lineOf("listen"), "the admin API is served over plain HTTP in this release, so it must listen on loopback (127.0.0.1 or [::1]); put a TLS proxy in front for remote use")
                }
                config.admin.listen = listen
            }
            if let group = admin.string("group") { config.admin.group = group }
            admin.reportUnknownKeys()
        }

        if var tls = root.mapping("tls") {
            config.tls.certificateFile = tls.string("certificate").map(absolute)
            config.tls.keyFile = tls.string("key").map(absolute)
            if (config.tls.certificateFile == nil) != (config.tls.keyFile == nil) {
                issues.add("tls", tls.line, "give both certificate and key, or neither (a self-signed pair is then generated)")
            }
            for (key, file) in [("certificate", config.tls.certificateFile), ("key", config.tls.keyFile)] {
                if let file, !FileManager.default.isReadableFile(atPath: file) {
                    issues.add("tls.\(key)", tls.lineOf(key), "file \(file) does not exist or is not readable")
                }
            }
            tls.reportUnknownKeys()
        }

        if var audit = root.mapping("audit") {
            if let text = audit.string("durability") {
                if let value = AuditConfiguration.Durability(rawValue: text) {
                    config.audit.durability = value
                } else {
                    issues.add("audit.durability", audit.lineOf("durability"), "must be 'full' (fsync every group commit) or 'normal' (survives a process crash, not a power loss), not '\(text)'")
                }
            }
            if let every = audit.int("checkpoint_every", range: 1...1_000_000) { config.audit.checkpointEvery = every }
            if let interval = audit.duration("checkpoint_interval") { config.audit.checkpointInterval = interval }
            if let export = audit.string("export_jsonl") { config.audit.exportJSONLines = export == "-" ? "-" : absolute(export) }
            audit.reportUnknownKeys()
        }

        if var tokens = root.mapping("tokens") {
            if let leeway = tokens.duration("leeway") {
                if leeway > 300 {
                    issues.add("tokens.leeway", tokens.lineOf("leeway"), "must be at most 5m; a larger leeway keeps expired tokens alive")
                }
                config.tokens.leeway = leeway
            }
            if let audience = tokens.string("audience") { config.tokens.audience = audience }
            if let depth = tokens.int("max_delegation_depth", range: 0...32) { config.tokens.maxDelegationDepth = depth }
            if let ttl = tokens.duration("max_exchange_ttl") {
                if ttl < 1 { issues.add("tokens.max_exchange_ttl", tokens.lineOf("max_exchange_ttl"), "must be at least 1s") }
                config.tokens.maxExchangeTTL = ttl
            }
            if let lease = tokens.duration("max_lease") {
                if lease < 1 { issues.add("tokens.max_lease", tokens.lineOf("max_lease"), "must be at least 1s") }
                config.tokens.maxLease = lease
            }
            if let ttl = tokens.duration("max_ssh_certificate_ttl") {
                if ttl < 1 { issues.add("tokens.max_ssh_certificate_ttl", tokens.lineOf("max_ssh_certificate_ttl"), "must be at least 1s") }
                config.tokens.maxSSHCertificateTTL = ttl
            }
            tokens.reportUnknownKeys()
        }

        for var entry in root.sequence("issuers") {
            let issuer = entry.string("issuer", required: true)
            let audiences = entry.stringList("audience")
            if audiences == nil { issues.add(entry.keyPath("audience"), entry.line, "is required (the audience your identity provider puts in tokens for the gateway)") }
            let file = entry.string("jwks_file").map(absolute)
            let url = entry.string("jwks_url")
            var source: IssuerEntry.KeySource?
            switch (file, url) {
            case (let file?, nil):
                if !FileManager.default.isReadableFile(atPath: file) {
                    issues.add(entry.keyPath("jwks_file"), entry.lineOf("jwks_file"), "file \(file) does not exist or is not readable")
                }
                source = .file(file)
            case (nil, let url?):
                if !(url.hasPrefix("https://") || url.hasPrefix("http://127.") || url.hasPrefix("http://localhost")) {
                    issues.add(entry.keyPath("jwks_url"), entry.lineOf("jwks_url"), "must be an https:// URL (plain http only on loopback)")
                }
                source = .url(url)
            case (nil, nil):
                issues.add(entry.keyPath("jwks_file"), entry.line, "give jwks_file or jwks_url")
            default:
                issues.add(entry.keyPath("jwks_url"), entry.lineOf("jwks_url"), "give jwks_file or jwks_url, not both")
            }
            let groupsClaim = entry.string("groups_claim") ?? "groups"
            entry.reportUnknownKeys()
            if let issuer, let audiences, let source {
                config.issuers.append(IssuerEntry(issuer: issuer, audiences: audiences, jwks: source, groupsClaim: groupsClaim))
            }
        }

        if let dev = root.bool("dev_issuer") { config.devIssuer = dev }

        if var listeners = root.mapping("listeners") {
            config.listeners.postgres = listeners.address("postgres")
            config.listeners.mysql = listeners.address("mysql")
            config.listeners.ssh = listeners.address("ssh")
            config.listeners.http = listeners.address("http")
            if let plain = listeners.bool("allow_plaintext_loopback") { config.listeners.allowPlaintextLoopback = plain }
            if let threads = listeners.int("threads", range: 1...256) { config.listeners.threads = threads }
            listeners.reportUnknownKeys()
        }

        var names: Set<String> = []
        for var entry in root.sequence("connections") {
            let name = entry.string("name", required: true)
            if let name {
                if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) {
                    issues.add(entry.keyPath("name"), entry.lineOf("name"), "must be letters, digits, '-', '_' or '.' (clients type it as a user name)")
                } else if !names.insert(name).inserted {
                    issues.add(entry.keyPath("name"), entry.lineOf("name"), "connection '\(name)' is defined twice")
                }
            }
            var proto: ConnectionProtocol?
            if let text = entry.string("protocol", required: true) {
                proto = ConnectionProtocol(rawValue: text)
                if proto == nil {
                    issues.add(entry.keyPath("protocol"), entry.lineOf("protocol"), "must be one of \(ConnectionProtocol.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
                }
            }
            let address = entry.address("address", required: true)
            let database = entry.string("database")
            let username = entry.string("username")
            let credential = credentialReference("credential", in: &entry, absolute: absolute, environment: environment)
            var tls = ConnectionEntry.UpstreamTLS.prefer
            if let text = entry.string("tls") {
                if let value = ConnectionEntry.UpstreamTLS(rawValue: text) {
                    tls = value
                } else {
                    issues.add(entry.keyPath("tls"), entry.lineOf("tls"), "must be one of disable, prefer, require, verify-full, not '\(text)'")
                }
            }
            let caFile = entry.string("ca_file").map(absolute)
            if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
                issues.add(entry.keyPath("ca_file"), entry.lineOf("ca_file"), "file \(caFile) does not exist or is not readable")
            }
            let allowGroups = entry.stringList("allow_groups") ?? []
            let readOnlyGroups = entry.stringList("read_only_groups") ?? []
            let maskColumns = entry.stringList("mask_columns") ?? []
            let connectTimeout = entry.duration("connect_timeout")
            if let connectTimeout, connectTimeout <= 0 {
                issues.add(entry.keyPath("connect_timeout"), entry.lineOf("connect_timeout"), "must be longer than 0s")
            }
            if connectTimeout != nil, proto == .ssh {
                issues.add(entry.keyPath("connect_timeout"), entry.lineOf("connect_timeout"), "only PostgreSQL connections have a start-up to time; remove it from this SSH connection")
            }
            let idleTimeout = entry.duration("idle_timeout")
            let maxDuration = entry.duration("max_duration")
            let jitRole = Self.jitRole(in: &entry, protocol: proto, database: database, absolute: absolute, environment: environment)
            let ssh = Self.sshSettings(in: &entry, protocol: proto, username: username, credential: credential, absolute: absolute, environment: environment)
            entry.reportUnknownKeys()
            if let name, let proto, let address {
                var connection = ConnectionEntry(name: name, protocol: proto, address: address, database: database,
                                                 username: username, credential: credential, tls: tls)
                connection.caFile = caFile
                connection.allowGroups = allowGroups
                connection.readOnlyGroups = readOnlyGroups
                connection.maskColumns = maskColumns
                if let connectTimeout, connectTimeout > 0 { connection.connectTimeout = connectTimeout }
                connection.idleTimeout = idleTimeout
                connection.maxDuration = maxDuration
                connection.jitRole = jitRole
                connection.hostKey = ssh.hostKey
                connection.privateKey = ssh.privateKey
                connection.allowedLogins = ssh.allowedLogins
                connection.allowedEnvironment = ssh.allowedEnvironment
                config.connections.append(connection)
            }
        }

        if var policy = root.mapping("policy") {
            for key in ["file", "files"] {
                let files = (key == "file" ? policy.string(key).map { [$0] } : policy.stringList(key)) ?? []
                for file in files.map(absolute) {
                    if FileManager.default.isReadableFile(atPath: file) {
                        config.policyFiles.append(file)
                    } else {
                        issues.add("policy.\(key)", policy.lineOf(key), "file \(file) does not exist or is not readable")
                    }
                }
            }
            policy.reportUnknownKeys()
        }

        root.reportUnknownKeys()
        if !issues.list.isEmpty {
            throw ConfigurationError(file: nil, issues: issues.list.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return config
    }

    /// A secret's reference (`env:NAME` / `file:PATH`) under `key`, checked to resolve now.
    static func credentialReference(_ key: String, in entry: inout YAMLMappingReader, required: Bool = false,
                                            absolute: (String) -> String, environment: [String: String]) -> CredentialReference? {
        guard let text = entry.string(key, required: required) else { return nil }
        // Never echo the value: it may be a secret typed in by mistake.
        guard var reference = CredentialReference(parsing: text) else {
            entry.issues.add(entry.keyPath(key), entry.lineOf(key), "must be a reference like env:NAME or file:PATH; secrets are never written into the configuration")
            return nil
        }
        if case .file(let path) = reference { reference = .file(absolute(path)) }
        if let problem = reference.problem(environment: environment) {
            entry.issues.add(entry.keyPath(key), entry.lineOf(key), problem)
        }
        return reference
    }

    /// A connection's `jit_role` mapping (PostgreSQL only), validated.
    private static func jitRole(in entry: inout YAMLMappingReader, protocol proto: ConnectionProtocol?, database: String?,
                                absolute: (String) -> String, environment: [String: String]) -> JITRoleConfiguration? {
        guard var mapping = entry.mapping("jit_role") else { return nil }
        let issues = mapping.issues
        if let proto, proto != .postgres {
            issues.add(entry.keyPath("jit_role"), mapping.line, "only PostgreSQL connections can mint roles per session; remove it or use protocol: postgres")
        } else if database == nil {
            issues.add(entry.keyPath("jit_role"), mapping.line, "needs the connection's database: minted roles log in to it, and what they own there is reassigned when they are dropped")
        }
        // PostgreSQL truncates identifiers at 63 bytes; a longer name would silently name another role.
        func isRoleName(_ name: String) -> Bool { !name.isEmpty && name.utf8.count <= 63 && !name.contains("\0") }
        let adminUser = mapping.string("admin_user", required: true)
        if let adminUser, !isRoleName(adminUser) {
            issues.add(mapping.keyPath("admin_user"), mapping.lineOf("admin_user"), "must be a role name of 1-63 bytes")
        }
        let adminCredential = credentialReference("admin_credential", in: &mapping, required: true, absolute: absolute, environment: environment)
        let memberships = mapping.stringList("memberships") ?? []
        for name in memberships where !isRoleName(name) {
            issues.add(mapping.keyPath("memberships"), mapping.lineOf("memberships"), "'\(name)' is not a role name of 1-63 bytes")
        }
        let prefix = mapping.string("prefix") ?? JITRoleConfiguration.defaultPrefix
        if prefix.isEmpty || prefix.count > 20 || prefix.hasPrefix("pg_") || prefix.first?.isNumber == true
            || !prefix.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }) {
            issues.add(mapping.keyPath("prefix"), mapping.lineOf("prefix"),
                       "must be 1-20 lowercase letters, digits or '_', not start with a digit or 'pg_' (reserved by PostgreSQL), like \(JITRoleConfiguration.defaultPrefix)")
        }
        let validFor = mapping.duration("valid_for")
        if let validFor, validFor < 1 {
            issues.add(mapping.keyPath("valid_for"), mapping.lineOf("valid_for"), "must be at least 1s")
        }
        mapping.reportUnknownKeys()
        guard let adminUser, let adminCredential else { return nil }
        var settings = JITRoleConfiguration(adminUser: adminUser, adminCredential: adminCredential)
        settings.memberships = memberships
        settings.prefix = prefix
        settings.validFor = validFor
        return settings
    }

    private static func base(_ directory: String) -> String { directory.isEmpty ? FileManager.default.currentDirectoryPath : directory }

    private static func yamlIssue(_ error: YamlError) -> ConfigurationIssue {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigurationIssue(key: "(syntax)", line: mark.line, message: "YAML syntax error: \(problem)")
        default:
            return ConfigurationIssue(key: "(syntax)", line: nil, message: "YAML syntax error: \(error)")
        }
    }
}
