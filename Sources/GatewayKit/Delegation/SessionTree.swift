import AuditCore
import Foundation

/// Everything one root subject's delegation did, as a tree: the subject's tokens, the
/// tokens exchanged from them (child, grandchild, …), each token's sessions and each
/// session's statements. Built by ``SessionTreeBuilder`` from the trail; served by
/// `GET /v1/sessions/tree` and drawn by `auditctl sessions tree`.
///
/// A token without a `token.exchanged` event (the root's OIDC token, or any token the
/// gateway did not mint) is known only from the sessions it opened or the tokens exchanged
/// from it; it hangs directly under the subject with ``TokenNode/exchangedAt`` nil.
public struct SessionTree: Sendable, Hashable, Codable {
    /// The root subject.
    public var subject: String
    /// When the tree is one token's subtree: that token's id (jti). Nil for the subject's whole forest.
    public var token: String?
    /// The top tokens: for a subject, its root tokens and exchanged tokens whose parent had
    /// no id; for a token, that token alone.
    public var tokens: [TokenNode] = []
    /// Sessions whose token had no id, so they cannot hang under a token (subject scope only).
    public var sessions: [SessionNode] = []
    /// The most statements listed per session.
    public var commandLimit: Int
    /// True when the subject has more sessions than one store query returns: only the newest
    /// ``AuditQuery/maxLimit`` are in the tree.
    public var sessionsTruncated = false

    /// One token: what its `token.exchanged` event says, its sessions and the tokens exchanged from it.
    public struct TokenNode: Sendable, Hashable, Codable {
        /// The token's id (`jti`).
        public var jti: String
        /// The token it was exchanged from; nil for root tokens and when the parent had no id.
        public var parentTokenID: String?
        /// The actor chain, outermost (most recent actor) first, as in ``Identity/actors``.
        public var actors: [String] = []
        /// How many delegations deep (a root token is 0).
        public var depth = 0
        /// The actor this token was minted for (nil for root tokens).
        public var actor: String?
        /// When the exchange (or the certificate's issue) was recorded; nil for a token without
        /// a `token.exchanged` event.
        public var exchangedAt: Date?
        public var expires: Date?
        /// Connections the token is limited to; nil = not limited (or not known, for root tokens).
        public var connections: [String]?
        /// The lease its holder must renew, in seconds; nil = no lease.
        public var leaseSeconds: Int?
        /// `revoked`, `lease_expired`, … when known; nil says nothing either way.
        public var status: String?
        /// `ssh_certificate` for an SSH user certificate the gateway issued from its parent
        /// token (its id is the certificate's, `cert-SERIAL`); nil for a token.
        public var kind: String?
        /// Sessions opened with this token, oldest first.
        public var sessions: [SessionNode] = []
        /// Tokens exchanged from this one, oldest first.
        public var children: [TokenNode] = []
    }

    /// One session and its first statements.
    public struct SessionNode: Sendable, Hashable, Codable {
        public var session: SessionRecord
        /// The first ``SessionTree/commandLimit`` statements, in order.
        public var commands: [Command] = []
        /// How many statements the session has beyond ``commands``.
        public var omittedCommands = 0
    }

    /// One `command` event of a session.
    public struct Command: Sendable, Hashable, Codable {
        /// The event's sequence number (for `auditctl events search --after`).
        public var seq: Int64
        public var time: Date
        /// The statement as the trail holds it (already masked); nil when the event has none.
        public var statement: String?
    }

    /// Calls `update` on every token node, parents before children (e.g. to set ``TokenNode/status``).
    public mutating func updateTokens(_ update: (inout TokenNode) -> Void) {
        func walk(_ nodes: inout [TokenNode]) {
            for index in nodes.indices {
                update(&nodes[index])
                walk(&nodes[index].children)
            }
        }
        walk(&tokens)
    }
}
