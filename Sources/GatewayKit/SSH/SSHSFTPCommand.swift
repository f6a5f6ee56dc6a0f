import AuditCore
import ProtocolParsers

/// What an SFTP request means to the policy and the trail.
///
/// Requests that open a file (to read or to write), list a directory or change something
/// (remove, rename, mkdir, rmdir, setstat, symlink, hardlink) are commands of class `file`:
/// decided with the paths as objects and stored before they reach the server. What only
/// looks (STAT, LSTAT, REALPATH, READLINK) and what works on a handle already decided
/// (READ, WRITE, READDIR, CLOSE) passes without an event of its own; the bytes read and
/// written are in the open's outcome.
struct SSHSFTPCommand {
    /// `open`, `list`, `remove`, `rename`, `mkdir`, `rmdir`, `setstat`, `symlink`, `hardlink`, `extended`.
    var operation: String
    var statement: String
    /// Each path plain and with `read:`/`write:` (see ``SSHFilePath/objects(_:writes:)``).
    var objects: [String]
    var fields: [String: AuditValue]

    /// OpenSSH extensions that change nothing a decision has not covered: queries, and
    /// `copy-data` and `fsync` on handles opened (and decided) before.
    static let passedExtensions: Set<String> = [
        "statvfs@openssh.com", "fstatvfs@openssh.com", "fsync@openssh.com", "limits@openssh.com",
        "expand-path@openssh.com", "home-directory", "users-groups-by-id@openssh.com", "copy-data",
    ]

    /// The command `request` is, or `nil` when it passes without a decision.
    /// - Parameter handlePath: The path a handle was opened with (for FSETSTAT).
    init?(_ request: SFTPRequest, handlePath: (SFTPHandle) -> String?) {
        switch request {
        case .open(_, let path, let flags, let attributes):
            self.init("open", "\(path) (\(flags))", reads: flags.modifiesFile ? [] : [path], writes: flags.modifiesFile ? [path] : [])
            fields["flags"] = .string(flags.description)
            if let mode = attributes.permissions { fields["mode"] = .string(Self.octal(mode)) }
        case .opendir(_, let path):
            self.init("list", path, reads: [path])
        case .remove(_, let path):
            self.init("remove", path, writes: [path])
        case .rename(_, let from, let to), .extended(_, .posixRename(let from, let to)):
            self.init("rename", "\(from) \(to)", writes: [from, to])
            fields["to"] = .string(to)
        case .mkdir(_, let path, let attributes):
            self.init("mkdir", path, writes: [path])
            if let mode = attributes.permissions { fields["mode"] = .string(Self.octal(mode)) }
        case .rmdir(_, let path):
            self.init("rmdir", path, writes: [path])
        case .setstat(_, let path, let attributes), .extended(_, .lsetstat(let path, let attributes)):
            self.init(setstat: path, attributes)
        case .fsetstat(_, let handle, let attributes):
            self.init(setstat: handlePath(handle) ?? "(unknown handle)", attributes)
        case .symlink(_, let linkPath, let targetPath):
            self.init("symlink", "\(linkPath) -> \(targetPath)", reads: [targetPath], writes: [linkPath])
            fields["link_target"] = .string(targetPath)
        case .extended(_, .hardlink(let from, let to)):
            self.init("hardlink", "\(from) \(to)", writes: [from, to])
            fields["to"] = .string(to)
        case .extended(_, .other(let name, _)):
            guard !Self.passedExtensions.contains(name) else { return nil }
            self.init("extended", name)
            fields["extension"] = .string(name)
        case .initialize, .read, .write, .readdir, .close, .lstat, .fstat, .realpath, .stat, .readlink, .unknown:
            return nil
        }
        if let id = request.id { fields["request_id"] = .int(Int64(id)) }
    }

    private init(_ operation: String, _ text: String, reads: [String] = [], writes: [String] = []) {
        self.operation = operation
        statement = "sftp \(operation) \(text)"
        objects = SSHFilePath.objects(writes, writes: true) + SSHFilePath.objects(reads, writes: false)
        fields = ["sftp_op": .string(operation)]
        if let path = (writes + reads).first { fields["path"] = .string(path) }
    }

    private init(setstat path: String, _ attributes: SFTPAttributes) {
        self.init("setstat", "\(path) \(attributes)", writes: [path])
        fields["attributes"] = .string(attributes.description)
        if let mode = attributes.permissions { fields["mode"] = .string(Self.octal(mode)) }
    }

    /// `0644`
    static func octal(_ mode: UInt32) -> String {
        "0" + String(mode & 0o7777, radix: 8)
    }

    /// The `command.outcome` fields of a finished operation: what was done, to which paths,
    /// the bytes moved (for a close), and how it ended.
    static func outcomeFields(_ operation: SFTPOperation) -> [String: AuditValue] {
        var fields: [String: AuditValue] = [:]
        switch operation.action {
        case .open(let path, let flags):
            fields = ["sftp_op": "open", "path": .string(path), "flags": .string(flags.description)]
        case .close(let path, let flags, let bytesRead, let bytesWritten):
            fields = ["sftp_op": "close", "path": .string(path), "flags": .string(flags.description),
                      "bytes_read": .int(Int64(clamping: bytesRead)), "bytes_written": .int(Int64(clamping: bytesWritten))]
        case .listDirectory(let path, let entries):
            fields = ["sftp_op": "list", "path": .string(path), "entries": .int(Int64(entries))]
        case .remove(let path):
            fields = ["sftp_op": "remove", "path": .string(path)]
        case .rename(let from, let to):
            fields = ["sftp_op": "rename", "path": .string(from), "to": .string(to)]
        case .mkdir(let path, let attributes):
            fields = ["sftp_op": "mkdir", "path": .string(path)]
            if let mode = attributes.permissions { fields["mode"] = .string(octal(mode)) }
        case .rmdir(let path):
            fields = ["sftp_op": "rmdir", "path": .string(path)]
        case .setstat(let path, let attributes):
            fields = ["sftp_op": "setstat", "path": .string(path), "attributes": .string(attributes.description)]
            if let mode = attributes.permissions { fields["mode"] = .string(octal(mode)) }
        case .symlink(let linkPath, let targetPath):
            fields = ["sftp_op": "symlink", "path": .string(linkPath), "link_target": .string(targetPath)]
        case .hardlink(let from, let to):
            fields = ["sftp_op": "hardlink", "path": .string(from), "to": .string(to)]
        }
        switch operation.outcome {
        case .succeeded:
            fields[AuditField.outcome] = "ok"
        case .failed(let status):
            fields[AuditField.outcome] = "error"
            fields["status"] = .string(status.code.description)
            if !status.message.isEmpty { fields["error"] = .string(status.message) }
        case .unexpectedReply(let type):
            fields[AuditField.outcome] = "error"
            fields["error"] = .string("the server answered with packet type \(type)")
        case .interrupted:
            fields[AuditField.outcome] = "interrupted"
        }
        if let id = operation.requestID { fields["request_id"] = .int(Int64(id)) }
        return fields
    }
}
