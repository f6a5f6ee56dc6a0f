import ArgumentParser
import AuditCore
import Foundation
import GatewayKit

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Search or follow the audit trail.",
        subcommands: [Search.self, Tail.self]
    )

    static func table(_ records: [AuditRecord]) -> String {
        if records.isEmpty { return "no events match" }
        var table = Table("SEQ", "TIME", "TYPE", "WHO", "CONNECTION", "DETAIL")
        for record in records { table.add(row(record)) }
        return table.render()
    }

    static func row(_ record: AuditRecord) -> [String] {
        let event = record.event
        return [String(record.seq), Format.time(event.time), event.type.rawValue,
                Format.chain(subject: event.subject, actors: event.actors), event.connection ?? "-", Format.detail(event)]
    }

    struct EventOptions: ParsableArguments {
        @OptionGroup var filters: FilterOptions
        @Option(help: "Until this time (ISO 8601 or a duration ago).")
        var until: String?
        @Option(help: "Only events whose command or fields contain this text.")
        var text: String?
        @Option(help: "Only this session.")
        var session: String?
        @Option(help: "Only these event types, comma-separated (session.start, command, ...).")
        var type: String?

        func validate() throws {
            if let until, TimeArgument.parse(until) == nil {
                throw ValidationError("--until '\(until)' is not a time: use ISO 8601 or a duration like 15m")
            }
        }

        var query: [(String, String?)] {
            filters.query + [("until", until.flatMap { TimeArgument.parse($0) }.map(TimeArgument.format)),
                             ("text", text), ("session", session), ("type", type)]
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search stored events, oldest first.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var options: EventOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "At most this many (1-10000).")
        var limit = 100

        func run() async throws {
            let client = try server.client()
            let records: [AuditRecord] = try await Exit.reporting {
                try await client.get("/v1/events", query: options.query + [("limit", String(limit))])
            }
            if output.json { return try Format.printJSON(records) }
            print(EventsCommand.table(records))
        }
    }

    struct Tail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow new events as they are stored (Ctrl-C to stop).",
            discussion: "Starts at --since if given, else with events stored from now on. With --json prints one object per line."
        )
        @OptionGroup var server: ServerOptions
        @OptionGroup var options: EventOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Poll interval in seconds.")
        var interval: Double = 0.5

        func run() async throws {
            let client = try server.client()
            let start = options.filters.since == nil ? TimeArgument.format(Date()) : nil
            var after: Int64?
            var printedHeader = false
            while !Task.isCancelled {
                var query = options.query + [("limit", "1000"), ("after", after.map(String.init))]
                if after == nil, let start { query.append(("since", start)) }
                let records: [AuditRecord] = try await Exit.reporting { try await client.get("/v1/events", query: query) }
                for record in records {
                    if output.json {
                        try Format.printJSONLine(record)
                    } else {
                        if !printedHeader { print("SEQ  TIME  TYPE  WHO  CONNECTION  DETAIL"); printedHeader = true }
                        print(EventsCommand.row(record).joined(separator: "  "))
                    }
                    after = max(after ?? 0, record.seq)
                }
                fflush(nil)
                if records.count < 1000 { try await Task.sleep(for: .seconds(interval)) }
            }
        }
    }
}
