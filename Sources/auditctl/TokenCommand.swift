import ArgumentParser
import Foundation
import GatewayKit

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint development tokens.",
        subcommands: [Mint.self]
    )

    struct Mint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a token from the development issuer (gatewayd --dev or dev_issuer: true).",
            discussion: """
            Signs with the development issuer key in the gateway's data directory and prints the
            token alone on standard output, so it can be captured:
              export AUDIT_TOKEN=$(auditctl token mint --data-dir DIR --subject alice --group auditgateway-admins)
            """
        )

        @Option(help: "The gateway's data directory. Default: $AUDITGATEWAY_DATA_DIR.")
        var dataDir: String?
        @Option(help: "The token's subject (the person or service).")
        var subject: String
        @Option(name: .customLong("group"), help: "A group the subject belongs to; repeat for more.")
        var groups: [String] = []
        @Option(name: .customLong("actor"), help: "An actor in the delegation chain, most recent first; repeat for more.")
        var actors: [String] = []
        @Option(name: .customLong("connection"), help: "Limit the token to this connection; repeat for more.")
        var connections: [String] = []
        @Option(help: "Lifetime: 30s, 15m, 1h, 7d.")
        var ttl: String = "1h"
        @Option(help: "Audience the gateway accepts (tokens.audience).")
        var audience: String = "auditgateway"

        func validate() throws {
            guard let seconds = TimeArgument.duration(ttl), seconds > 0, seconds <= 30 * 86400 else {
                throw ValidationError("--ttl '\(ttl)' must be a duration from 1s to 30d, like 15m or 1h")
            }
            if subject.isEmpty { throw ValidationError("--subject must not be empty") }
        }

        func run() throws {
            guard let directory = dataDir ?? ProcessInfo.processInfo.environment["AUDITGATEWAY_DATA_DIR"] else {
                throw ValidationError("give --data-dir (the data directory gatewayd --dev printed) or set AUDITGATEWAY_DATA_DIR")
            }
            do {
                let issuer = try DevIssuer(dataDirectory: DataDirectory(directory), audience: audience, create: false)
                let token = try issuer.mint(subject: subject, groups: groups, actors: actors,
                                            connections: connections.isEmpty ? nil : connections, ttl: TimeArgument.duration(ttl)!)
                print(token)
            } catch let error as CredentialError {
                FileHandle.standardError.write(Data("auditctl: \(error.message)\n".utf8))
                throw Exit.notFound
            }
        }
    }
}
