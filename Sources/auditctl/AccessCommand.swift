import ArgumentParser
import Foundation
import GatewayKit

/// `auditctl access request|list|show|approve|deny`: just-in-time access with approvals.
struct AccessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "access",
        abstract: "Request, list and decide just-in-time access.",
        discussion: """
        Where a policy rule says require_approval, ask for access with `auditctl access request`; an \
        approver the rule names (never you) runs `auditctl access approve ID`. Once approved by enough \
        approvers the request becomes a grant for its duration, which the policy honours on every \
        statement until it expires. The gateway files a request itself when it refuses a statement that \
        needs approval, and names it in the error. Every step is an audit event. Uses your own token \
        (AUDIT_TOKEN); admin group membership is not needed.
        """,
        subcommands: [Request.self, List.self, Show.self, Approve.self, Deny.self]
    )

    /// Exit code when a request is already decided, or needs no approval.
    static let conflict = ExitCode(5)

    struct Request: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask for access; prints the request id.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "The connection (e.g. orders-db).")
        var connection: String
        @Option(help: "How long the grant lasts once approved: 30m, 2h, 1d.")
        var duration: String = "1h"
        @Option(help: "Why you need it; approvers read this.")
        var reason: String
        @Option(help: "Ask for exactly this statement; without it, write access to the connection.")
        var statement: String?

        func validate() throws {
            guard TimeArgument.duration(duration).map({ $0 > 0 }) == true else {
                throw ValidationError("--duration '\(duration)' is not a duration like 30m, 2h or 1d")
            }
        }

        func run() async throws {
            struct Body: Encodable { var connection: String; var duration: String; var reason: String; var statement: String? }
            let client = try server.client()
            let created: AccessRequest = try await AccessCommand.reporting {
                try await client.post("/v1/access/requests", json: Body(connection: connection, duration: duration, reason: reason, statement: statement))
            }
            if output.json { return try Format.printJSON(created) }
            print(created.id)
            FileHandle.standardError.write(Data("""
            access request \(created.id) is \(created.state.rawValue): needs \(created.requirement.approvals) approval(s) from \(AccessCommand.approvers(created)) (rule \(created.rule))
            an approver runs: \(created.approveCommand)

            """.utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List requests you made or may decide (admins: all), newest first.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Only pending, approved or denied requests.")
        var state: AccessRequest.State?

        func run() async throws {
            let client = try server.client()
            let requests: [AccessRequest] = try await AccessCommand.reporting {
                try await client.get("/v1/access/requests", query: [("state", state?.rawValue)])
            }
            if output.json { return try Format.printJSON(requests) }
            var table = Table("REQUEST", "CREATED", "REQUESTER", "CONNECTION", "STATE", "APPROVALS", "GRANT UNTIL", "WHAT", "REASON")
            let now = Date()
            for request in requests {
                let state = request.state == .approved && !request.isActiveGrant(at: now) ? "expired" : request.state.rawValue
                table.add(request.id, Format.time(request.createdAt), request.requester, request.connection, state,
                          "\(request.approvals.count)/\(request.requirement.approvals)", request.grantExpiresAt.map { Format.time($0) } ?? "-",
                          request.statement ?? "write access", request.reason)
            }
            print(requests.isEmpty ? "no access requests" : table.render())
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one request.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The request id (ar-…).")
        var id: String

        func run() async throws {
            let client = try server.client()
            let request: AccessRequest = try await AccessCommand.reporting { try await client.get("/v1/access/requests/\(id)") }
            if output.json { return try Format.printJSON(request) }
            print(AccessCommand.describe(request))
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve a request (you must be an approver the policy names, and not the requester).")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The request id (ar-…).")
        var id: String

        func run() async throws {
            let client = try server.client()
            let request: AccessRequest = try await AccessCommand.reporting { try await client.post("/v1/access/requests/\(id)/approve") }
            if output.json { return try Format.printJSON(request) }
            if request.state == .approved {
                print("approved \(id): \(request.requester) may use \(request.connection) until \(request.grantExpiresAt.map { Format.time($0) } ?? "?")")
            } else {
                print("approval recorded for \(id): \(request.approvals.count) of \(request.requirement.approvals)")
            }
        }
    }

    struct Deny: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deny a request.")
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The request id (ar-…).")
        var id: String
        @Option(help: "Why; the requester sees it.")
        var reason: String = ""

        func run() async throws {
            struct Body: Encodable { var reason: String }
            let client = try server.client()
            let request: AccessRequest = try await AccessCommand.reporting {
                try await client.post("/v1/access/requests/\(id)/deny", json: Body(reason: reason))
            }
            if output.json { return try Format.printJSON(request) }
            print("denied \(id)")
        }
    }

    static func approvers(_ request: AccessRequest) -> String {
        let names = request.requirement.approverGroups.map { "group \($0)" } + request.requirement.approverSubjects
        return names.isEmpty ? "nobody (the rule names no approvers)" : names.joined(separator: ", ")
    }

    static func describe(_ request: AccessRequest) -> String {
        """
        request     \(request.id)
        state       \(request.state.rawValue)\(request.state == .approved && !request.isActiveGrant(at: Date()) ? " (grant expired)" : "")
        requester   \(Format.chain(subject: request.requester, actors: request.requesterActors))
        connection  \(request.connection)
        what        \(request.statement ?? "write access")
        duration    \(Int(request.duration))s
        reason      \(request.reason)
        rule        \(request.rule)
        approvers   \(approvers(request)), \(request.requirement.approvals) needed
        approvals   \(request.approvals.isEmpty ? "none" : request.approvals.map { "\($0.subject) at \(Format.time($0.at))" }.joined(separator: "; "))
        grant until \(request.grantExpiresAt.map { Format.time($0) } ?? "-")\(request.deniedBy.map { "\ndenied by   \($0): \(request.denialReason ?? "")" } ?? "")
        """
    }

    /// Like ``Exit/reporting(_:)``, with 409 (already decided, no approval needed) as exit 5.
    static func reporting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as AdminClientError where error.kind == .conflict {
            FileHandle.standardError.write(Data("auditctl: \(error.message)\n".utf8))
            throw conflict
        } catch {
            return try await Exit.reporting { throw error }
        }
    }
}

extension AccessRequest.State: ExpressibleByArgument {}
