import AuditCore
import Foundation

/// Builds a ``SessionTree`` from what the trail holds for one subject: its `token.exchanged`
/// records and the `token.issued` records of the SSH certificates it was issued, its
/// sessions and (per session) its `command` records. Pure: no store, no clock.
///
/// Where a token hangs:
/// - an exchanged token, or an SSH certificate, under its `parent_token_id` (the token that
///   asked for it);
/// - a token without a `token.exchanged` event (the session's token, or a parent named by an
///   exchange) directly under the subject, as a root token; its chain and depth come from
///   its sessions, else from a token exchanged from it, minus that token's actor;
/// - an exchanged token whose parent had no id directly under the subject too.
///
/// Siblings are ordered by when they were first seen (exchange, or first session), then id.
/// Honest events cannot form a parent cycle; if stored ones do, the cycle is cut where it
/// is first entered and its tokens still appear.
public struct SessionTreeBuilder: Sendable {
    public let subject: String
    /// Set by the caller when the sessions it passed were cut at a query's limit.
    public var sessionsTruncated = false

    /// Every token, without sessions or children.
    private var tokens: [String: SessionTree.TokenNode] = [:]
    private var children: [String: [String]] = [:]
    private var roots: [String] = []
    private var sessionsByToken: [String: [SessionRecord]] = [:]
    private var sessionsWithoutToken: [SessionRecord] = []

    /// - Parameters:
    ///   - exchanges: `token.exchanged` records and SSH certificates' `token.issued` records;
    ///     others, and those of other subjects, are ignored.
    ///   - sessions: the subject's sessions, in any order; those of other subjects are ignored.
    public init(subject: String, exchanges: [AuditRecord], sessions: [SessionRecord]) {
        self.subject = subject
        var firstSeen: [String: Date] = [:]
        func seen(_ jti: String, at time: Date) {
            firstSeen[jti] = min(firstSeen[jti] ?? time, time)
        }

        for record in exchanges.sorted(by: { $0.seq < $1.seq }) {
            let event = record.event
            guard event.subject == subject else { continue }
            let token: SessionTree.TokenNode
            switch event.type {
            case .tokenExchanged:
                guard let jti = event.tokenID else { continue }
                token = Self.exchangedToken(jti, event)
            case .tokenIssued where event.fields[SSHCertificateIssuer.Field.kind]?.stringValue == SSHCertificateIssuer.Field.sshCertificate:
                guard let jti = event.fields[SSHCertificateIssuer.Field.certificateID]?.stringValue else { continue }
                token = Self.certificateToken(jti, event)
            default:
                continue
            }
            guard tokens[token.jti] == nil else { continue }
            tokens[token.jti] = token
            seen(token.jti, at: event.time)
        }
        for session in sessions.sorted(by: { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }) where session.subject == subject {
            guard let jti = session.tokenID else {
                sessionsWithoutToken.append(session)
                continue
            }
            sessionsByToken[jti, default: []].append(session)
            if tokens[jti] == nil {
                tokens[jti] = SessionTree.TokenNode(jti: jti, actors: session.actors, depth: session.actors.count)
            }
            seen(jti, at: session.startedAt)
        }
        // Parents known only because a token was exchanged from them.
        for (_, token) in tokens.sorted(by: { $0.key < $1.key }) {
            guard let parent = token.parentTokenID else { continue }
            if tokens[parent] == nil {
                let actors = Array(token.actors.dropFirst())
                tokens[parent] = SessionTree.TokenNode(jti: parent, actors: actors, depth: max(token.depth - 1, 0))
            }
            if let exchanged = token.exchangedAt { seen(parent, at: exchanged) }
        }

        func order(_ lhs: String, _ rhs: String) -> Bool {
            let left = firstSeen[lhs] ?? .distantFuture, right = firstSeen[rhs] ?? .distantFuture
            return left != right ? left < right : lhs < rhs
        }
        for (jti, token) in tokens {
            if let parent = token.parentTokenID, parent != jti {
                children[parent, default: []].append(jti)
            } else {
                roots.append(jti)
            }
        }
        for parent in children.keys { children[parent]!.sort(by: order) }
        roots.sort(by: order)
        // Tokens on a parent cycle are reachable from no root: the first of each becomes one.
        var reachable = Set<String>()
        Self.walk(from: roots, children: children, visited: &reachable)
        for jti in tokens.keys.sorted(by: order) where !reachable.contains(jti) {
            roots.append(jti)
            Self.walk(from: [jti], children: children, visited: &reachable)
        }
    }

    /// The tokens reachable from `starts` (themselves included) that are not in `visited`
    /// yet; adds them to it.
    @discardableResult
    private static func walk(from starts: [String], children: [String: [String]], visited: inout Set<String>) -> [String] {
        var reached: [String] = []
        var stack = starts
        while let jti = stack.popLast() {
            guard visited.insert(jti).inserted else { continue }
            reached.append(jti)
            stack.append(contentsOf: children[jti] ?? [])
        }
        return reached
    }

    /// Whether the trail knows the token `jti` (exchanged, opened a session, or was exchanged from).
    public func knows(token jti: String) -> Bool {
        tokens[jti] != nil
    }

    /// The ids of the sessions the tree of `token` (nil: the whole subject) holds: the ones
    /// whose commands ``build(token:commands:commandLimit:)`` needs. Nil when `token` is unknown.
    public func sessionIDs(token: String? = nil) -> [String]? {
        guard let token else {
            return sessionsWithoutToken.map(\.id) + sessionsByToken.values.flatMap { $0.map(\.id) }
        }
        guard tokens[token] != nil else { return nil }
        var visited = Set<String>()
        return Self.walk(from: [token], children: children, visited: &visited).flatMap { sessionsByToken[$0]?.map(\.id) ?? [] }
    }

    /// The tree of the whole subject, or of `token` and its descendants (nil when the trail
    /// does not know `token`).
    ///
    /// - Parameters:
    ///   - commands: `command` records by session id; other types are ignored. A session
    ///     missing here shows no statements (its ``SessionRecord/commandCount`` still counts them as omitted).
    ///   - commandLimit: the most statements listed per session (negative counts as 0).
    public func build(token: String? = nil, commands: [String: [AuditRecord]] = [:], commandLimit: Int = 20) -> SessionTree? {
        let limit = max(commandLimit, 0)
        func sessionNode(_ session: SessionRecord) -> SessionTree.SessionNode {
            let all = (commands[session.id] ?? []).filter { $0.event.type == .command }.sorted { $0.seq < $1.seq }
            let shown = all.prefix(limit).map { record in
                SessionTree.Command(seq: record.seq, time: record.event.time, statement: record.event.fields[AuditField.statement]?.stringValue)
            }
            return SessionTree.SessionNode(session: session, commands: shown,
                                           omittedCommands: max(session.commandCount, all.count) - shown.count)
        }
        var visited = Set<String>()
        func tokenNode(_ jti: String) -> SessionTree.TokenNode? {
            guard var node = tokens[jti], visited.insert(jti).inserted else { return nil }
            node.sessions = (sessionsByToken[jti] ?? []).map(sessionNode)
            node.children = (children[jti] ?? []).compactMap(tokenNode)
            return node
        }

        var tree = SessionTree(subject: subject, token: token, commandLimit: limit, sessionsTruncated: sessionsTruncated)
        if let token {
            guard let node = tokenNode(token) else { return nil }
            tree.tokens = [node]
        } else {
            tree.tokens = roots.compactMap(tokenNode)
            tree.sessions = sessionsWithoutToken.map(sessionNode)
        }
        return tree
    }

    private static func exchangedToken(_ jti: String, _ event: AuditEvent) -> SessionTree.TokenNode {
        let fields = event.fields
        let depth = fields[TokenLedger.Field.depth]?.intValue.map { Int(clamping: $0) } ?? event.actors.count
        return SessionTree.TokenNode(
            jti: jti,
            parentTokenID: fields[TokenLedger.Field.parentTokenID]?.stringValue,
            actors: event.actors,
            depth: depth,
            actor: fields[TokenLedger.Field.actor]?.stringValue ?? event.actors.first,
            exchangedAt: event.time,
            expires: fields[TokenLedger.Field.expires]?.stringValue.flatMap(TimeArgument.parseAbsolute),
            connections: fields[TokenLedger.Field.connections]?.arrayValue.map { $0.compactMap(\.stringValue) },
            leaseSeconds: wholeSeconds(fields[TokenLedger.Field.leaseSeconds])
        )
    }

    /// An SSH certificate as a token: issued from (and so hung under) the caller's token, with
    /// the caller's actor chain, which sessions that log in with it carry.
    private static func certificateToken(_ jti: String, _ event: AuditEvent) -> SessionTree.TokenNode {
        let fields = event.fields
        return SessionTree.TokenNode(
            jti: jti,
            parentTokenID: fields[TokenLedger.Field.parentTokenID]?.stringValue,
            actors: event.actors,
            depth: event.actors.count,
            exchangedAt: event.time,
            expires: fields[TokenLedger.Field.expires]?.stringValue.flatMap(TimeArgument.parseAbsolute),
            connections: fields[TokenLedger.Field.connections]?.arrayValue.map { $0.compactMap(\.stringValue) },
            kind: SSHCertificateIssuer.Field.sshCertificate
        )
    }

    /// An integer, or a finite double rounded; nil for anything else.
    private static func wholeSeconds(_ value: AuditValue?) -> Int? {
        if let whole = value?.intValue { return Int(clamping: whole) }
        guard let seconds = value?.doubleValue, seconds.isFinite, abs(seconds) < 1e15 else { return nil }
        return Int(seconds.rounded())
    }
}
