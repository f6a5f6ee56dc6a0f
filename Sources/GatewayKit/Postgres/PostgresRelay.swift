import AuditCore
import Foundation
import NIOCore
import PolicyEngine
import ProtocolParsers

/// The relay phase of a PostgreSQL session: client → upstream with write-ahead audit and
/// policy, upstream → client with masking and outcomes, a watchdog for timeouts and
/// terminate, and a writer for outcome events. The first of them to finish ends the session.
struct PostgresRelay: Sendable {
    let session: PostgresSession
    let identity: Identity
    let connection: ConnectionEntry
    let state: PostgresRelayState
    /// The session's masking profile (from the policy), if any.
    let maskingEngine: MaskingEngine?
    /// What the policy set for this session when it opened.
    let settings: SessionSettings
    /// Where to cancel the upstream's running statement when the gateway ends the session.
    let upstreamCancelTarget: SessionRegistry.CancelTarget?

    init(session: PostgresSession, identity: Identity, connection: ConnectionEntry, state: PostgresRelayState,
         settings: SessionSettings = SessionSettings(), maskingEngine: MaskingEngine? = nil, upstreamCancelTarget: SessionRegistry.CancelTarget? = nil) {
        self.session = session
        self.identity = identity
        self.connection = connection
        self.state = state
        self.settings = settings
        self.maskingEngine = maskingEngine
        self.upstreamCancelTarget = upstreamCancelTarget
    }

    private var context: PostgresSessionContext { session.context }

    /// Both connections are closed as soon as either direction ends, so that nothing stays
    /// blocked on the other. The session runs on the client connection's event loop, which
    /// the upstream connection shares.
    func run(clientReader: PostgresFrameReader<PostgresFrontendMessageDecoder>, client: ChannelByteStream,
             upstreamReader: PostgresFrameReader<PostgresBackendMessageDecoder>, upstream: ChannelByteStream) async throws {
        let recorder = RecordingWriter(sessionID: session.id, directory: context.recordings, store: context.store,
                                       header: AsciicastHeader(width: 120, height: 40, timestamp: Date(), title: "postgres \(connection.name) \(session.id)", env: nil),
                                       identity: identity, connection: connection.name, protocol: "postgres")
        state.touch()  // the idle clock starts when the client can send, not when the session began
        // Outcomes are stored after the fact: with the next statement, or by a timer on this
        // session's event loop when no statement comes soon (see PendingOutcomes).
        let outcomes = PendingOutcomes(eventLoop: client.channel.eventLoop, store: context.store)
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var reader = clientReader
                try await clientToUpstream(&reader, client: client, upstream: upstream, recorder: recorder, outcomes: outcomes)
            }
            group.addTask {
                var reader = upstreamReader
                try await upstreamToClient(&reader, client: client, recorder: recorder, outcomes: outcomes)
            }
            group.addTask { try await watchdog(client: client) }
            do {
                try await group.next()
            } catch {
                state.end("error")
                context.logger.debug("postgres relay ended with error", metadata: ["session": "\(session.id)", "error": "\(error)"])
            }
            group.cancelAll()
            for connection in [client, upstream] {
                connection.close()
            }
            while let result = await group.nextResult() {
                if case .failure(let error) = result, !(error is CancellationError) {
                    context.logger.trace("relay task ended", metadata: ["error": "\(error)"])
                }
            }
        }
        await outcomes.finish()
        try? await recorder.finish()
    }

    // MARK: Client → upstream

    /// A statement as Parse named it, with the lexing rule the server parsed it under.
    private struct Prepared {
        var text: String
        var backslashEscapes: Bool
    }

    private struct Portal {
        var statementName: String
        var statement: String
        var backslashEscapes = false
        var parameters: [AuditValue]
        var resultFormats: [PostgresFormat]
    }

    private func clientToUpstream(_ reader: inout PostgresFrameReader<PostgresFrontendMessageDecoder>, client: ChannelByteStream,
                                  upstream: ChannelByteStream, recorder: RecordingWriter, outcomes pending: PendingOutcomes) async throws {
        var statements: [String: Prepared] = [:]
        var portals: [String: Portal] = [:]
        var discardUntilSync: ByteBuffer?
        let sync = PostgresUpstream.encode(.sync)
        let batcher = context.auditBatchers.batcher(for: client.channel.eventLoop)
        while true {
            let batch: [PostgresFrameReader<PostgresFrontendMessageDecoder>.Frame]
            do {
                guard let next = try await reader.nextBatch() else {
                    state.end("client_disconnected")
                    return
                }
                batch = next
            } catch let error as PostgresWireError {
                state.end("protocol_error")
                try? await client.write(PostgresWire.fatal("08P01", "invalid message from the client: \(error)"))
                return
            } catch is CancellationError {
                throw CancellationError()  // the session is ending for another reason
            } catch {
                // The client's connection failed (reset): there is no one left to tell.
                state.end("client_disconnected")
                return
            }
            state.touch()
            var forward: [ByteBuffer] = []
            forward.reserveCapacity(batch.count)
            var trackerOps: [TrackerOp] = []
            var lexing: PostgresRelayState.Lexing?  // read once per batch, when needed

            var terminating = false
            messages: for (message, bytes) in batch {
                if let denial = discardUntilSync {
                    if case .sync = message {
                        forward.append(sync)
                        trackerOps.append(.ready(inject: denial))
                        discardUntilSync = nil
                    }
                    continue
                }
                switch message {
                case .query(let sql):
                    let mode = lexing ?? state.lexing()
                    lexing = mode
                    // Earlier messages of this batch run first on the server, and may change the lexing too.
                    guard let pieces = Self.statements(of: sql, backslashEscapes: mode.backslashEscapes, settled: mode.settled && forward.isEmpty) else {
                        trackerOps.append(.audit(denialEvent(sql, rule: Self.ambiguousLexingRule, reason: Self.ambiguousLexingReason)))
                        forward.append(sync)
                        trackerOps.append(.ready(inject: PostgresWire.error("ERROR", "0A000", "the gateway refuses this query: \(Self.ambiguousLexingReason)",
                                                                           hint: "send it again once the commands before it have completed")))
                        continue
                    }
                    var events: [AuditEvent] = []
                    var denied: (String, String, String)?
                    for piece in pieces {
                        let info = SQLClassifier.classify(piece.text, dialect: .postgres, backslashEscapes: mode.backslashEscapes)
                        switch await decide(piece.text, info) {
                        case .allow(let rule): events.append(commandEvent(piece.text, commandClass: info.commandClass.rawValue, tables: info.tables, rule: rule, parameters: nil))
                        case .refuse(let rule, let reason): denied = (piece.text, rule, reason)
                        }
                        if denied != nil { break }
                    }
                    if let (statement, rule, reason) = denied {
                        trackerOps.append(.audit(denialEvent(statement, rule: rule, reason: reason)))
                        forward.append(sync)
                        trackerOps.append(.ready(inject: policyDenial(rule: rule, reason: reason)))
                    } else {
                        for event in events { trackerOps.append(.command(event, statementText(event), statementName: nil, formats: [])) }
                        trackerOps.append(.ready(inject: nil))
                        forward.append(bytes)
                    }
                case .parse(let parse):
                    let mode = lexing ?? state.lexing()
                    lexing = mode
                    statements[parse.statementName] = Prepared(text: parse.query, backslashEscapes: mode.backslashEscapes)
                    forward.append(bytes)
                case .bind(let bind):
                    let prepared = statements[bind.statementName]
                    portals[bind.portalName] = Portal(statementName: bind.statementName, statement: prepared?.text ?? "", backslashEscapes: prepared?.backslashEscapes ?? false,
                                                      parameters: parameterValues(bind), resultFormats: bind.resultFormats)
                    forward.append(bytes)
                case .execute(let execute):
                    let portal = portals[execute.portalName] ?? Portal(statementName: "", statement: "", parameters: [], resultFormats: [])
                    let info = SQLClassifier.classify(portal.statement, dialect: .postgres, backslashEscapes: portal.backslashEscapes)
                    switch await decide(portal.statement, info) {
                    case .allow(let rule):
                        let event = commandEvent(portal.statement, commandClass: info.commandClass.rawValue, tables: info.tables, rule: rule, parameters: portal.parameters)
                        trackerOps.append(.command(event, portal.statement, statementName: portal.statementName, formats: portal.resultFormats))
                        forward.append(bytes)
                    case .refuse(let rule, let reason):
                        trackerOps.append(.audit(denialEvent(portal.statement, rule: rule, reason: reason)))
                        discardUntilSync = policyDenial(rule: rule, reason: reason)
                    }
                case .close(let target):
                    switch target {
                    case .statement(let name): statements[name] = nil
                    case .portal(let name): portals[name] = nil
                    }
                    forward.append(bytes)
                case .sync:
                    trackerOps.append(.ready(inject: nil))
                    forward.append(bytes)
                case .functionCall(let call):
                    let text = "-- function call: oid \(call.functionOID) with \(call.arguments.count) argument(s)"
                    // A function call's side effects are unknown: it counts as a write.
                    switch await decide(text, SQLStatementInfo(commandClass: .write, verb: "FUNCTION CALL")) {
                    case .allow(let rule):
                        trackerOps.append(.command(commandEvent(text, commandClass: "write", tables: [], rule: rule, parameters: nil), text, statementName: nil, formats: []))
                        trackerOps.append(.ready(inject: nil))
                        forward.append(bytes)
                    case .refuse(let rule, let reason):
                        trackerOps.append(.audit(denialEvent(text, rule: rule, reason: reason)))
                        forward.append(sync)
                        trackerOps.append(.ready(inject: policyDenial(rule: rule, reason: reason)))
                    }
                case .terminate:
                    // Forwarded after the batch's events are stored, like everything before
                    // it: a Query and a Terminate in one packet must not skip the trail.
                    state.end("client_quit")
                    forward.append(bytes)
                    terminating = true
                    break messages
                case .describe(let target):
                    switch target {
                    case .statement(let name): trackerOps.append(.describe(statement: name))
                    case .portal: trackerOps.append(.describe(statement: nil))
                    }
                    forward.append(bytes)
                case .copyData, .copyDone, .copyFail, .flush:
                    forward.append(bytes)
                case .password, .startup, .sslRequest, .gssEncRequest, .cancelRequest:
                    state.end("protocol_error")
                    try? await client.write(PostgresWire.fatal("08P01", "unexpected message after startup"))
                    return
                }
            }

            // Write-ahead: every event of this batch is stored, in one commit, before any of
            // it is forwarded. A denial's event shares the commit: if the trail cannot take
            // it, the session ends too (fail closed). Earlier statements' outcomes ride along,
            // and so do the other sessions of this event loop that have statements waiting.
            var events: [AuditEvent] = []
            var transcript: [String] = []
            for op in trackerOps {
                switch op {
                case .command(let event, _, _, _):
                    events.append(event)
                    transcript.append(statementText(event))
                case .audit(let event):
                    events.append(event)
                    transcript.append("denied: " + statementText(event))
                case .ready, .describe:
                    break
                }
            }
            var auditSeqs: [Int64] = []
            if !events.isEmpty {
                let carried = pending.takeAll()
                let records: ArraySlice<AuditRecord>
                do {
                    records = try await batcher.append(contentsOf: carried + events).dropFirst(carried.count)
                } catch {
                    state.end("audit_unavailable")
                    try? await client.write(PostgresWire.fatal("58000", "the audit trail cannot record this statement, so the gateway refuses it and ends the session (fail closed)"))
                    return
                }
                auditSeqs = zip(records, events).compactMap { record, event in event.type == .command ? record.seq : nil }
                if settings.recording { for line in transcript { try? await recorder.marker(line) } }
            }
            var seqs = auditSeqs.makeIterator()
            let now = NIODeadline.now()
            state.inner.withLockedValue { inner in
                for op in trackerOps {
                    switch op {
                    case .command(_, let text, let statementName, let formats):
                        let columns = statementName.flatMap { inner.statementColumns[$0] }
                        inner.tracker.commandForwarded(.init(auditSeq: seqs.next() ?? 0, statement: text, started: now, columns: columns, formats: formats))
                        inner.commandCount += 1
                    case .describe(let statement):
                        inner.tracker.describeForwarded(statement: statement)
                    case .ready(let inject):
                        inner.tracker.readyExpected(inject: inject)
                    case .audit:
                        break
                    }
                }
            }
            if !forward.isEmpty { try await upstream.write(contentsOf: forward) }
            if terminating { return }
        }
    }

    private enum TrackerOp {
        case command(AuditEvent, String, statementName: String?, formats: [PostgresFormat])
        case describe(statement: String?)
        case audit(AuditEvent)
        case ready(inject: ByteBuffer?)
    }

    static let ambiguousLexingRule = "gateway:ambiguous-lexing"
    static let ambiguousLexingReason = "commands sent before it may still change standard_conforming_strings, "
        + "and its statements end in different places with and without backslash escapes"

    /// The statements of a simple Query, split as the server will split them: with backslash
    /// escapes in `'...'` literals when `standard_conforming_strings` is off. nil when that
    /// cannot be known: the setting is not `settled` (earlier commands are still on their way
    /// and may change it) and the two ways of lexing `sql` disagree. Guessing could hide a
    /// statement from the audit and the policy: `select 'a\''; delete from t; --'` is one
    /// statement without escapes and two with them.
    static func statements(of sql: String, backslashEscapes: Bool, settled: Bool) -> [SQLStatement]? {
        if !settled, sql.utf8.contains(UInt8(ascii: "\\")),
           SQLLexer(dialect: .postgres, backslashEscapes: true).tokens(sql) != SQLLexer(dialect: .postgres, backslashEscapes: false).tokens(sql) {
            return nil
        }
        return SQLStatementSplitter.split(sql, dialect: .postgres, backslashEscapes: backslashEscapes)
    }

    /// What the relay does with one statement.
    private enum Verdict {
        case allow(rule: String)
        case refuse(rule: String, reason: String)
    }

    /// Asks the policy about one statement, with the grants the identity holds now. A
    /// statement that needs approval is refused, and an access request for exactly it is
    /// filed (or found, if the client retries) so the message can name it.
    private func decide(_ statement: String, _ info: SQLStatementInfo) async -> Verdict {
        let request = PolicyRequest(identity: identity, connection: connection.name, protocol: "postgres", command: statement,
                                    commandClass: info.commandClass.rawValue, objects: info.tables, riskFlags: info.flags,
                                    grants: context.access.grants(subject: identity.subject, connection: connection.name))
        let verdict = context.policy.decide(request)
        switch verdict.decision {
        case .allow(let rule):
            // A grant that lets a require-approval rule through is named with the rule.
            return .allow(rule: verdict.grant.map { "\(rule) (grant \($0.requestID))" } ?? rule)
        case .deny(let rule, let reason):
            return .refuse(rule: rule, reason: reason)
        case .requireApproval(let rule, let reason, let requirement):
            do {
                let filed = try await context.access.create(identity: identity, connection: connection.name, statement: statement,
                                                            duration: AccessRequestStore.gatewayFiledDuration, reason: "requested by the gateway: \(reason)",
                                                            rule: rule, requirement: requirement)
                return .refuse(rule: rule, reason: "\(reason); approval needed: access request \(filed.id) is pending (an approver runs `\(filed.approveCommand)`), then run the statement again")
            } catch {
                return .refuse(rule: rule, reason: "\(reason); approval needed, but the access request could not be filed (\(error)); ask with `auditctl access request`")
            }
        }
    }


    /// `text` as the trail may hold it: with the session's masking profile applied (values
    /// its detectors find in literals and parameters are masked before they are stored).
    private func forTrail(_ text: String, counts: inout MaskingCounts) -> String {
        guard let maskingEngine else { return text }
        return maskingEngine.maskText(text, counts: &counts)
    }

    private func commandEvent(_ statement: String, commandClass: String, tables: [String], rule: String, parameters: [AuditValue]?) -> AuditEvent {
        var masked = MaskingCounts()
        let statement = forTrail(statement, counts: &masked)
        var fields: [String: AuditValue] = [
            AuditField.statement: .string(statement),
            "class": .string(commandClass),
            AuditField.decision: "allow",
            AuditField.rule: .string(rule),
        ]
        if !tables.isEmpty { fields["tables"] = .array(tables.map { .string($0) }) }
        if let parameters { fields["parameters"] = .array(parameters) }
        if let database = connection.database { fields["database"] = .string(database) }
        if !masked.isEmpty { fields["masked_in_text"] = .object(masked.byRule.mapValues { .int(Int64($0)) }) }
        return AuditEvent(type: .command, sessionID: session.id, identity: identity, connection: connection.name, protocol: "postgres", fields: fields)
    }

    /// The ErrorResponse a client gets for a statement the policy refused.
    private func policyDenial(rule: String, reason: String) -> ByteBuffer {
        PostgresWire.error("ERROR", "42501", "permission denied by policy (\(rule)): \(reason)")
    }

    private func denialEvent(_ statement: String, rule: String, reason: String) -> AuditEvent {
        var masked = MaskingCounts()
        let statement = forTrail(statement, counts: &masked)
        return AuditEvent(type: .policyDecision, sessionID: session.id, identity: identity, connection: connection.name, protocol: "postgres",
                   fields: [AuditField.statement: .string(statement), AuditField.decision: "deny", AuditField.rule: .string(rule), AuditField.reason: .string(reason)])
    }

    private func statementText(_ event: AuditEvent) -> String {
        if case .string(let text)? = event.fields[AuditField.statement] { return text }
        return ""
    }

    /// Bound parameters as the trail shows them: text values masked by the session's profile
    /// and then cut at 1 KiB (in that order, so a cut cannot split a secret), binary as a size.
    private func parameterValues(_ bind: PostgresFrontendMessage.Bind) -> [AuditValue] {
        var masked = MaskingCounts()
        return bind.parameters.enumerated().map { index, value in
            guard let value else { return .null }
            if bind.parameterFormat(at: index) == .binary { return .string("<binary \(value.readableBytes) bytes>") }
            let text = forTrail(String(buffer: value), counts: &masked)
            return .string(text.count > 1024 ? String(text.prefix(1024)) + "…" : text)
        }
    }

    // MARK: Upstream → client

    private func upstreamToClient(_ reader: inout PostgresFrameReader<PostgresBackendMessageDecoder>, client: ChannelByteStream,
                                  recorder: RecordingWriter, outcomes pending: PendingOutcomes) async throws {
        var masker = PostgresResultMasker(names: ColumnMasker(patterns: connection.maskColumns), engine: maskingEngine, connection: connection.name)
        var described = false  // whether the current result's columns are known
        var rows = 0
        while true {
            let batch: [PostgresFrameReader<PostgresBackendMessageDecoder>.Frame]
            do {
                guard let next = try await reader.nextBatch() else {
                    state.end("upstream_closed")
                    try? await client.write(PostgresWire.fatal("08006", "the upstream server closed the connection"))
                    return
                }
                batch = next
            } catch let error as PostgresWireError {
                state.end("upstream_protocol_error")
                try? await client.write(PostgresWire.fatal("08P01", "invalid message from the upstream server: \(error)"))
                return
            } catch is CancellationError {
                throw CancellationError()  // the session is ending for another reason
            } catch {
                // The connection itself failed (reset, TLS ended uncleanly): not the server's words.
                state.end("upstream_error")
                try? await client.write(PostgresWire.fatal("08006", "connection \(connection.name): the connection to the server failed: \(PostgresUpstream.transportFailure(error))"))
                return
            }
            var out: [ByteBuffer] = []
            out.reserveCapacity(batch.count)
            var outcomes: [AuditEvent] = []
            var transcript: [String] = []
            for (message, bytes) in batch {
                switch message {
                case .rowDescription(let description):
                    let names = description.fields.map(\.name)
                    let answered = state.inner.withLockedValue { inner -> String?? in
                        let target = inner.tracker.described()
                        if case .some(.some(let statement)) = target { inner.statementColumns[statement] = names }
                        return target
                    }
                    if case .some(.some) = answered {
                        // Describe of a statement: formats are not known until Bind.
                    } else {
                        masker.begin(names: names, formats: description.fields.map(\.format), columns: names.count)
                        described = true
                        rows = 0
                    }
                    out.append(bytes)
                case .noData:
                    _ = state.inner.withLockedValue { $0.tracker.described() }
                    out.append(bytes)
                case .dataRow(let row):
                    rows += 1
                    if !described, masker.isActive {
                        // No RowDescription for this result (extended protocol without a
                        // Describe of the portal): the formats are the ones the client asked
                        // for in Bind; the names, if an earlier Describe of the statement
                        // gave them (else the masker masks every column a rule could cover).
                        let command = state.inner.withLockedValue { $0.tracker.currentCommand }
                        masker.begin(names: command?.columns, formats: Self.resultFormats(command?.formats ?? [], columns: row.count), columns: row.count)
                        described = true
                    }
                    if let masked = masker.mask(row) {
                        out.append(PostgresWire.encode(.dataRow(.init(columns: masked))))
                    } else {
                        out.append(bytes)
                    }
                case .commandComplete(let tag):
                    if let (command, outcome) = state.inner.withLockedValue({ $0.tracker.completed(tag: tag) }) {
                        outcomes.append(outcomeEvent(command, outcome, rows: rows, masking: masker.counts))
                        transcript.append("-- \(tag)" + (masker.maskedValues > 0 ? " (\(masker.maskedValues) values masked)" : ""))
                    }
                    described = false
                    masker.endResult()
                    rows = 0
                    out.append(bytes)
                case .emptyQueryResponse:
                    if let (command, outcome) = state.inner.withLockedValue({ $0.tracker.completed(tag: "") }) {
                        outcomes.append(outcomeEvent(command, outcome, rows: 0, masking: MaskingCounts()))
                    }
                    out.append(bytes)
                case .functionCallResponse:
                    // A FunctionCall completes with its result instead of a CommandComplete.
                    if let (command, outcome) = state.inner.withLockedValue({ $0.tracker.completed(tag: "") }) {
                        outcomes.append(outcomeEvent(command, outcome, rows: 0, masking: MaskingCounts()))
                        transcript.append("-- function result")
                    }
                    out.append(bytes)
                case .parameterStatus(let status):
                    state.noteParameterStatus(status)
                    out.append(bytes)
                case .errorResponse(let error):
                    if let (command, outcome) = state.inner.withLockedValue({ $0.tracker.failed(sqlState: error.sqlState ?? "", message: error.message ?? "") }) {
                        outcomes.append(outcomeEvent(command, outcome, rows: rows, masking: masker.counts))
                        transcript.append("-- ERROR \(error.sqlState ?? ""): \(error.message ?? "")")
                    }
                    described = false
                    masker.endResult()
                    rows = 0
                    out.append(bytes)
                case .readyForQuery:
                    let (skipped, inject) = state.inner.withLockedValue { inner in
                        inner.lastActivity = .now()  // idle from here
                        return inner.tracker.ready()
                    }
                    for command in skipped { outcomes.append(outcomeEvent(command, .notExecuted, rows: 0, masking: MaskingCounts())) }
                    if let inject {
                        out.append(inject)
                        transcript.append("-- ERROR 42501: denied by policy")
                    }
                    described = false
                    out.append(bytes)
                default:
                    out.append(bytes)
                }
            }
            if !out.isEmpty { try await client.write(contentsOf: out) }
            pending.add(outcomes)
            if settings.recording { for line in transcript { try? await recorder.output(line + "\r\n") } }
        }
    }

    /// The format of each of `columns` result columns from Bind's result-format codes: none
    /// means all text, one applies to every column, else one code per column.
    static func resultFormats(_ codes: [PostgresFormat], columns: Int) -> [PostgresFormat] {
        switch codes.count {
        case 0: Array(repeating: .text, count: columns)
        case 1: Array(repeating: codes[0], count: columns)
        default: (0..<columns).map { $0 < codes.count ? codes[$0] : .binary }
        }
    }

    private func outcomeEvent(_ command: PostgresCommandTracker.Command, _ outcome: PostgresCommandTracker.Outcome, rows: Int, masking: MaskingCounts) -> AuditEvent {
        let elapsed = NIODeadline.now() - command.started
        var fields: [String: AuditValue] = [
            "command_seq": .int(command.auditSeq),
            AuditField.durationMS: .double(Double(elapsed.nanoseconds) / 1_000_000),
        ]
        switch outcome {
        case .completed(let tag):
            fields[AuditField.outcome] = "ok"
            fields["tag"] = .string(tag)
            fields[AuditField.rows] = .int(Int64(PostgresBackendMessage.rowCount(commandTag: tag) ?? rows))
        case .failed(let sqlState, let message):
            fields[AuditField.outcome] = "error"
            fields["sqlstate"] = .string(sqlState)
            fields["error"] = .string(message)
        case .notExecuted:
            fields[AuditField.outcome] = "not_executed"
        }
        // How many values were masked, by which rule — never the values.
        if !masking.isEmpty {
            fields["masked_values"] = .int(Int64(masking.total))
            fields["masked_by_rule"] = .object(masking.byRule.mapValues { .int(Int64($0)) })
        }
        return AuditEvent(type: .commandOutcome, sessionID: session.id, identity: identity, connection: connection.name, protocol: "postgres", fields: fields)
    }

    // MARK: Timeouts and terminate

    /// The stricter of the connection's limit and the policy's.
    static func tighter(_ a: TimeInterval?, _ b: TimeInterval?) -> TimeInterval? {
        switch (a, b) {
        case let (a?, b?): min(a, b)
        case let (a?, nil): a
        case let (nil, b?): b
        case (nil, nil): nil
        }
    }

    /// Ends the session on terminate, idle timeout, maximum duration or token expiry.
    ///
    /// A session is idle only while no command is in flight: a long statement is work, not
    /// idleness, and the idle clock restarts when the server reports ReadyForQuery. When the
    /// gateway ends a session mid-statement it also cancels that statement upstream: the
    /// server would otherwise run it to completion, as it notices a closed connection only
    /// when it next writes.
    private func watchdog(client: ChannelByteStream) async throws {
        let started = NIODeadline.now()
        // The same allowance the token verifier gives at connect time.
        let expiry = identity.expiresAt.addingTimeInterval(context.configuration.tokens.leeway)
        while true {
            try await Task.sleep(for: .milliseconds(200))
            let (termination, lastActivity, busy) = state.inner.withLockedValue { ($0.termination, $0.lastActivity, $0.tracker.pendingCount > 0) }
            let now = NIODeadline.now()
            var end: (reason: String, message: String)?
            if let termination {
                end = (termination.reason, termination.message)
            } else if let idle = Self.tighter(connection.idleTimeout, settings.idleTimeout), !busy, now - lastActivity > .milliseconds(Int64(idle * 1000)) {
                end = ("idle_timeout", "terminating connection: idle for more than \(Self.describe(seconds: idle))")
            } else if let maximum = Self.tighter(connection.maxDuration, settings.maxDuration), now - started > .milliseconds(Int64(maximum * 1000)) {
                end = ("max_duration", "terminating connection: the session reached its maximum duration of \(Self.describe(seconds: maximum))")
            } else if Date() >= expiry {
                end = ("token_expired", "terminating connection: your token expired")
            }
            if let end {
                state.end(end.reason)
                try? await client.write(PostgresWire.fatal("57P01", end.message))
                if busy, let target = upstreamCancelTarget {
                    await PostgresUpstream.cancel(target, group: context.group)
                }
                return
            }
        }
    }

    /// `1s`, `1.5s`, `90s`: how a configured duration reads in a message.
    static func describe(seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
