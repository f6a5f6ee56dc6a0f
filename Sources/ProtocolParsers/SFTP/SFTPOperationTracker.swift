/// Follows one `sftp` channel and turns its requests and replies into audit-ready
/// ``SFTPOperation``s: opens, closes with byte counts, removes, renames, directory
/// changes, attribute changes and links, each with its outcome and the server's message.
///
/// A value-type state machine without I/O: feed it every decoded request and reply in the
/// order the gateway relays them. It correlates replies with requests by request id and
/// reads and writes with files by handle.
///
/// ```swift
/// try tracker.clientSent(request)                      // before forwarding it
/// if let operation = try tracker.serverSent(response) { audit(operation) }
/// ...
/// for operation in tracker.channelClosed() { audit(operation) }
/// ```
///
/// **Limits.** A client chooses how many requests it leaves unanswered and how many files
/// it keeps open, so the tracker bounds both (``maximumOutstandingRequests``,
/// ``maximumOpenHandles``, 4096 each by default; OpenSSH's client keeps at most 64 requests
/// in flight) and the bytes of paths and handles it holds for them
/// (``maximumRetainedBytes``, 4 MiB). A request that would exceed a limit makes
/// ``clientSent(_:)`` throw ``SFTPError`` (``SFTPError/Code/tooManyOutstandingRequests``,
/// ``SFTPError/Code/tooManyOpenHandles``, ``SFTPError/Code/tooMuchRetainedState``) before
/// anything is stored; the gateway records the error, does not forward the request, and
/// closes the channel, reporting ``channelClosed()``'s operations.
public struct SFTPOperationTracker: Sendable {
    public static let defaultMaximumOutstandingRequests = 4096
    public static let defaultMaximumOpenHandles = 4096
    public static let defaultMaximumRetainedBytes = 4 << 20

    /// The most requests that may wait for a reply at once.
    public let maximumOutstandingRequests: Int
    /// The most files and directories that may be open, or being opened, at once.
    public let maximumOpenHandles: Int
    /// The most bytes of paths and handles held for unanswered requests and open handles.
    public let maximumRetainedBytes: Int

    /// The version the server chose in VERSION (always 3 once set: others are refused).
    public private(set) var version: UInt32?

    private var pending: [UInt32: PendingRequest] = [:]
    private var handles: [SFTPHandle: OpenHandle] = [:]
    private var pendingOpens = 0
    private var retainedBytes = 0
    private var nextSequence: UInt64 = 0

    public init(
        maximumOutstandingRequests: Int = Self.defaultMaximumOutstandingRequests,
        maximumOpenHandles: Int = Self.defaultMaximumOpenHandles,
        maximumRetainedBytes: Int = Self.defaultMaximumRetainedBytes
    ) {
        self.maximumOutstandingRequests = maximumOutstandingRequests
        self.maximumOpenHandles = maximumOpenHandles
        self.maximumRetainedBytes = maximumRetainedBytes
    }

    /// Requests waiting for a reply.
    public var outstandingRequestCount: Int { self.pending.count }
    /// Files and directories open now.
    public var openHandleCount: Int { self.handles.count }

    // MARK: Requests

    /// Records a request the client sent. Call it before forwarding the request: when it
    /// throws, the request must not reach the server (see the limits above).
    public mutating func clientSent(_ request: SFTPRequest) throws(SFTPError) {
        guard let id = request.id else { return }
        let type = request.packetType
        guard self.pending[id] == nil else {
            throw SFTPError(code: .duplicateRequestID, packetType: type, detail: "request id \(id) is already waiting for a reply")
        }
        guard self.pending.count < self.maximumOutstandingRequests else {
            throw SFTPError(
                code: .tooManyOutstandingRequests,
                packetType: type,
                detail: "\(self.pending.count) requests are already waiting for replies (limit \(self.maximumOutstandingRequests))"
            )
        }
        let entry = self.pendingRequest(for: request)
        if entry.opensHandle {
            guard self.handles.count + self.pendingOpens < self.maximumOpenHandles else {
                throw SFTPError(
                    code: .tooManyOpenHandles,
                    packetType: type,
                    detail: "\(self.handles.count) handles are open and \(self.pendingOpens) being opened (limit \(self.maximumOpenHandles))"
                )
            }
        }
        let cost = entry.retainedBytes
        guard self.retainedBytes + cost <= self.maximumRetainedBytes else {
            throw SFTPError(
                code: .tooMuchRetainedState,
                packetType: type,
                detail: "holding \(cost) more bytes of paths would exceed the budget of \(self.maximumRetainedBytes) bytes"
            )
        }
        self.retainedBytes += cost
        if entry.opensHandle { self.pendingOpens += 1 }
        self.pending[id] = entry
    }

    private func pendingRequest(for request: SFTPRequest) -> PendingRequest {
        switch request {
        case .open(_, let path, let flags, _): .open(path: path, flags: flags)
        case .opendir(_, let path): .opendir(path: path)
        case .read(_, let handle, _, _): .read(handle)
        case .write(_, let handle, _, let length): .write(handle, length: length)
        case .readdir(_, let handle): .readdir(handle)
        case .close(_, let handle): .close(handle)
        case .remove(_, let path): .action(.remove(path: path))
        case .rename(_, let from, let to): .action(.rename(from: from, to: to))
        case .mkdir(_, let path, let attributes): .action(.mkdir(path: path, attributes: attributes))
        case .rmdir(_, let path): .action(.rmdir(path: path))
        case .setstat(_, let path, let attributes): .action(.setstat(path: path, attributes: attributes))
        case .fsetstat(_, let handle, let attributes):
            self.handles[handle].map { .action(.setstat(path: $0.path, attributes: attributes)) } ?? .untracked
        case .symlink(_, let linkPath, let targetPath): .action(.symlink(linkPath: linkPath, targetPath: targetPath))
        case .extended(_, .posixRename(let from, let to)): .action(.rename(from: from, to: to))
        case .extended(_, .hardlink(let from, let to)): .action(.hardlink(from: from, to: to))
        case .extended(_, .lsetstat(let path, let attributes)): .action(.setstat(path: path, attributes: attributes))
        case .initialize, .lstat, .fstat, .realpath, .stat, .readlink, .extended(_, .other), .unknown: .untracked
        }
    }

    // MARK: Replies

    /// Records a reply the server sent and returns the operation it completes, if any.
    ///
    /// A reply to no outstanding request is ignored. Throws ``SFTPError/Code/unsupportedVersion``
    /// when VERSION names a version other than 3.
    public mutating func serverSent(_ response: SFTPResponse) throws(SFTPError) -> SFTPOperation? {
        if case .version(let version, _) = response {
            guard version == 3 else {
                throw SFTPError(
                    code: .unsupportedVersion,
                    packetType: .version,
                    detail: "the server chose SFTP version \(version); the gateway audits version 3 only"
                )
            }
            self.version = version
            return nil
        }
        guard let id = response.id, let entry = self.pending.removeValue(forKey: id) else {
            return nil
        }
        self.retainedBytes -= entry.retainedBytes
        if entry.opensHandle { self.pendingOpens -= 1 }

        switch (entry, response) {
        case (.open(let path, let flags), .handle(_, let handle)):
            self.opened(handle, OpenHandle(path: path, flags: flags, sequence: self.nextSequence))
            return SFTPOperation(requestID: id, action: .open(path: path, flags: flags), outcome: .succeeded)
        case (.opendir(let path), .handle(_, let handle)):
            self.opened(handle, OpenHandle(path: path, flags: nil, sequence: self.nextSequence))
            return nil
        case (.read(let handle), .data(_, let length)):
            self.handles[handle]?.bytesRead += UInt64(length)
            return nil
        case (.write(let handle, let length), .status(_, let status)) where status.code == .ok:
            self.handles[handle]?.bytesWritten += UInt64(length)
            return nil
        case (.readdir(let handle), .name(_, let names)):
            self.handles[handle]?.entries += names.count
            return nil
        case (.close(let handle), _):
            guard let file = self.handles.removeValue(forKey: handle) else { return nil }
            self.retainedBytes -= file.retainedBytes(for: handle)
            return SFTPOperation(requestID: id, action: file.closeAction(), outcome: Self.outcome(of: response))
        case (.open(let path, let flags), _):
            return SFTPOperation(requestID: id, action: .open(path: path, flags: flags), outcome: Self.outcome(of: response))
        case (.opendir(let path), _):
            return SFTPOperation(requestID: id, action: .listDirectory(path: path, entries: 0), outcome: Self.outcome(of: response))
        case (.action(let action), _):
            return SFTPOperation(requestID: id, action: action, outcome: Self.outcome(of: response))
        case (.read, _), (.write, _), (.readdir, _), (.untracked, _):
            return nil
        }
    }

    private mutating func opened(_ handle: SFTPHandle, _ file: OpenHandle) {
        // A server that hands out a handle still open has forgotten the first file; so do we.
        if let previous = self.handles.updateValue(file, forKey: handle) {
            self.retainedBytes -= previous.retainedBytes(for: handle)
        }
        self.retainedBytes += file.retainedBytes(for: handle)
        self.nextSequence += 1
    }

    /// STATUS gives its own outcome; any other reply to a request that expects STATUS (or
    /// HANDLE, for an open that then failed) is unexpected.
    private static func outcome(of response: SFTPResponse) -> SFTPOperation.Outcome {
        switch response {
        case .status(_, let status): SFTPOperation.Outcome(status)
        default: .unexpectedReply(response.packetType)
        }
    }

    // MARK: End of channel

    /// Ends the channel: returns, as ``SFTPOperation/Outcome/interrupted``, every tracked
    /// request still waiting for a reply (by request id) and every file or directory still
    /// open (in the order they were opened, with the bytes counted so far), and forgets
    /// them. Call it when the channel closes, whichever side closed it.
    public mutating func channelClosed() -> [SFTPOperation] {
        var operations: [SFTPOperation] = []
        var closing: [SFTPHandle: UInt32] = [:]
        for (id, entry) in self.pending.sorted(by: { $0.key < $1.key }) {
            switch entry {
            case .open(let path, let flags):
                operations.append(SFTPOperation(requestID: id, action: .open(path: path, flags: flags), outcome: .interrupted))
            case .opendir(let path):
                operations.append(SFTPOperation(requestID: id, action: .listDirectory(path: path, entries: 0), outcome: .interrupted))
            case .action(let action):
                operations.append(SFTPOperation(requestID: id, action: action, outcome: .interrupted))
            case .close(let handle):
                closing[handle] = id
            case .read, .write, .readdir, .untracked:
                break
            }
        }
        for (handle, file) in self.handles.sorted(by: { $0.value.sequence < $1.value.sequence }) {
            operations.append(SFTPOperation(requestID: closing[handle], action: file.closeAction(), outcome: .interrupted))
        }
        self.pending = [:]
        self.handles = [:]
        self.pendingOpens = 0
        self.retainedBytes = 0
        return operations
    }
}
