// The tracker's bookkeeping: what it remembers about each unanswered request and each open
// handle, and how many bytes of paths and handles that costs.

extension SFTPOperationTracker {
    /// What an unanswered request will complete when its reply arrives.
    enum PendingRequest: Sendable {
        case open(path: String, flags: SFTPOpenFlags)
        case opendir(path: String)
        case read(SFTPHandle)
        case write(SFTPHandle, length: UInt32)
        case readdir(SFTPHandle)
        case close(SFTPHandle)
        /// A request answered by a STATUS that ends an operation by itself.
        case action(SFTPOperation.Action)
        /// A request the audit does not follow (STAT, REALPATH, ...); kept so its reply
        /// matches and counts towards the limit.
        case untracked

        var opensHandle: Bool {
            switch self {
            case .open, .opendir: true
            default: false
            }
        }

        /// Bytes of paths and handles held, for the retained-state budget.
        var retainedBytes: Int {
            switch self {
            case .open(let path, _), .opendir(let path): path.utf8.count
            case .read(let handle), .write(let handle, _), .readdir(let handle), .close(let handle): handle.bytes.count
            case .action(let action): action.retainedBytes
            case .untracked: 0
            }
        }
    }

    /// An open file or directory.
    struct OpenHandle: Sendable {
        var path: String
        /// `nil` for a directory.
        var flags: SFTPOpenFlags?
        var bytesRead: UInt64 = 0
        var bytesWritten: UInt64 = 0
        var entries = 0
        /// Order of opening, so handles left open are reported in a stable order.
        var sequence: UInt64

        func retainedBytes(for handle: SFTPHandle) -> Int {
            self.path.utf8.count + handle.bytes.count
        }

        func closeAction() -> SFTPOperation.Action {
            guard let flags else { return .listDirectory(path: self.path, entries: self.entries) }
            return .close(path: self.path, flags: flags, bytesRead: self.bytesRead, bytesWritten: self.bytesWritten)
        }
    }
}

extension SFTPOperation.Action {
    var retainedBytes: Int {
        switch self {
        case .open(let path, _), .close(let path, _, _, _), .listDirectory(let path, _), .remove(let path), .rmdir(let path):
            path.utf8.count
        case .mkdir(let path, let attributes), .setstat(let path, let attributes):
            // Extended attributes can be as large as the packet: they count too.
            path.utf8.count + attributes.extended.reduce(0) { $0 + $1.name.utf8.count + $1.data.utf8.count }
        case .rename(let first, let second), .symlink(let first, let second), .hardlink(let first, let second):
            first.utf8.count + second.utf8.count
        }
    }
}
