import AuditCore
import NIOCore
import NIOSSH
import PolicyEngine

/// A session's port forwarding: `direct-tcpip` channels (`ssh -L`), `tcpip-forward`
/// requests (`ssh -R`) and the `forwarded-tcpip` channels the server opens for them.
///
/// Each forward is decided by the policy (class `forward`; object `HOST:PORT` for a
/// destination, `remote:HOST:PORT` for a port the server listens on) and its `command`
/// event is stored before anything is opened: a refusal, or a trail that cannot take the
/// event, opens nothing. The server does the connecting and the listening, so destinations
/// are as the server sees them. Lives on the session's event loop.
final class SSHPortForwarding: @unchecked Sendable {
    /// A port the server listens on for the client (`tcpip-forward`).
    private struct Listener {
        var host: String
        var port: Int
        /// The port the server chose, when the client asked for port 0.
        var boundPort: Int?
        var commandSeq: Int64
        var started: NIODeadline
        var connections: Int64 = 0
        var listeningPort: Int { boundPort ?? port }
    }

    /// Why a forward was not opened (stored in the trail; SSH has no way to show it).
    struct Refusal: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }

    /// The rule named when the policy allows a remote forward without naming it by object.
    static let remoteForwardingRule = "gateway:ssh-remote-forwarding"

    unowned let session: SSHSession
    private var relays: [ObjectIdentifier: SSHForwardRelay] = [:]
    private var listeners: [Listener] = []
    private var ended = false

    init(session: SSHSession) {
        self.session = session
    }

    private var eventLoop: any EventLoop { session.eventLoop }

    /// `host:port` (an IPv6 address in brackets), the form policy objects take.
    static func address(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    // MARK: Local forwarding (ssh -L)

    /// A `direct-tcpip` channel the client asks for: decided, stored, then opened on the
    /// upstream connection to the same destination. Completes when both are joined (the
    /// client's channel then opens); fails when refused or the server cannot connect.
    func openDirect(_ child: any Channel, target: SSHChannelType.DirectTCPIP) -> EventLoopFuture<Void> {
        let destination = Self.address(target.targetHost, target.targetPort)
        let fields: [String: AuditValue] = [
            "forward": "direct-tcpip", "host": .string(target.targetHost), "port": .int(Int64(target.targetPort)),
            "originator": .string(PostgresSession.describe(target.originatorAddress)),
        ]
        return admit("direct-tcpip \(destination)", object: destination, byObjectOnly: false, fields: fields).flatMap { seq in
            self.join(child, as: .client, seq: seq, opening: .directTCPIP(target), failure: "the server could not open \(destination)")
        }
    }

    // MARK: Remote forwarding (ssh -R)

    /// A `tcpip-forward` or `cancel-tcpip-forward` global request from the client.
    func request(_ request: GlobalRequest.TCPForwardingRequest, promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>) {
        switch request {
        case .listen(let host, let port): listen(host: host, port: port, promise: promise)
        case .cancel(let host, let port): cancel(host: host, port: port, promise: promise)
        }
    }

    private func listen(host: String, port: Int, promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>) {
        let address = Self.address(host, port)
        let fields: [String: AuditValue] = ["forward": "tcpip-forward", "host": .string(host), "port": .int(Int64(port))]
        admit("tcpip-forward \(address)", object: "remote:" + address, byObjectOnly: true, fields: fields).flatMap { seq in
            let started = NIODeadline.now()
            let answer = self.eventLoop.makePromise(of: GlobalRequest.TCPForwardingResponse?.self)
            do {
                try SSHRemoteForwardRoute.install(on: self.session.upstream, forwarding: self)
                try self.session.upstream.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                    .sendTCPForwardingRequest(.listen(host: host, port: port), promise: answer)
            } catch {
                answer.fail(error)
            }
            return answer.futureResult.map { response in
                self.listeners.append(Listener(host: host, port: port, boundPort: response?.boundPort, commandSeq: seq, started: started))
                return response ?? GlobalRequest.TCPForwardingResponse(boundPort: nil)
            }.flatMapErrorThrowing { error in
                self.recordOutcome(seq, started: started, outcome: "error", ["error": .string("the server refused to listen on \(address): \(error)")])
                throw error
            }
        }.cascade(to: promise)
    }

    private func cancel(host: String, port: Int, promise: EventLoopPromise<GlobalRequest.TCPForwardingResponse>) {
        guard let index = listeners.firstIndex(where: { $0.host == host && $0.listeningPort == port }) else {
            promise.fail(Refusal(message: "no forward listens on \(Self.address(host, port))"))
            return
        }
        let listener = listeners.remove(at: index)
        let answer = eventLoop.makePromise(of: GlobalRequest.TCPForwardingResponse?.self)
        do {
            try session.upstream.pipeline.syncOperations.handler(type: NIOSSHHandler.self).sendTCPForwardingRequest(.cancel(host: host, port: port), promise: answer)
        } catch {
            answer.fail(error)
        }
        answer.futureResult.whenComplete { _ in self.listenerEnded(listener) }
        answer.futureResult.map { _ in GlobalRequest.TCPForwardingResponse(boundPort: nil) }.cascade(to: promise)
    }

    /// A `forwarded-tcpip` channel the server opened for a port it listens on: decided and
    /// stored like a local forward, then opened on the client's connection.
    func acceptForwarded(_ child: any Channel, info: SSHChannelType.ForwardedTCPIP) -> EventLoopFuture<Void> {
        guard !ended, let index = listeners.firstIndex(where: { $0.listeningPort == info.listeningPort }) else {
            return eventLoop.makeFailedFuture(Refusal(message: "the client forwards no port \(info.listeningPort)"))
        }
        listeners[index].connections += 1
        let listener = listeners[index]
        let address = Self.address(listener.host, listener.port)
        let originator = PostgresSession.describe(info.originatorAddress)
        let fields: [String: AuditValue] = [
            "forward": "forwarded-tcpip", "host": .string(listener.host), "port": .int(Int64(info.listeningPort)),
            "originator": .string(originator), "listener_seq": .int(listener.commandSeq),
        ]
        return admit("forwarded-tcpip \(address) from \(originator)", object: "remote:" + address, byObjectOnly: true, fields: fields).flatMap { seq in
            self.join(child, as: .server, seq: seq, opening: .forwardedTCPIP(info), failure: "the client did not take the connection to \(address)")
        }
    }

    // MARK: Policy and trail

    /// Decides a forward and stores its `command` event before anything is opened; returns
    /// the event's sequence number. A refusal is stored as a `policy.decision` and fails.
    ///
    /// - Parameter byObjectOnly: Only an allow that names the object counts: the rule that
    ///   allowed must not also allow the same forward without an object (the rule that
    ///   opened the connection does). Remote forwarding opens a port on the server.
    private func admit(_ statement: String, object: String, byObjectOnly: Bool, fields: [String: AuditValue]) -> EventLoopFuture<Int64> {
        guard !ended else { return eventLoop.makeFailedFuture(Refusal(message: "the session is ending")) }
        let verdict = session.decide(statement, commandClass: "forward", objects: [object])
        var decision = verdict.decision
        if byObjectOnly, case .allow(let rule) = decision, session.decide(statement, commandClass: "forward").decision == .allow(rule: rule) {
            decision = .deny(rule: Self.remoteForwardingRule,
                             reason: "remote port forwarding needs a policy rule that allows it by object (class forward, objects [\"remote:HOST:PORT\"]); \(rule) allows it without naming one")
        }
        var fields = fields
        fields[AuditField.statement] = .string(statement)
        fields["class"] = "forward"
        fields["object"] = .string(object)
        fields[AuditField.rule] = .string(decision.rule)
        if decision.isAllowed, let grant = verdict.grant { fields["grant"] = .string(grant.requestID) }
        let store = session.context.store
        switch decision {
        case .allow:
            fields[AuditField.decision] = "allow"
            let event = session.event(.command, fields)
            session.countCommand()
            return eventLoop.makeFutureWithTask { try await store.append(event).seq }.flatMapErrorThrowing { _ in
                throw Refusal(message: "the audit trail cannot record this forward, so the gateway refuses it (fail closed)")
            }
        case .deny(let rule, let reason), .requireApproval(let rule, let reason, _):
            fields[AuditField.decision] = "deny"
            fields[AuditField.reason] = .string(reason)
            let event = session.event(.policyDecision, fields)
            let refusal = Refusal(message: "forward denied by policy (\(rule)): \(reason)")
            session.context.logger.info("ssh forward refused", metadata: ["session": "\(session.id)", "forward": "\(statement)", "rule": "\(rule)"])
            return eventLoop.makeFutureWithTask { _ = try? await store.append(event) }.flatMapThrowing { throw refusal }
        }
    }

    private func recordOutcome(_ seq: Int64, started: NIODeadline, outcome: String, _ extra: [String: AuditValue]) {
        var fields = extra
        fields["command_seq"] = .int(seq)
        fields[AuditField.outcome] = .string(outcome)
        fields[AuditField.durationMS] = .double(Double((NIODeadline.now() - started).nanoseconds) / 1_000_000)
        session.trail.enqueue(.event(session.event(.commandOutcome, fields)))
    }

    private func listenerEnded(_ listener: Listener) {
        var fields: [String: AuditValue] = ["connections": .int(listener.connections)]
        if let bound = listener.boundPort { fields["bound_port"] = .int(Int64(bound)) }
        recordOutcome(listener.commandSeq, started: listener.started, outcome: "ok", fields)
    }

    // MARK: Channels

    /// Joins `accepted` (a channel the client or the server opened) to a channel of `type`
    /// the gateway opens for it on the other connection: the upstream's for a local forward,
    /// the client's for a remote one. Completes once both are open.
    private func join(_ accepted: any Channel, as side: SSHForwardRelay.Side, seq: Int64, opening type: SSHChannelType,
                      failure: String) -> EventLoopFuture<Void> {
        let relay = SSHForwardRelay(session: session, commandSeq: seq) { [weak self] relay in
            self?.relays[ObjectIdentifier(relay)] = nil
        }
        relays[ObjectIdentifier(relay)] = relay
        let (otherSide, connection) = side == .client ? (SSHForwardRelay.Side.server, session.upstream) : (.client, session.client)
        let promise = eventLoop.makePromise(of: (any Channel).self)
        do {
            try relay.attach(accepted, as: side, opened: false)
            let ssh = try connection.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
            ssh.createChannel(promise, channelType: type) { channel, _ in
                channel.eventLoop.makeCompletedFuture { try relay.attach(channel, as: otherSide, opened: true) }
            }
        } catch {
            promise.fail(error)
        }
        return promise.futureResult.map { _ in () }.flatMapErrorThrowing { error in
            relay.failed("\(failure): \(error)")
            throw error
        }
    }

    /// The session is ending: every forward's outcome is written now (before `session.end`).
    func sessionEnded() {
        guard !ended else { return }
        ended = true
        for relay in Array(relays.values) { relay.sessionEnded() }
        relays.removeAll()
        for listener in listeners { listenerEnded(listener) }
        listeners.removeAll()
    }
}
