import AuditCore
import NIOCore
import NIOSSH
import ProtocolParsers

/// File transfers through a session channel: the `sftp` subsystem, packet by packet, and
/// legacy `scp`, record by record.
///
/// **SFTP.** The client's bytes are cut into packets; a request that is a command
/// (``SSHSFTPCommand``: opens, listings, changes) is decided and its `command` event stored
/// before the packet goes upstream, and the requests behind it wait (the client's reads are
/// held meanwhile, so nothing piles up). A refused request never reaches the server: the
/// client gets an SFTP STATUS "permission denied" with the reason. The server's replies are
/// passed on whole packets at a time — so such a STATUS can be put between them — and each
/// completed operation becomes a `command.outcome`. A stream the decoders or the tracker's
/// limits refuse ends the channel.
extension SSHChannelRelay {
    // MARK: SFTP, client → server

    func sftpFromClient(_ buffer: ByteBuffer) {
        var decoded: [(request: SFTPRequest, bytes: ByteBuffer)] = []
        do {
            try sftp.requests.process(buffer) { decoded.append(($0, $1)) }
        } catch {
            return transferFailed("\(error)")
        }
        sftp.queue.append(contentsOf: decoded)
        sftpForwardQueued()
    }

    /// Sends queued requests upstream until one must be decided first.
    private func sftpForwardQueued() {
        guard let upstream else { return }
        while !busy, !gone, kind == .sftp, let (request, bytes) = sftp.queue.popFirst() {
            if case .unknown(let type, let id) = request {
                // Version 3 defines no such request; whatever it does, it is not audited.
                if let id { sftpAnswer(id, SFTPStatus(code: .operationUnsupported, message: "the gateway does not relay SFTP packet type \(type)")) }
                continue
            }
            guard let command = SSHSFTPCommand(request, handlePath: { self.sftp.path(of: $0) }) else {
                sftpForward(request, bytes, command: nil, upstream: upstream)
                continue
            }
            sftpDecide(command, request: request, bytes: bytes, upstream: upstream)
        }
        upstream.flush()
    }

    private func sftpDecide(_ command: SSHSFTPCommand, request: SFTPRequest, bytes: ByteBuffer, upstream: any Channel) {
        busy = true
        clientReadsHeld = true
        updateClientReading()
        var fields = command.fields
        fields["transfer"] = "sftp"
        if let running { fields["subsystem_seq"] = .int(running.seq) }
        admitCommand(statement: command.statement, commandClass: "file", objects: command.objects, fields: fields).whenSuccess { admission in
            self.busy = false
            guard !self.gone, self.kind == .sftp else { return }
            switch admission {
            case .allowed(let seq):
                let stored = SSHSFTPChannel.Command(seq: seq, started: .now(), operation: command.operation, path: command.fields["path"]?.stringValue)
                self.sftpForward(request, bytes, command: stored, upstream: upstream)
            case .refused(let message, _):
                if let id = request.id { self.sftpAnswer(id, SFTPStatus(code: .permissionDenied, message: "auditgateway: " + message)) }
            }
            self.clientReadsHeld = false
            self.updateClientReading()
            self.sftpForwardQueued()
            self.drain()
        }
    }

    private func sftpForward(_ request: SFTPRequest, _ bytes: ByteBuffer, command: SSHSFTPChannel.Command?, upstream: any Channel) {
        do {
            try sftp.forwarding(request, command: command)
        } catch {
            return transferFailed("\(error)")
        }
        upstream.write(SSHChannelData(type: .channel, data: .byteBuffer(bytes)), promise: nil)
    }

    /// Answers request `id` in the server's place. Safe between the server's packets: they
    /// reach the client whole.
    private func sftpAnswer(_ id: UInt32, _ status: SFTPStatus) {
        var reply = ByteBuffer()
        status.encodePacket(answering: id, into: &reply)
        writeToClient(SSHChannelData(type: .channel, data: .byteBuffer(reply)))
    }

    // MARK: SFTP, server → client

    func sftpFromUpstream(_ buffer: ByteBuffer) {
        var packets: [(response: SFTPResponse, bytes: ByteBuffer)] = []
        var failure: (any Error)?
        do {
            try sftp.responses.process(buffer) { packets.append(($0, $1)) }
        } catch {
            failure = error
        }
        for (response, bytes) in packets where !gone {
            do {
                if let outcome = try sftp.received(response) {
                    session.trail.enqueue(.event(session.event(.commandOutcome, outcome)))
                }
            } catch {
                failure = error
                break
            }
            writeToClient(SSHChannelData(type: .channel, data: .byteBuffer(bytes)), flush: false)
        }
        client.flush()
        if let failure { transferFailed("\(failure)") }
    }

    // MARK: scp

    /// Follows what `peer` sent on a legacy scp channel before it is passed on; `false` when
    /// the stream cannot be followed (the channel is ending then). `true` on other channels.
    func scpSaw(_ buffer: ByteBuffer, from peer: SCPPeer) -> Bool {
        guard kind == .scp, scp != nil else { return true }
        do {
            let events = try scp!.saw(buffer, from: peer)
            for (type, fields) in events { session.trail.enqueue(.event(session.event(type, fields))) }
            return true
        } catch {
            transferFailed("\(error)")
            return false
        }
    }

    // MARK: End

    /// The channel is closing: what was under way ends `interrupted` in the trail.
    func transferEnded() {
        var outcomes: [(AuditEventType, [String: AuditValue])] = sftp.closed().map { (.commandOutcome, $0) }
        if var transfer = scp {
            outcomes += transfer.closed()
            scp = transfer
        }
        for (type, fields) in outcomes { session.trail.enqueue(.event(session.event(type, fields))) }
    }

    /// The transfer cannot be followed (a malformed or out-of-turn stream, a tracker limit):
    /// the error is the command's outcome, the client is told, and the channel closes before
    /// anything more passes.
    func transferFailed(_ error: String) {
        guard kind == .sftp || kind == .scp, !gone else { return }
        kind = .refused
        if let running {
            let fields: [String: AuditValue] = [
                "command_seq": .int(running.seq), AuditField.outcome: "error", "error": .string(error),
                AuditField.durationMS: .double(Double((NIODeadline.now() - running.started).nanoseconds) / 1_000_000),
            ]
            session.trail.enqueue(.event(session.event(.commandOutcome, fields)))
            self.running = nil
        }
        transferEnded()
        upstream?.close(promise: nil)
        tellClient("auditgateway: the file transfer cannot be audited, so the gateway ends it: \(error)").whenComplete { _ in
            self.client.close(promise: nil)
        }
    }
}
