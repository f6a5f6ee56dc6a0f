import AuditCore
import NIOCore
import ProtocolParsers

/// A legacy `scp` (`scp -O`: `scp -t PATH`, `scp -f PATH...` over exec) followed through its
/// channel: the command as the policy sees it, and each file and directory that crosses,
/// as trail events. Event-loop state of its ``SSHChannelRelay``; no I/O.
struct SSHSCPTransfer {
    let command: SCPCommand
    /// The `command` event of the exec.
    let seq: Int64
    private var decoder: SCPTransferDecoder

    init(command: SCPCommand, seq: Int64) {
        self.command = command
        self.seq = seq
        decoder = SCPTransferDecoder(direction: command.direction)
    }

    var direction: String { Self.direction(command) }

    static func direction(_ command: SCPCommand) -> String {
        command.direction == .upload ? "upload" : "download"
    }

    /// The policy objects: each operand as a path written (`write:`, an upload's target) or
    /// read (`read:`, a download's sources), and the same with `/` after it, because the
    /// files may land in (or come from) a directory it names: `/tmp/in/*` catches `scp -t
    /// /tmp/in`. The names of the files are not known before they cross, so they are audited
    /// but not decided one by one.
    static func objects(_ command: SCPCommand) -> [String] {
        SSHFilePath.objects(command.paths, writes: command.direction == .upload, inside: true)
    }

    /// The fields of the exec's `command` event.
    static func commandFields(_ command: SCPCommand) -> [String: AuditValue] {
        var fields: [String: AuditValue] = ["transfer": "scp", "direction": .string(direction(command))]
        if command.paths.count == 1 { fields["path"] = .string(command.paths[0]) } else { fields["paths"] = .array(command.paths.map { .string($0) }) }
        if command.recursive { fields["recursive"] = true }
        return fields
    }

    /// Reads what `peer` sent before it is forwarded; returns the events it completes as
    /// (type, fields). Throws when the stream cannot be followed: close the channel.
    mutating func saw(_ buffer: ByteBuffer, from peer: SCPPeer) throws -> [(AuditEventType, [String: AuditValue])] {
        var events: [SCPEvent] = []
        try decoder.process(buffer, from: peer) { events.append($0) }
        return events.compactMap(fields)
    }

    /// The channel closed: a file under way ends `interrupted`.
    mutating func closed() -> [(AuditEventType, [String: AuditValue])] {
        decoder.channelClosed().compactMap(fields)
    }

    private func base(_ operation: String) -> [String: AuditValue] {
        var fields: [String: AuditValue] = ["transfer": "scp", "scp_op": .string(operation), "direction": .string(direction)]
        if command.paths.count == 1 { fields["remote_path"] = .string(command.paths[0]) }
        return fields
    }

    /// The path of `file` on the server, where the command says it: a download of one
    /// named file, or an upload into a target that must be a directory.
    private func serverPath(_ file: SCPFile) -> String? {
        guard command.paths.count == 1, let operand = command.paths.first else { return nil }
        switch command.direction {
        case .download:
            let glob = operand.contains { "*?[".contains($0) }
            return command.recursive || glob ? nil : operand
        case .upload:
            guard command.targetMustBeDirectory || operand.hasSuffix("/") else { return nil }
            return (operand.hasSuffix("/") ? operand : operand + "/") + file.path
        }
    }

    private func fields(_ event: SCPEvent) -> (AuditEventType, [String: AuditValue])? {
        switch event {
        case .fileStarted(let file):
            var fields = base("file")
            fields.merge(describe(file)) { $1 }
            fields[AuditField.statement] = .string("scp \(direction) \(file.path)")
            fields["class"] = "file"
            fields["detected"] = true
            fields["exec_seq"] = .int(seq)
            return (.command, fields)
        case .fileFinished(let file, let bytes, let outcome):
            var fields = base("file")
            fields.merge(describe(file)) { $1 }
            fields["command_seq"] = .int(seq)
            fields[AuditField.bytes] = .int(Int64(clamping: bytes))
            switch outcome {
            case .succeeded:
                fields[AuditField.outcome] = "ok"
            case .failed(let peer, let message):
                fields[AuditField.outcome] = "error"
                fields["error"] = .string(message)
                fields["error_by"] = peer == .client ? "client" : "server"
            case .interrupted:
                fields[AuditField.outcome] = "interrupted"
            }
            return (.commandOutcome, fields)
        case .directoryEntered(let path, let mode):
            var fields = base("directory")
            fields["name"] = .string(path)
            fields["mode"] = .string(SSHSFTPCommand.octal(mode))
            fields[AuditField.statement] = .string("scp \(direction) directory \(path)")
            fields["class"] = "file"
            fields["detected"] = true
            fields["exec_seq"] = .int(seq)
            return (.command, fields)
        case .directoryLeft:
            return nil
        case .errorReported(let peer, let message, let isFatal):
            var fields = base("error")
            fields["command_seq"] = .int(seq)
            fields[AuditField.outcome] = "error"
            fields["error"] = .string(message)
            fields["error_by"] = peer == .client ? "client" : "server"
            fields["fatal"] = .bool(isFatal)
            return (.commandOutcome, fields)
        }
    }

    private func describe(_ file: SCPFile) -> [String: AuditValue] {
        var fields: [String: AuditValue] = ["name": .string(file.path), "size": .int(Int64(clamping: file.size)), "mode": .string(SSHSFTPCommand.octal(file.mode))]
        if let path = serverPath(file) { fields["path"] = .string(path) }
        return fields
    }
}
