import AuditCore
import NIOCore
import NIOSSH

/// One TCP connection through a port forward: the channel the gateway accepted (the
/// client's `direct-tcpip`, or the server's `forwarded-tcpip`) joined to the one it opened on
/// the other connection for it.
///
/// Bytes pass unchanged both ways and are counted. A side that cannot take more stops reads
/// on the other, whose SSH window then stays shut, so the gateway holds at most a window's
/// worth. End of file passes on; when one side closes, the other gets what is pending, then
/// end of file, then its close. The `command.outcome` is written once both are closed (or
/// the session ends). Lives on the session's event loop.
final class SSHForwardRelay: @unchecked Sendable {
    enum Side {
        /// The channel on the client's connection.
        case client
        /// The channel on the gateway's upstream connection.
        case server
    }

    let session: SSHSession
    /// The `command` event this connection answers.
    let commandSeq: Int64
    private let started = NIODeadline.now()
    private var client: (any Channel)?
    private var server: (any Channel)?
    /// The side the gateway opened, whose reads wait until the accepted side is active.
    private var opened: Side?
    private var closed: Set<Side> = []
    private var bytesFromClient: Int64 = 0
    private var bytesToClient: Int64 = 0
    private var recorded = false
    private let onEnd: (SSHForwardRelay) -> Void

    init(session: SSHSession, commandSeq: Int64, onEnd: @escaping (SSHForwardRelay) -> Void) {
        self.session = session
        self.commandSeq = commandSeq
        self.onEnd = onEnd
    }

    /// Joins `channel` as `side`; call from the channel's initializer, before it is active.
    /// - Parameter opened: The gateway opened this channel: it reads nothing until the
    ///   accepted side is active, so nothing is written to a channel not yet open.
    func attach(_ channel: any Channel, as side: Side, opened: Bool) throws {
        try channel.syncOptions?.setOption(ChannelOptions.allowRemoteHalfClosure, value: true)
        if opened {
            try channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
            self.opened = side
        }
        try channel.pipeline.syncOperations.addHandlers([SSHHalfCloseHandler(afterPeerEOF: .close), SSHForwardChannelHandler(relay: self, side: side)])
        switch side {
        case .client: client = channel
        case .server: server = channel
        }
        channel.closeFuture.whenComplete { _ in self.channelClosed(side) }
        if recorded { channel.close(promise: nil) }
    }

    private func channel(_ side: Side) -> (any Channel)? { side == .client ? client : server }
    private func other(_ side: Side) -> (any Channel)? { side == .client ? server : client }

    // MARK: Events from the channels

    func active(_ side: Side) {
        guard let opened, opened != side, let reader = channel(opened) else { return }
        reader.setOption(ChannelOptions.autoRead, value: true).whenSuccess { reader.read() }
    }

    func read(_ buffer: ByteBuffer, from side: Side) {
        session.touch()
        if side == .client { bytesFromClient += Int64(buffer.readableBytes) } else { bytesToClient += Int64(buffer.readableBytes) }
        other(side)?.write(SSHChannelData(type: .channel, data: .byteBuffer(buffer)), promise: nil)
    }

    func readComplete(from side: Side) {
        other(side)?.flush()
    }

    func endOfFile(from side: Side) {
        other(side)?.close(mode: .output, promise: nil)
    }

    /// Back-pressure: `side` cannot take more, so the other side stops reading (and the
    /// other way round once it can).
    func writabilityChanged(_ side: Side) {
        guard let writer = channel(side), let reader = other(side) else { return }
        let writable = writer.isWritable
        reader.setOption(ChannelOptions.autoRead, value: writable).whenSuccess {
            if writable { reader.read() }
        }
    }

    private func channelClosed(_ side: Side) {
        closed.insert(side)
        if let peer = other(side), !closed.contains(side == .client ? .server : .client) {
            // What is pending goes first: end of file is queued behind it, then the close.
            peer.close(mode: .output).whenComplete { _ in peer.close(promise: nil) }
        }
        if other(side) == nil {
            // Gone before the gateway had opened the other side: that one closes when it comes.
            finish(outcome: "error", error: "the channel closed before the forward was open")
        } else if closed.count == 2 {
            finish(outcome: "ok", error: nil)
        }
    }

    // MARK: Outcome

    /// The other side could not be opened: the outcome says why. The accepted channel is
    /// refused by its initializer's failure (NIOSSH answers with an open failure).
    func failed(_ message: String) {
        finish(outcome: "error", error: message)
    }

    /// The session is ending: the outcome is written now, the channels close with it.
    func sessionEnded() {
        finish(outcome: "ok", error: nil)
    }

    private func finish(outcome: String, error: String?) {
        guard !recorded else { return }
        recorded = true
        var fields: [String: AuditValue] = [
            "command_seq": .int(commandSeq), AuditField.outcome: .string(outcome), "bytes_in": .int(bytesFromClient), "bytes_out": .int(bytesToClient),
            AuditField.durationMS: .double(Double((NIODeadline.now() - started).nanoseconds) / 1_000_000),
        ]
        if let error { fields["error"] = .string(error) }
        session.trail.enqueue(.event(session.event(.commandOutcome, fields)))
        onEnd(self)
    }
}
