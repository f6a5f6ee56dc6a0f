import ArgumentParser
import Foundation
import GatewayKit

struct RevokeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a token, a subject or an actor; their live sessions end at once.",
        discussion: """
        Give exactly one of --token, --subject, --actor:
          --token JTI      that token and every token exchanged from it, directly or further down
          --subject NAME   every token of that root subject issued until now (the contractor who left)
          --actor NAME     every token whose delegation chain names that actor, issued until now
        Every live session using a revoked token ends within a second, on every protocol, with
        reason `revoked` in the trail; new connections with those tokens are refused and say
        the token was revoked. Revocations are stored in the audit trail and survive restarts.
        Tokens issued after a subject or actor revocation are not affected by it.
        Admins may revoke anything; others only their own token and tokens exchanged from it.
          auditctl revoke --subject alice --reason "left the company"
          auditctl revoke --list
        """
    )

    @OptionGroup var server: ServerOptions
    @Option(help: "Revoke the token with this jti and its descendants.")
    var token: String?
    @Option(help: "Revoke every token of this root subject issued until now.")
    var subject: String?
    @Option(help: "Revoke every token whose chain names this actor, issued until now.")
    var actor: String?
    @Option(help: "Why (kept in the trail and shown to the clients whose sessions end).")
    var reason: String?
    @Flag(help: "List the revocations instead (admins).")
    var list = false
    @OptionGroup var output: OutputOptions

    func validate() throws {
        let given = [token, subject, actor].compactMap { $0 }
        if list {
            guard given.isEmpty else { throw ValidationError("--list takes no --token, --subject or --actor") }
        } else {
            guard given.count == 1 else { throw ValidationError("give exactly one of --token JTI, --subject NAME, --actor NAME") }
            guard !given[0].isEmpty else { throw ValidationError("the value to revoke must not be empty") }
        }
    }

    func run() async throws {
        let client = try server.client()
        if list {
            let revocations: [Revocation] = try await Exit.reporting { try await client.get("/v1/revocations") }
            if output.json { return try Format.printJSON(revocations) }
            var table = Table("REVOKED AT", "KIND", "TARGET", "BY", "REASON")
            for revocation in revocations {
                table.add(Format.time(revocation.revokedAt), revocation.kind.rawValue, revocation.target, revocation.revokedBy, revocation.reason)
            }
            print(table.render())
            return
        }
        let (kind, target): (Revocation.Kind, String) =
            if let token { (.token, token) } else if let subject { (.subject, subject) } else { (.actor, actor ?? "") }
        let result = try await Exit.reporting { try await client.revoke(kind, target: target, reason: reason) }
        if output.json { return try Format.printJSON(result) }
        let ended = result.sessionsEnded
        print("revoked \(kind.rawValue) \(target); \(ended.count) live session(s) ended\(ended.isEmpty ? "" : ": " + ended.joined(separator: ", "))")
    }
}
