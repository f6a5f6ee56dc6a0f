import ArgumentParser
import AuditCore
import Foundation
import GatewayKit

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "List and inspect sessions, and show who acted for whom.",
        subcommands: [List.self, Show.self, Tree.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions, newest first.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var filters: FilterOptions
        @OptionGroup var output: OutputOptions
        @Flag(help: "Only sessions still open.")
        var active = false
        @Option(help: "At most this many (1-10000).")
        var limit = 100

        func run() async throws {
            let client = try server.client()
            let sessions: [SessionRecord] = try await Exit.reporting {
                try await client.get("/v1/sessions", query: filters.query + [("active", active ? "true" : nil), ("limit", String(limit))])
            }
            if output.json { return try Format.printJSON(sessions) }
            var table = Table("SESSION", "STARTED", "ENDED", "WHO", "CONNECTION", "PROTOCOL", "COMMANDS", "END REASON")
            for session in sessions {
                table.add(session.id, Format.time(session.startedAt), session.endedAt == nil ? "active" : Format.time(session.endedAt),
                          Format.chain(subject: session.subject, actors: session.actors), session.connection ?? "-",
                          session.protocol ?? "-", String(session.commandCount), session.endReason ?? "")
            }
            print(sessions.isEmpty ? "no sessions match" : table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one session and its events.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The session id.")
        var id: String

        func run() async throws {
            let client = try server.client()
            let session: SessionRecord = try await Exit.reporting { try await client.get("/v1/sessions/\(id)") }
            let events: [AuditRecord] = try await Exit.reporting {
                try await client.get("/v1/events", query: [("session", id), ("limit", "10000")])
            }
            if output.json {
                struct Detail: Encodable { var session: SessionRecord; var events: [AuditRecord] }
                return try Format.printJSON(Detail(session: session, events: events))
            }
            print("""
            session     \(session.id)
            who         \(Format.chain(subject: session.subject, actors: session.actors))
            token       \(session.tokenID ?? "-")
            connection  \(session.connection ?? "-") (\(session.protocol ?? "-"))
            client      \(session.clientAddress ?? "-")
            started     \(Format.time(session.startedAt))
            ended       \(session.endedAt.map { Format.time($0) + " (" + (session.endReason ?? "?") + ")" } ?? "still active")
            commands    \(session.commandCount)

            """)
            print(EventsCommand.table(events))
        }
    }
}
