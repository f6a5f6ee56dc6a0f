import AuditCore
import NIOConcurrencyHelpers
import NIOCore
import ProtocolParsers

/// State the two relay directions and the watchdog of one session share, behind a lock.
final class PostgresRelayState: Sendable {
    struct Inner {
        var tracker = PostgresCommandTracker()
        var lastActivity = NIODeadline.now()
        /// Set when the gateway ends the session (terminate, revocation, lease lapse).
        var termination: SessionRegistry.Termination?
        var endReason: String?
        var commandCount = 0
        /// Result column names per prepared statement, learned from Describe answers.
        var statementColumns: [String: [String]] = [:]
        /// Whether the server reads backslash escapes in ordinary `'...'` literals, that is
        /// `standard_conforming_strings` is off, as its last ParameterStatus reported. It
        /// decides where a query's statements end, so the gateway must lex as the server does.
        var backslashEscapes = false
    }

    let inner = NIOLockedValueBox(Inner())

    /// Claims the session's end reason; the first claim wins.
    func end(_ reason: String) {
        inner.withLockedValue { if $0.endReason == nil { $0.endReason = reason } }
    }

    var endReason: String { inner.withLockedValue { $0.endReason ?? "error" } }

    func touch() { inner.withLockedValue { $0.lastActivity = .now() } }

    /// Asks the watchdog to end the session; the first request wins.
    func requestTermination(_ termination: SessionRegistry.Termination) {
        inner.withLockedValue { if $0.termination == nil { $0.termination = termination } }
    }

    /// How the server lexes SQL now, and whether that is settled: nothing forwarded earlier
    /// is still unanswered, so no command can change `standard_conforming_strings` before the
    /// server reads the next message.
    struct Lexing {
        var backslashEscapes: Bool
        var settled: Bool
    }

    func lexing() -> Lexing {
        inner.withLockedValue { Lexing(backslashEscapes: $0.backslashEscapes, settled: $0.tracker.pendingCount == 0) }
    }

    /// Follows the server's ParameterStatus reports that change how SQL is lexed.
    func noteParameterStatus(_ status: PostgresBackendMessage.ParameterStatus) {
        guard status.name == "standard_conforming_strings" else { return }
        let escapes = status.value.lowercased() != "on"
        inner.withLockedValue { $0.backslashEscapes = escapes }
    }
}
