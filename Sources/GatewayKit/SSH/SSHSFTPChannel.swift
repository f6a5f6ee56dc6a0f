import AuditCore
import NIOCore
import ProtocolParsers

/// The audit state of one `sftp` channel: both directions' decoders, the operation tracker,
/// and which `command` event each unanswered request and each open handle answers to, so
/// every outcome names its command. Event-loop state of its ``SSHChannelRelay``; no I/O.
struct SSHSFTPChannel {
    /// A `command` event stored for a request.
    struct Command {
        var seq: Int64
        var started: NIODeadline
        var operation: String
        var path: String?
    }

    var requests = SFTPRequestDecoder()
    var responses = SFTPResponseDecoder()
    private var tracker = SFTPOperationTracker()
    /// Decoded requests that wait, in order, behind one being decided.
    var queue = CircularBuffer<(request: SFTPRequest, bytes: ByteBuffer)>()
    /// By request id: the command a request waiting for its reply completes.
    private var commands: [UInt32: Command] = [:]
    /// By handle: the command (open or list) an open handle belongs to.
    private var handles: [SFTPHandle: Command] = [:]

    /// The path `handle` was opened with.
    func path(of handle: SFTPHandle) -> String? { handles[handle]?.path }

    /// Notes a request the gateway forwards now; `command` when it was stored as one.
    /// Throws when the tracker's limits refuse it: it must not be forwarded then.
    mutating func forwarding(_ request: SFTPRequest, command: Command?) throws {
        try tracker.clientSent(request)
        guard let id = request.id else { return }
        if let command {
            commands[id] = command
        } else if case .close(_, let handle) = request, let open = handles.removeValue(forKey: handle) {
            commands[id] = open
        }
    }

    /// Notes a reply the server sent; returns the `command.outcome` fields of the operation it
    /// completes, if any. A successful open's outcome comes with its close (bytes moved).
    mutating func received(_ response: SFTPResponse) throws -> [String: AuditValue]? {
        if case .handle(let id, let handle) = response, let command = commands[id] {
            handles[handle] = command
        }
        let operation = try tracker.serverSent(response)
        let command = response.id.flatMap { commands.removeValue(forKey: $0) }
        guard let operation else {
            // A command the tracker does not follow (an extension): its STATUS is its outcome.
            guard let command, case .status(_, let status) = response else { return nil }
            var fields = Self.outcome(of: command)
            fields[AuditField.outcome] = status.code == .ok ? "ok" : "error"
            fields["status"] = .string(status.code.description)
            return fields
        }
        if case .open = operation.action, operation.succeeded { return nil }
        return Self.fields(operation, command)
    }

    /// The channel closed: the outcomes of everything unanswered or still open, as `interrupted`.
    mutating func closed() -> [[String: AuditValue]] {
        let operations = tracker.channelClosed()
        defer {
            commands = [:]
            handles = [:]
            queue.removeAll()
        }
        return operations.map { operation in
            var command = operation.requestID.flatMap { commands.removeValue(forKey: $0) }
            if command == nil, let path = Self.path(of: operation.action),
               let handle = handles.first(where: { $0.value.path == path })?.key {
                command = handles.removeValue(forKey: handle)
            }
            return Self.fields(operation, command)
        }
    }

    private static func path(of action: SFTPOperation.Action) -> String? {
        switch action {
        case .close(let path, _, _, _), .listDirectory(let path, _): path
        default: nil
        }
    }

    private static func fields(_ operation: SFTPOperation, _ command: Command?) -> [String: AuditValue] {
        var fields = SSHSFTPCommand.outcomeFields(operation)
        if let command { fields.merge(outcome(of: command)) { mine, _ in mine } }
        return fields
    }

    private static func outcome(of command: Command) -> [String: AuditValue] {
        var fields: [String: AuditValue] = [
            "command_seq": .int(command.seq), "sftp_op": .string(command.operation),
            AuditField.durationMS: .double(Double((NIODeadline.now() - command.started).nanoseconds) / 1_000_000),
        ]
        if let path = command.path { fields["path"] = .string(path) }
        return fields
    }
}
