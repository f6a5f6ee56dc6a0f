import AuditCore
import Foundation
import NIOCore
import NIOSSH
import PolicyEngine
import ProtocolParsers

/// One session channel of an SSH session, relayed to a session channel of its own on the
/// gateway's upstream connection.
///
/// Client requests are handled strictly in order: a command (`exec`, `shell`, `subsystem`)
/// is decided by the policy and its `command` event stored before it goes upstream, and
/// anything the client sends meanwhile waits behind it. Replies keep the requests' order
/// (``SSHReplyQueue``). Output passes the session's masking profile, then reaches the client
/// and the recording — except on file transfers: an `sftp` subsystem is followed packet by
/// packet (`SSHChannelRelay+FileTransfer.swift`) and a legacy `scp` exec record by record
/// (``SSHSCPTransfer``), their bytes unchanged. Lives on the session's event loop.
final class SSHChannelRelay: @unchecked Sendable {
    /// What the client sends, in the order it must be handled.
    enum ClientInput {
        case data(ByteBuffer)
        case eof
        case pty(SSHChannelRequestEvent.PseudoTerminalRequest)
        case env(SSHChannelRequestEvent.EnvironmentRequest)
        case shell(SSHChannelRequestEvent.ShellRequest)
        case exec(SSHChannelRequestEvent.ExecRequest)
        case subsystem(SSHChannelRequestEvent.SubsystemRequest)
        case windowChange(SSHChannelRequestEvent.WindowChangeRequest)
        case signal(SSHChannelRequestEvent.SignalRequest)
    }

    enum Kind {
        case idle, shell, exec, subsystem, refused
        /// The `sftp` subsystem, audited operation by operation.
        case sftp
        /// A legacy `scp -t`/`scp -f` exec, audited file by file.
        case scp
    }

    let session: SSHSession
    let client: any Channel
    private(set) var upstream: (any Channel)?
    private var pending: [ClientInput] = []
    /// A command is being decided and stored: later input waits.
    var busy = false
    /// The client's reads are held while an SFTP request is decided (on top of back-pressure).
    var clientReadsHeld = false
    private var replies = SSHReplyQueue()
    var kind = Kind.idle
    var sftp = SSHSFTPChannel()
    var scp: SSHSCPTransfer?
    private var pty: SSHChannelRequestEvent.PseudoTerminalRequest?
    private var recordingID: String?
    private var outputBytes = UTF8Carry()
    private var inputBytes = UTF8Carry()
    private var lines = SSHInputLineDetector()
    private var maskers: [UInt32: StreamingTextMasker] = [:]
    private var maskFlush: Scheduled<Void>?
    /// The exec command (or sftp subsystem) running, for its outcome event.
    var running: (seq: Int64, started: NIODeadline)?
    private(set) var gone = false
    /// The session's trail holds more terminal bytes than its high-water mark: reads wait.
    private var trailFull = false
    /// The last write to the client so far.
    private var clientWritten: EventLoopFuture<Void>?

    init(session: SSHSession, client: any Channel) {
        self.session = session
        self.client = client
        session.add(self)
    }

    var eventLoop: any EventLoop { client.eventLoop }
    private var recording: Bool { recordingID != nil }

    /// Opens the upstream session channel; the client's channel opens when it has.
    func openUpstream() -> EventLoopFuture<Void> {
        SSHUpstream.openSession(on: session.upstream) { child in
            try child.pipeline.syncOperations.addHandler(SSHUpstreamChannelHandler(relay: self))
        }.map { channel in
            self.upstream = channel
            self.drain()
        }
    }

    // MARK: Client → upstream

    func fromClient(_ input: ClientInput) {
        guard !gone, kind != .refused else { return }
        session.touch()
        pending.append(input)
        drain()
    }

    func drain() {
        guard let upstream else { return }
        var wrote = false
        while !busy, !gone, kind != .refused, !pending.isEmpty {
            let input = pending.removeFirst()
            if case .data = input { wrote = true }
            handle(input, upstream: upstream)
        }
        if wrote { upstream.flush() }
    }

    private func handle(_ input: ClientInput, upstream: any Channel) {
        switch input {
        case .data(let buffer):
            if kind == .sftp { return sftpFromClient(buffer) }
            if kind == .scp, !scpSaw(buffer, from: .client) { return }
            if kind == .shell || (kind == .exec && pty != nil) { noteTyped(buffer) }
            upstream.write(SSHChannelData(type: .channel, data: .byteBuffer(buffer)), promise: nil)
        case .eof:
            upstream.close(mode: .output, promise: nil)
        case .pty(let request):
            pty = request
            forward(request, wantReply: request.wantReply)
        case .env(let request):
            if session.allowsEnvironment(request.name) {
                forward(request, wantReply: request.wantReply)
            } else if request.wantReply {
                reply(replies.answer(false))
            }
        case .windowChange(let request):
            if let recordingID {
                session.trail.enqueue(.resize(recording: recordingID, cols: request.terminalCharacterWidth, rows: request.terminalRowHeight))
            }
            forward(request, wantReply: false)
        case .signal(let request):
            if let recordingID { session.trail.enqueue(.marker(recording: recordingID, "signal \(request.signal)")) }
            forward(request, wantReply: false)
        case .shell(let request):
            admit(statement: "(interactive shell)", commandClass: "shell", wantReply: request.wantReply) { _ in
                self.kind = .shell
                self.startRecording(title: "shell")
                self.forward(request, wantReply: request.wantReply)
            }
        case .exec(let request):
            if let command = SCPCommand(commandLine: request.command) {
                // Legacy scp: a file transfer, decided on its paths and followed file by file.
                admit(statement: request.command, commandClass: "file", objects: SSHSCPTransfer.objects(command),
                      fields: SSHSCPTransfer.commandFields(command), wantReply: request.wantReply) { seq in
                    self.kind = .scp
                    self.scp = SSHSCPTransfer(command: command, seq: seq)
                    self.running = (seq, .now())
                    self.forward(request, wantReply: request.wantReply)
                }
                return
            }
            admit(statement: request.command, commandClass: "exec", objects: [request.command], wantReply: request.wantReply) { seq in
                self.kind = .exec
                self.running = (seq, .now())
                if self.pty != nil { self.startRecording(title: request.command) }
                self.forward(request, wantReply: request.wantReply)
            }
        case .subsystem(let request):
            let sftp = request.subsystem == "sftp"
            admit(statement: "subsystem \(request.subsystem)", commandClass: "file", objects: [request.subsystem],
                  fields: sftp ? ["transfer": "sftp"] : [:], wantReply: request.wantReply) { seq in
                self.kind = sftp ? .sftp : .subsystem
                if sftp { self.running = (seq, .now()) }
                self.forward(request, wantReply: request.wantReply)
            }
        }
    }

    private func forward(_ request: any Sendable, wantReply: Bool) {
        guard let upstream else { return }
        if wantReply { replies.forwarded() }
        upstream.triggerUserOutboundEvent(request, promise: nil)
    }

    private func reply(_ answers: [Bool]) {
        for success in answers {
            client.triggerUserOutboundEvent(success ? ChannelSuccessEvent() as any Sendable : ChannelFailureEvent(), promise: nil)
        }
    }

    /// Decides a command and stores its event before `allowed` sends it upstream; a denied
    /// command, or one the trail cannot take, ends the channel with a message and an exit
    /// status, and never reaches the server.
    private func admit(statement: String, commandClass: String, objects: [String] = [], fields: [String: AuditValue] = [:], wantReply: Bool,
                       allowed: @escaping @Sendable (Int64) -> Void) {
        busy = true
        admitCommand(statement: statement, commandClass: commandClass, objects: objects, fields: fields).whenSuccess { admission in
            switch admission {
            case .allowed(let seq):
                self.busy = false
                guard !self.gone else { return }
                allowed(seq)
                self.drain()
            case .refused(let message, let exitStatus):
                self.refuse(message, exitStatus: exitStatus, wantReply: wantReply)
            }
        }
    }

    /// How ``admitCommand(statement:commandClass:objects:fields:)`` ended.
    enum Admission {
        /// The `command` event is stored: send the command on.
        case allowed(seq: Int64)
        /// Denied, held for approval, or not recordable (fail closed): the message says why;
        /// the exit status is what an exec reports.
        case refused(message: String, exitStatus: Int)
    }

    /// Decides a command and stores its `command` event (or, when refused, its
    /// `policy.decision`). The future never fails.
    func admitCommand(statement: String, commandClass: String, objects: [String], fields extra: [String: AuditValue]) -> EventLoopFuture<Admission> {
        let verdict = session.decide(statement, commandClass: commandClass, objects: objects)
        let store = session.context.store
        var fields: [String: AuditValue] = [AuditField.statement: .string(session.forTrail(statement)), "class": .string(commandClass), AuditField.rule: .string(verdict.decision.rule)]
        fields.merge(extra) { $1 }
        if let pty { fields["pty"] = .bool(true); fields["term"] = .string(pty.term) }
        if let grant = verdict.grant { fields["grant"] = .string(grant.requestID) }
        let unrecorded = Admission.refused(message: "the audit trail cannot record this command, so the gateway refuses it (fail closed)", exitStatus: 1)
        switch verdict.decision {
        case .allow:
            fields[AuditField.decision] = "allow"
            let event = session.event(.command, fields)
            session.countCommand()
            return eventLoop.makeFutureWithTask { try await store.append(event).seq }.map { Admission.allowed(seq: $0) }.recover { _ in unrecorded }
        case .deny(let rule, let reason), .requireApproval(let rule, let reason, _):
            fields[AuditField.decision] = "deny"
            fields[AuditField.reason] = .string(reason)
            let event = session.event(.policyDecision, fields)
            guard case .requireApproval(_, _, let requirement) = verdict.decision else {
                let message = "\(commandClass) denied by policy (\(rule)): \(reason)"
                return eventLoop.makeFutureWithTask { _ = try await store.append(event) }
                    .map { Admission.refused(message: message, exitStatus: 126) }.recover { _ in unrecorded }
            }
            // As for a SQL statement: the refusal names the access request the gateway files
            // (or finds, when the client retries) for exactly this command.
            let session = session
            return eventLoop.makeFutureWithTask { () -> Admission in
                _ = try await store.append(event)
                let message: String
                do {
                    let filed = try await session.context.access.create(
                        identity: session.identity, connection: session.connection.name, statement: statement, duration: AccessRequestStore.gatewayFiledDuration,
                        reason: "requested by the gateway: \(reason)", rule: rule, requirement: requirement)
                    message = "\(commandClass) needs approval (\(rule)): \(reason); approval needed: access request \(filed.id) is pending "
                        + "(an approver runs `\(filed.approveCommand)`), then run the command again"
                } catch {
                    message = "\(commandClass) needs approval (\(rule)): \(reason); the access request could not be filed (\(error)); "
                        + "ask with `auditctl access request --connection \(session.connection.name)`"
                }
                return .refused(message: message, exitStatus: 126)
            }.recover { _ in unrecorded }
        }
    }


    /// Ends the channel without the server: the request "succeeds" (so the client shows what
    /// follows), the message goes to standard error, then the exit status and close.
    private func refuse(_ message: String, exitStatus: Int, wantReply: Bool) {
        busy = false
        kind = .refused
        pending.removeAll()
        guard !gone else { return }
        if wantReply { reply(replies.answer(true)) }
        upstream?.close(promise: nil)
        _ = tellClient("auditgateway: " + message)
        client.triggerUserOutboundEvent(SSHChannelRequestEvent.ExitStatus(exitStatus: exitStatus), promise: nil)
        client.close(mode: .output, promise: nil)
        client.close(promise: nil)
    }

    /// Writes `message` to the client's standard error (and the recording); completes when written.
    func tellClient(_ message: String) -> EventLoopFuture<Void> {
        let text = pty != nil ? "\r\n" + message + "\r\n" : message + "\n"
        let buffer = ByteBuffer(string: text)
        if let recordingID { session.trail.enqueue(.output(recording: recordingID, buffer)) }
        return writeToClient(SSHChannelData(type: .stdErr, data: .byteBuffer(buffer)))
    }

    // MARK: Recording

    private func startRecording(title: String) {
        guard session.settings.recording, recordingID == nil else { return }
        let id = session.nextRecordingID()
        recordingID = id
        // A pty of unknown size (a client reading a pipe) plays as 80x24.
        let width = pty.map(\.terminalCharacterWidth).flatMap { $0 > 0 ? $0 : nil } ?? 80
        let height = pty.map(\.terminalRowHeight).flatMap { $0 > 0 ? $0 : nil } ?? 24
        let header = AsciicastHeader(width: width, height: height, timestamp: Date(),
                                     title: "ssh \(session.login)@\(session.connection.name) \(title)", env: pty.map { ["TERM": $0.term] })
        session.trail.enqueue(.open(recording: id, header: header))
    }

    /// Records typed input (not what is typed at a password prompt) and reports the lines.
    private func noteTyped(_ buffer: ByteBuffer) {
        let secret = lines.secretPending || lines.inSecret
        let found = lines.feed(buffer.readableBytesView)
        if let recordingID, !secret {
            let bytes = inputBytes.next(buffer)
            // A copy of its own, as for output (see deliver).
            if bytes.readableBytes > 0 { enqueueTerminal(.input(recording: recordingID, ByteBuffer(bytes: bytes.readableBytesView))) }
        }
        for line in found {
            session.countCommand()
            var fields: [String: AuditValue] = [AuditField.statement: .string(session.forTrail(line.text)), "class": "shell", "detected": true, AuditField.rule: .string(session.rule)]
            if line.truncated { fields["truncated"] = true }
            session.trail.enqueue(.event(session.event(.command, fields)))
        }
    }

    // MARK: Upstream → client

    func fromUpstream(_ data: SSHChannelData) {
        guard case .byteBuffer(let buffer) = data.data else { return }
        session.touch()
        switch kind {
        case .sftp where data.type == .channel:
            return sftpFromUpstream(buffer)
        case .sftp, .scp:
            // File data passes unmasked: a masker would corrupt it (see Docs/ssh.md).
            if data.type == .channel, !scpSaw(buffer, from: .server) { return }
            guard !gone else { return }
            writeToClient(data)
            return
        default:
            break
        }
        guard let engine = session.maskingEngine else { return deliver(buffer, type: data.type) }
        let stream = data.type == .stdErr ? UInt32(1) : 0
        var masker = maskers[stream] ?? engine.makeStreamingMasker()
        let bytes = masker.feed(buffer.readableBytesView)
        if masker.heldBytes > 0 { scheduleMaskFlush() }
        maskers[stream] = masker
        deliver(ByteBuffer(bytes: bytes), type: data.type)
    }

    private func deliver(_ buffer: ByteBuffer, type: SSHChannelData.DataType) {
        guard buffer.readableBytes > 0, !gone else { return }
        lines.noteOutput(buffer.readableBytesView)
        if let recordingID {
            let bytes = outputBytes.next(buffer)
            // A copy of its own: the received buffer is a slice of NIOSSH's packet buffer,
            // which the queue would otherwise keep alive.
            if bytes.readableBytes > 0 { enqueueTerminal(.output(recording: recordingID, ByteBuffer(bytes: bytes.readableBytesView))) }
        }
        writeToClient(SSHChannelData(type: type, data: .byteBuffer(buffer)))
    }

    /// Writes to the client and notes when that write has gone (see ``clientWrites``).
    @discardableResult
    func writeToClient(_ data: SSHChannelData, flush: Bool = true) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        if flush {
            client.writeAndFlush(data, promise: promise)
        } else {
            client.write(data, promise: promise)
        }
        clientWritten = promise.futureResult
        return promise.futureResult
    }

    /// Completes once everything written to the client so far has gone to its connection
    /// (or failed). NIOSSH sends a channel's close at once, ahead of writes still waiting for
    /// the client's window, and drops those: closing must wait for this, or a client that is
    /// behind loses the end of the output. (With reads paused for the trail, the server's
    /// last window of output arrives all at once when it closes the channel.)
    var clientWrites: EventLoopFuture<Void> {
        clientWritten ?? eventLoop.makeSucceededVoidFuture()
    }

    /// Queues terminal bytes for the recording. Past the trail's high-water mark, reads from
    /// both sides pause (on top of back-pressure) until the recorder has caught up to its
    /// low-water mark: the terminal then runs at the recorder's pace, and the output waiting
    /// for it stays bounded. What was read before the pause still goes to both.
    private func enqueueTerminal(_ item: SSHTrailWriter.Item) {
        guard session.trail.enqueue(item), !trailFull else { return }
        trailFull = true
        updateReading()
        session.trail.whenRelieved {
            self.eventLoop.execute {
                self.trailFull = false
                self.updateReading()
            }
        }
    }

    private func scheduleMaskFlush() {
        guard maskFlush == nil else { return }
        maskFlush = eventLoop.scheduleTask(in: .milliseconds(50)) {
            self.maskFlush = nil
            self.flushMaskers()
        }
    }

    /// Passes on what the maskers hold back (output paused, or the stream ends).
    private func flushMaskers() {
        for stream in maskers.keys.sorted() {
            guard var masker = maskers[stream] else { continue }
            let out = masker.flush()
            maskers[stream] = masker
            deliver(ByteBuffer(bytes: out), type: stream == 1 ? .stdErr : .channel)
        }
    }

    func upstreamReplied(_ success: Bool) {
        reply(replies.upstreamAnswered(success))
    }

    func upstreamExited(_ event: any Sendable, outcome: [String: AuditValue]) {
        flushMaskers()
        if let running {
            var fields = outcome
            fields["command_seq"] = .int(running.seq)
            fields[AuditField.durationMS] = .double(Double((NIODeadline.now() - running.started).nanoseconds) / 1_000_000)
            session.trail.enqueue(.event(session.event(.commandOutcome, fields)))
            self.running = nil
        }
        client.triggerUserOutboundEvent(event, promise: nil)
    }

    func upstreamRequest(_ event: any Sendable) {
        client.triggerUserOutboundEvent(event, promise: nil)
    }

    func upstreamEOF() {
        flushMaskers()
        client.close(mode: .output, promise: nil)
    }

    func upstreamClosed() {
        flushMaskers()
        transferEnded()
        clientWrites.whenComplete { _ in self.client.close(promise: nil) }
    }

    /// Back-pressure: a side that cannot take more stops the other side's reads (and the
    /// client's reads also wait while an SFTP request is decided). A full trail stops both
    /// (``enqueueTerminal(_:)``); a side reads only when nothing holds it.
    func writabilityChanged(ofClient: Bool) {
        if ofClient {
            updateUpstreamReading()
        } else {
            updateClientReading()
        }
    }

    private func updateReading() {
        updateUpstreamReading()
        updateClientReading()
    }

    private func updateUpstreamReading() {
        guard let upstream else { return }
        Self.setReading(upstream, client.isWritable && !trailFull)
    }

    func updateClientReading() {
        guard let upstream else { return }
        Self.setReading(client, upstream.isWritable && !clientReadsHeld && !trailFull)
    }

    private static func setReading(_ channel: any Channel, _ reading: Bool) {
        channel.setOption(ChannelOptions.autoRead, value: reading).whenSuccess {
            if reading { channel.read() }
        }
    }

    // MARK: End

    /// The client's channel closed (or its connection): close upstream, end the recording.
    func clientGone() {
        guard !gone else { return }
        gone = true
        maskFlush?.cancel()
        transferEnded()
        upstream?.close(promise: nil)
        if let recordingID {
            if let rest = outputBytes.finish() { session.trail.enqueue(.output(recording: recordingID, rest)) }
            session.trail.enqueue(.close(recording: recordingID))
        }
        session.remove(self)
    }
}
