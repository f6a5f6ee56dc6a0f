import AuditCore
import Foundation
import Logging
import PolicyEngine
import ServiceLifecycle
import UnixSignals

/// Reloads the policy files when one changes (checked every ``interval``) or on SIGHUP.
///
/// A file that does not load cleanly is refused: the errors are logged (file, line, field)
/// and the previous policy stays in force, as it does for statements already running.
/// Every reload that changes or refuses something is an `admin.action` event
/// (`policy.reload` / `policy.reload_refused`).
struct PolicyReloader: Service {
    /// How often the files' modification times and sizes are compared.
    static let interval: Duration = .seconds(1)

    let policy: PolicyStore
    let store: any AuditStore
    let logger: Logger

    func run() async throws {
        let (triggers, trigger) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(1))
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sighup) { trigger.yield("SIGHUP") }
            }
            group.addTask {
                var last = Self.fingerprints(policy.files)
                while (try? await Task.sleep(for: Self.interval)) != nil {
                    let now = Self.fingerprints(policy.files)
                    if now != last {
                        last = now
                        trigger.yield("file change")
                    }
                }
            }
            group.addTask {
                for await cause in triggers { await reload(cause: cause) }
            }
            try? await gracefulShutdown()
            group.cancelAll()
            trigger.finish()
        }
    }

    private func reload(cause: String) async {
        let outcome = policy.reload()
        switch outcome {
        case .unchanged:
            logger.debug("policy files unchanged", metadata: ["cause": "\(cause)"])
        case .applied(let rules, _, let digest):
            logger.notice("policy reloaded", metadata: ["cause": "\(cause)", "rules": "\(rules)"])
            _ = try? await store.append(AuditEvent(type: .adminAction, fields: [
                AuditField.action: "policy.reload", "cause": .string(cause), "rules": .int(Int64(rules)), "digest": .string(digest ?? ""),
            ]))
        case .rejected(let error, _):
            logger.error("policy reload refused; the previous policy stays in force", metadata: ["cause": "\(cause)", "errors": "\(error)"])
            _ = try? await store.append(AuditEvent(type: .adminAction, fields: [
                AuditField.action: "policy.reload_refused", "cause": .string(cause), AuditField.reason: .string("\(error)"),
            ]))
        }
    }

    /// Modification time and size of each file (nil when unreadable).
    private static func fingerprints(_ files: [String]) -> [String?] {
        files.map { file in
            guard let attributes = try? FileManager.default.attributesOfItem(atPath: file) else { return nil }
            let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            return "\(modified)/\(attributes[.size] ?? 0)"
        }
    }
}
