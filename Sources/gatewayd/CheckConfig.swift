import ArgumentParser
import GatewayKit
import PolicyEngine

/// Validates a configuration file without starting anything.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and exit.",
        discussion: "Prints every problem with its key and line and exits 2, or prints a summary and exits 0. Credential references are checked to exist; their values are never printed. Policy files named under `policy` are validated too (file:line: field: message)."
    )

    @Option(name: .shortAndLong, help: "The configuration file (YAML).")
    var config: String

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: config)
            var policySummary = "the connections' allow_groups / read_only_groups (no policy files)"
            if !configuration.policyFiles.isEmpty {
                do {
                    let policy = try PolicySet.load(files: configuration.policyFiles)
                    policySummary = "\(policy.rules.count) rule(s) from \(configuration.policyFiles.joined(separator: ", "))"
                } catch {
                    printError("invalid policy:\n\(error)")
                    throw ExitCode(2)
                }
            }
            print("\(config): OK")
            print("  policy: \(policySummary)")
            print("  node \(configuration.nodeID), data directory \(configuration.dataDirectory)")
            print("  admin API on \(configuration.admin.listen) for group \(configuration.admin.group)")
            print("  \(configuration.issuers.count) issuer(s)\(configuration.devIssuer ? " + development issuer" : ""), \(configuration.connections.count) connection(s)")
            for connection in configuration.connections {
                print("    \(connection.name): \(connection.protocol.rawValue) \(connection.address)\(connection.credential.map { " credential \($0)" } ?? "")")
            }
        } catch let error as ConfigurationError {
            printError("invalid configuration: \(error)")
            throw ExitCode(2)
        }
    }
}
