import AuditCore
import NIOCore
import ProtocolParsers

/// Matches the server's responses to the commands the gateway forwarded, in order, so each
/// audited statement gets its outcome, and injects the gateway's own errors (policy
/// denials) at the right place in the response stream.
///
/// A value type; the session keeps it in a lock shared by its two relay directions.
struct PostgresCommandTracker {
    struct Command {
        var auditSeq: Int64
        var statement: String
        var started: NIODeadline
        /// Result columns known from an earlier Describe of the statement (extended protocol).
        var columns: [String]? = nil
        /// Result formats the client asked for in Bind.
        var formats: [PostgresFormat] = []
    }

    enum Outcome {
        case completed(tag: String)
        case failed(sqlState: String, message: String)
        case notExecuted
    }

    private enum Item {
        case command(Command)
        /// A Describe; its RowDescription/NoData belongs to the named statement (nil: a portal).
        case describe(statement: String?)
        /// A ReadyForQuery will answer this; `inject` is written to the client just before it.
        case ready(inject: ByteBuffer?)
    }

    private var items: [Item] = []
    private var head = 0

    mutating func commandForwarded(_ command: Command) { items.append(.command(command)) }

    mutating func describeForwarded(statement: String?) { items.append(.describe(statement: statement)) }

    /// RowDescription or NoData arrived. When it answers a Describe, returns that Describe's
    /// target (`.some(nil)` for a portal); nil when it belongs to a running command.
    mutating func described() -> String?? {
        guard head < items.count, case .describe(let statement) = items[head] else { return nil }
        head += 1
        return .some(statement)
    }

    /// The command whose results are arriving now, if any.
    var currentCommand: Command? {
        guard head < items.count, case .command(let command) = items[head] else { return nil }
        return command
    }

    /// A Sync or a Query was forwarded (or a Sync stands in for a denied command).
    mutating func readyExpected(inject: ByteBuffer? = nil) { items.append(.ready(inject: inject)) }

    /// CommandComplete / EmptyQueryResponse: the oldest pending command finished.
    mutating func completed(tag: String) -> (Command, Outcome)? {
        guard let command = popCommand() else { return nil }
        return (command, .completed(tag: tag))
    }

    /// ErrorResponse: the oldest pending command failed (the server skips the rest until Sync).
    mutating func failed(sqlState: String, message: String) -> (Command, Outcome)? {
        guard let command = popCommand() else { return nil }
        return (command, .failed(sqlState: sqlState, message: message))
    }

    /// ReadyForQuery: everything up to the matching Sync is settled. Returns the commands that
    /// never ran (after an error) and the bytes to inject before the ReadyForQuery, if any.
    mutating func ready() -> (skipped: [Command], inject: ByteBuffer?) {
        var skipped: [Command] = []
        while head < items.count {
            let item = items[head]
            head += 1
            switch item {
            case .command(let command): skipped.append(command)
            case .describe: continue
            case .ready(let inject):
                compact()
                return (skipped, inject)
            }
        }
        compact()
        return (skipped, nil)
    }

    var pendingCount: Int { items.count - head }

    private mutating func popCommand() -> Command? {
        guard head < items.count, case .command(let command) = items[head] else { return nil }
        head += 1
        return command
    }

    private mutating func compact() {
        if head > 64, head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
    }
}
