import ArgumentParser
import AuditCore
import Foundation
import GatewayKit

extension SessionsCommand {
    struct Tree: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show who acted for a subject: its tokens, the tokens exchanged from them, their sessions and statements.",
            discussion: """
            Give --subject for everything a root subject's delegation did, or --token
            for one token (by its id, the jti) and everything delegated from it. The
            subject's own token (from its identity provider) has no exchange record;
            it is shown as a root token.

            Example (session lines cut short here):
              $ auditctl sessions tree --subject alice --commands 1
              alice
              └─ token 7f3e9a1c… (root token)
                 └─ token 1a2b3c4d… etl (lease 15s, expires 2026-11-27 15:02:11)
                    ├─ session pg-3c1f0a9e2b7d warehouse postgres 2026-11-27 14:02:11…
                    │  ├─ SELECT count(*) FROM orders
                    │  └─ … 4 more statements
                    └─ token 9c0d1e2f… loader (expires 2026-11-27 14:32:11)
                       └─ session pg-77ab02c4e1f0 warehouse postgres 2026-11-27 14:…
                          └─ COPY orders FROM STDIN

            A session line ends with its times and how it ended, e.g.
            `14:02:11–14:02:15 ended: client_closed`, or `still active`. Times are
            UTC. Token ids and long statements are shortened; --wide prints them
            whole. --json prints the tree for scripts (there `actors` is outermost
            first, as in events). Exit 2 when the trail knows no such token.
            """
        )
        @OptionGroup var server: ServerOptions
        @Option(help: "The root subject whose whole tree to show.")
        var subject: String?
        @Option(help: "A token's id (jti, not the token itself): show it and everything delegated from it.")
        var token: String?
        @Option(help: "Statements listed per session (0-1000).")
        var commands = 20
        @Flag(help: "Print whole token ids and statements.")
        var wide = false
        @OptionGroup var output: OutputOptions

        func validate() throws {
            guard (subject?.isEmpty ?? true) != (token?.isEmpty ?? true) else {
                throw ValidationError("give exactly one of --subject SUBJECT or --token JTI")
            }
            if let token, token.count > 200 || token.split(separator: ".").count == 3 {
                throw ValidationError("--token takes a token's id (its jti), not the token itself")
            }
            guard (0...1000).contains(commands) else {
                throw ValidationError("--commands must be 0-1000")
            }
        }

        func run() async throws {
            let client = try server.client()
            let tree: SessionTree = try await Exit.reporting {
                try await client.get("/v1/sessions/tree", query: [("subject", subject), ("token", token), ("commands", String(commands))])
            }
            if output.json { return try Format.printJSON(tree) }
            print(SessionTreeText(wide: wide).render(tree))
        }
    }
}

/// Draws a ``SessionTree`` for people, one line a token, session or statement.
struct SessionTreeText {
    var wide = false

    func render(_ tree: SessionTree) -> String {
        var lines = [tree.subject]
        let items = tree.tokens.map(Item.token) + tree.sessions.map(Item.session)
        if items.isEmpty {
            lines.append(tree.token == nil ? "  (no tokens or sessions recorded)" : "  (nothing recorded)")
        }
        draw(items, prefix: "", into: &lines)
        if tree.sessionsTruncated {
            lines.append("(only the subject's newest sessions are shown; narrow with --token)")
        }
        return lines.joined(separator: "\n")
    }

    private enum Item {
        case token(SessionTree.TokenNode)
        case session(SessionTree.SessionNode)
        case statement(String)
    }

    private func draw(_ items: [Item], prefix: String, into lines: inout [String]) {
        for (index, item) in items.enumerated() {
            let last = index == items.count - 1
            lines.append(prefix + (last ? "└─ " : "├─ ") + label(item))
            let deeper = prefix + (last ? "   " : "│  ")
            draw(children(item), prefix: deeper, into: &lines)
        }
    }

    private func children(_ item: Item) -> [Item] {
        switch item {
        case .token(let token):
            return token.sessions.map(Item.session) + token.children.map(Item.token)
        case .session(let node):
            var items = node.commands.map { Item.statement($0.statement ?? "(no statement text)") }
            if node.omittedCommands > 0 {
                items.append(.statement("… \(node.omittedCommands) more statement\(node.omittedCommands == 1 ? "" : "s")"))
            }
            return items
        case .statement:
            return []
        }
    }

    private func label(_ item: Item) -> String {
        switch item {
        case .token(let token): return tokenLabel(token)
        case .session(let node): return sessionLabel(node.session)
        case .statement(let text): return wide ? text.replacingOccurrences(of: "\n", with: " ") : Table.clip(text, 100)
        }
    }

    private func tokenLabel(_ token: SessionTree.TokenNode) -> String {
        var text = (token.kind == "ssh_certificate" ? "ssh certificate " : "token ") + shortID(token.jti)
        if let actor = token.actor { text += " " + actor }
        var notes: [String] = []
        if token.exchangedAt == nil { notes.append("root token") }
        if let lease = token.leaseSeconds { notes.append("lease \(lease)s") }
        if let expires = token.expires { notes.append("expires " + Self.time(expires, withDate: true)) }
        if let connections = token.connections { notes.append("only " + connections.joined(separator: ", ")) }
        if let status = token.status, status != "active" { notes.append(status) }
        return notes.isEmpty ? text : text + " (" + notes.joined(separator: ", ") + ")"
    }

    private func sessionLabel(_ session: SessionRecord) -> String {
        var text = "session \(session.id)"
        if session.tokenID == nil { text += " (token without id)" }
        text += " \(session.connection ?? "-") \(session.protocol ?? "-") "
        text += Self.time(session.startedAt, withDate: true) + "–"
        if let ended = session.endedAt {
            let sameDay = Self.day(ended) == Self.day(session.startedAt)
            text += Self.time(ended, withDate: !sameDay) + " ended: " + (session.endReason ?? "?")
        } else {
            text += " still active"
        }
        return text
    }

    private func shortID(_ id: String) -> String {
        wide || id.count <= 12 ? id : String(id.prefix(8)) + "…"
    }

    /// UTC: `14:02:11`, or `2026-11-27 14:02:11` with the date.
    static func time(_ date: Date, withDate: Bool) -> String {
        format(date, withDate ? "yyyy-MM-dd HH:mm:ss" : "HH:mm:ss")
    }

    private static func day(_ date: Date) -> String { format(date, "yyyy-MM-dd") }

    private static func format(_ date: Date, _ pattern: String) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = pattern
        return formatter.string(from: date)
    }
}
