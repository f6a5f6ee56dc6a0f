import ArgumentParser
import Foundation
import GatewayKit

/// Where the admin API is and which token to present.
struct ServerOptions: ParsableArguments {
    @Option(help: "Admin API base URL. Default: $AUDIT_SERVER, else http://127.0.0.1:18080.")
    var server: String?

    @Option(help: "Read the token from this file. Default: $AUDIT_TOKEN.")
    var tokenFile: String?

    /// The admin API base URL.
    var baseURL: String {
        server ?? ProcessInfo.processInfo.environment["AUDIT_SERVER"] ?? "http://127.0.0.1:18080"
    }

    /// The caller's token: `--token-file`, else `$AUDIT_TOKEN`.
    func token() throws -> String {
        var token = ProcessInfo.processInfo.environment["AUDIT_TOKEN"]
        if let tokenFile {
            guard let data = FileManager.default.contents(atPath: tokenFile), let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read token file \(tokenFile)")
            }
            token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let token, !token.isEmpty else {
            throw ValidationError("no token: set AUDIT_TOKEN or pass --token-file (in dev mode gatewayd prints one)")
        }
        return token
    }

    func client() throws -> AdminClient {
        AdminClient(server: baseURL, token: try token())
    }
}

/// `--json` for scripts.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (one document, or one object per line when following) instead of a table.")
    var json = false
}

/// Filters shared by event and session listings.
struct FilterOptions: ParsableArguments {
    @Option(help: "Only this root subject (the human or service at the start of the chain).")
    var subject: String?
    @Option(help: "Only where this actor appears anywhere in the delegation chain.")
    var actor: String?
    @Option(help: "Only this connection.")
    var connection: String?
    @Option(name: .customLong("protocol"), help: "Only this protocol (postgres, mysql, ssh, http, kubernetes).")
    var protocolName: String?
    @Option(help: "From this time: ISO 8601 (2026-11-27T09:00:00Z) or a duration ago (15m, 2h, 7d).")
    var since: String?

    func validate() throws {
        if let since, TimeArgument.parse(since) == nil {
            throw ValidationError("--since '\(since)' is not a time: use ISO 8601 or a duration like 15m")
        }
    }

    var query: [(String, String?)] {
        [("subject", subject), ("actor", actor), ("connection", connection), ("protocol", protocolName),
         ("since", since.flatMap { TimeArgument.parse($0) }.map(TimeArgument.format))]
    }
}

/// Maps failures to the documented exit codes and prints them for a person.
enum Exit {
    static let verificationFailed = ExitCode(1)
    static let notFound = ExitCode(2)
    static let refused = ExitCode(3)
    static let unavailable = ExitCode(4)

    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AdminClientError {
            FileHandle.standardError.write(Data("auditctl: \(error.message)\n".utf8))
            switch error.kind {
            case .notFound: throw notFound
            case .conflict: throw verificationFailed
            case .unauthorized, .forbidden: throw refused
            case .unreachable, .server, .badRequest: throw unavailable
            }
        }
    }
}
