import ArgumentParser
import Foundation
import GatewayKit

struct TerminateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "terminate",
        abstract: "End a live session now.",
        discussion: "The client is told why (PostgreSQL: FATAL 57P01 with the reason); the session's end is recorded with reason `terminated`. Exits 2 when no such session is live."
    )
    @OptionGroup var server: ServerOptions
    @Argument(help: "The session id (see `auditctl sessions list --active`).")
    var session: String
    @Option(help: "Why; shown to the client and recorded.")
    var reason: String = "terminated by an administrator"

    func run() async throws {
        let client = try server.client()
        let _: [String: String] = try await Exit.reporting {
            try await client.post("/v1/sessions/\(session)/terminate", query: [("reason", reason)])
        }
        print("terminated \(session)")
    }
}
