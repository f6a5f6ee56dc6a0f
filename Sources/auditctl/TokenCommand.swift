import ArgumentParser
import Foundation
import GatewayKit

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Mint development tokens and exchange tokens for delegated ones.",
        subcommands: [Mint.self, Exchange.self]
    )

    struct Exchange: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Exchange your token for a child token for an agent (RFC 8693 token exchange).",
            discussion: """
            Reads the parent token from $AUDIT_TOKEN (or --token-file) and prints the child token
            alone on standard output. The child keeps the root subject, adds ACTOR to the chain,
            and can only narrow: fewer connections, a shorter life, a chain no deeper than the
            gateway allows. A leased token must be renewed (POST /v1/tokens/JTI/renew) or it and
            every token derived from it count as revoked; `auditctl run` renews for you.
              export AUDIT_TOKEN=$(auditctl token exchange --actor nightly-etl --connection warehouse --ttl 2h)
            """
        )

        @OptionGroup var server: ServerOptions
        @Option(help: "The agent the child token is for.")
        var actor: String
        @Option(name: .customLong("connection"), help: "Limit the child to this connection; repeat for more. Default: the parent's.")
        var connections: [String] = []
        @Option(help: "Lifetime (30s, 15m, 2h). Default: the parent's remaining lifetime, capped by the gateway.")
        var ttl: String?
        @Option(help: "Lease period (15s, 1m): the token lapses unless renewed within it. Default: no lease.")
        var lease: String?
        @Flag(help: "Print the whole answer as JSON (token id, chain, expiry, lease) instead of the token alone.")
        var json = false

        func validate() throws {
            if let ttl, (TimeArgument.duration(ttl) ?? 0) < 1 { throw ValidationError("--ttl '\(ttl)' must be a duration like 15m or 2h") }
            if let lease, (TimeArgument.duration(lease) ?? 0) < 1 { throw ValidationError("--lease '\(lease)' must be a duration like 15s or 1m") }
        }

        func run() async throws {
            let client = try server.client()
            let answer = try await Exit.reporting {
                try await client.exchange(parentToken: try server.token(), actor: actor, connections: connections.isEmpty ? nil : connections,
                                          ttl: ttl.flatMap(TimeArgument.duration), lease: lease.flatMap(TimeArgument.duration))
            }
            if json {
                try Format.printJSON(answer)
            } else {
                print(answer.accessToken)
            }
        }
    }

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
