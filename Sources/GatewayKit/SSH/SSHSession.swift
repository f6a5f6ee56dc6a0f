import AuditCore
import Foundation
import NIOCore
import PolicyEngine

/// One admitted SSH connection: the client's connection, the gateway's own connection to
/// the server, the channels relayed between them, and everything the trail says about it.
///
/// All mutable state lives on the client channel's event loop (the upstream connection and
/// every child channel share it); ``terminate(_:)`` may be called from anywhere.
final class SSHSession: @unchecked Sendable {
    let id: String
    let context: SSHSessionContext
    let identity: Identity
    let connection: ConnectionEntry
    /// The login the gateway uses on the server.
    let login: String
    let settings: SessionSettings
    let maskingEngine: MaskingEngine?
    /// The policy rule that let the session open.
    let rule: String
    let client: any Channel
    let upstream: any Channel
    let trail: SSHTrailWriter
    var eventLoop: any EventLoop { client.eventLoop }
    /// The session's port forwards (`ssh -L`, `ssh -R`); event-loop state.
    private(set) lazy var forwarding = SSHPortForwarding(session: self)

    // Event-loop state.
    private var relays: [ObjectIdentifier: SSHChannelRelay] = [:]
    private var endReason: String?
    private var ending = false
    private var finished = false
    private var lastActivity = NIODeadline.now()
    private let started = NIODeadline.now()
    private var watchdog: RepeatedTask?
    private var commands = 0
    private var recordings = 0
    private let finishedPromise: EventLoopPromise<Void>

    init(id: String, context: SSHSessionContext, identity: Identity, connection: ConnectionEntry, login: String, settings: SessionSettings,
         maskingEngine: MaskingEngine?, rule: String, client: any Channel, upstream: any Channel) {
        self.id = id
        self.context = context
        self.identity = identity
        self.connection = connection
        self.login = login
        self.settings = settings
        self.maskingEngine = maskingEngine
        self.rule = rule
        self.client = client
        self.upstream = upstream
        self.finishedPromise = client.eventLoop.makePromise()
        let box = SSHSessionBox()
        trail = SSHTrailWriter(store: context.store, directory: context.recordings, identity: identity, connection: connection.name, logger: context.logger,
                              marks: context.trailMarks) { error in
            box.session?.terminate(.init(reason: "audit_unavailable", message: "terminating connection: the session recording cannot be stored, so the gateway ends the session (fail closed)"))
        }
        box.session = self
    }

    /// Resolves once `session.end` is stored.
    var ended: EventLoopFuture<Void> { finishedPromise.futureResult }

    /// Registers the session and starts its watchdog; call on the event loop.
    func start() {
        eventLoop.preconditionInEventLoop()
        context.registry.register(.init(id: id, identity: identity, connection: connection.name) { [weak self] termination in
            self?.terminate(termination)
        })
        watchdog = eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { [weak self] _ in
            self?.checkLimits()
        }
        upstream.closeFuture.whenComplete { [weak self] _ in
            guard let self else { return }
            self.claimEnd("upstream_closed")
            // The server's last output, still waiting for the client's window, goes first
            // (a client that no longer reads is not waited for long).
            let written = self.relays.values.map(\.clientWrites)
            let patience = self.eventLoop.scheduleTask(in: Self.noticeTimeout) { self.client.close(promise: nil) }
            EventLoopFuture.whenAllComplete(written, on: self.eventLoop).whenComplete { _ in
                patience.cancel()
                self.client.close(promise: nil)
            }
        }
        client.closeFuture.whenComplete { [weak self] _ in
            self?.finish()
        }
    }

    // MARK: Channels

    func add(_ relay: SSHChannelRelay) { relays[ObjectIdentifier(relay)] = relay }
    func remove(_ relay: SSHChannelRelay) { relays[ObjectIdentifier(relay)] = nil }

    /// The recording id for the next terminal: the session id for the first, then `ID.2`, ...
    func nextRecordingID() -> String {
        recordings += 1
        return recordings == 1 ? id : "\(id).\(recordings)"
    }

    func touch() { lastActivity = .now() }

    func countCommand() { commands += 1 }

    // MARK: Policy and events

    /// The policy's decision on a command of this session.
    func decide(_ command: String, commandClass: String, objects: [String] = []) -> PolicyVerdict {
        context.policy.decide(PolicyRequest(identity: identity, connection: connection.name, protocol: "ssh", command: command, commandClass: commandClass,
                                            objects: objects, grants: context.access.grants(subject: identity.subject, connection: connection.name)))
    }

    /// `text` as the trail may hold it: with the session's masking profile applied.
    func forTrail(_ text: String) -> String {
        guard let maskingEngine else { return text }
        var counts = MaskingCounts()
        return maskingEngine.maskText(text, counts: &counts)
    }

    func event(_ type: AuditEventType, _ fields: [String: AuditValue]) -> AuditEvent {
        AuditEvent(type: type, sessionID: id, identity: identity, connection: connection.name, protocol: "ssh", fields: fields)
    }

    /// Whether a client may pass environment variable `name` upstream.
    func allowsEnvironment(_ name: String) -> Bool {
        connection.allowedEnvironment.contains { pattern in
            pattern.hasSuffix("*") ? name.hasPrefix(pattern.dropLast()) : name == pattern
        }
    }

    // MARK: Ending

    /// Ends the session for `termination` (terminate, revocation, lease lapse, limits):
    /// the client's terminals are told why, then both connections close.
    func terminate(_ termination: SessionRegistry.Termination) {
        eventLoop.execute { self.end(reason: termination.reason, message: termination.message) }
    }

    private func end(reason: String, message: String) {
        guard !ending else { return }
        ending = true
        claimEnd(reason)
        let notices = relays.values.map { $0.tellClient(message) }
        // A client that no longer reads (its window full) never takes the notice: it goes anyway.
        let patience = eventLoop.scheduleTask(in: Self.noticeTimeout) { self.close() }
        EventLoopFuture.whenAllComplete(notices, on: eventLoop).whenComplete { _ in
            patience.cancel()
            self.close()
        }
    }

    /// How long an ending session waits for its clients to take the reason.
    static let noticeTimeout = TimeAmount.seconds(2)

    private func close() {
        upstream.close(promise: nil)
        client.close(promise: nil)
    }

    private func claimEnd(_ reason: String) {
        if endReason == nil { endReason = reason }
    }

    private func checkLimits() {
        let now = NIODeadline.now()
        let expiry = identity.expiresAt.addingTimeInterval(context.configuration.tokens.leeway)
        if let idle = PostgresRelay.tighter(connection.idleTimeout, settings.idleTimeout), now - lastActivity > .milliseconds(Int64(idle * 1000)) {
            end(reason: "idle_timeout", message: "terminating connection: idle for more than \(PostgresRelay.describe(seconds: idle))")
        } else if let maximum = PostgresRelay.tighter(connection.maxDuration, settings.maxDuration), now - started > .milliseconds(Int64(maximum * 1000)) {
            end(reason: "max_duration", message: "terminating connection: the session reached its maximum duration of \(PostgresRelay.describe(seconds: maximum))")
        } else if Date() >= expiry {
            end(reason: "token_expired", message: "terminating connection: your token expired")
        }
    }

    /// The client's connection has closed: close the upstream one, store what is pending and
    /// `session.end`.
    private func finish() {
        guard !finished else { return }
        finished = true
        claimEnd("client_disconnected")
        watchdog?.cancel()
        upstream.close(promise: nil)
        for relay in relays.values { relay.clientGone() }
        forwarding.sessionEnded()
        relays.removeAll()
        context.registry.remove(id)
        let fields: [String: AuditValue] = [AuditField.reason: .string(endReason ?? "client_disconnected"), "commands": .int(Int64(commands))]
        let end = event(.sessionEnd, fields)
        let store = context.store, trail = self.trail, promise = finishedPromise
        Task {
            await trail.finish()
            _ = try? await store.append(end)
            promise.succeed(())
        }
    }
}

/// Lets the trail writer's failure callback reach the session made after it.
private final class SSHSessionBox: @unchecked Sendable {
    weak var session: SSHSession?
}
