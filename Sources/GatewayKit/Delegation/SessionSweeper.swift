import AuditCore
import Foundation
import Logging
import ServiceLifecycle

/// Ends live sessions whose token no longer counts: revoked (itself, an ancestor, its
/// subject or an actor in its chain) or with a lapsed lease somewhere up its ancestry.
///
/// Runs every ``interval`` for leases; a revocation calls ``sweep(runtime:)`` at once, so
/// sessions end well within a second either way. Each session's own handler tells the
/// client why and records `session.end` with reason `revoked` or `lease_expired`.
struct SessionSweeper: Service {
    /// How often leases are checked.
    static let interval: Duration = .milliseconds(250)

    let runtime: GatewayRuntime

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var ticks = 0
            while (try? await Task.sleep(for: Self.interval)) != nil {
                Self.sweep(runtime: runtime)
                ticks += 1
                if ticks % 240 == 0 { runtime.delegation.forgetExpiredTokens() }  // every minute
            }
        }
    }

    /// Ends every live session whose token no longer counts; returns the ids ended.
    @discardableResult
    static func sweep(runtime: GatewayRuntime, now: Date = Date()) -> [String] {
        var ended: [String] = []
        for entry in runtime.sessions.entries {
            let status = runtime.delegation.status(of: entry.identity, at: now)
            guard let reason = status.endReason, let message = status.message else { continue }
            runtime.logger.notice("ending session: \(reason)", metadata: ["session": "\(entry.id)", "subject": "\(entry.subject)", "connection": "\(entry.connection)"])
            entry.terminate(.init(reason: reason, message: "terminating connection: \(message)"))
            ended.append(entry.id)
        }
        return ended
    }
}
