import Synchronization

/// The policy in force, swapped whole when its files change: a reload that loads cleanly
/// replaces it for the next request; a reload with any problem is refused and the previous
/// policy stays. Evaluation reads the current policy under a lock held for a pointer copy,
/// so requests never wait for a reload.
///
/// ```swift
/// let store = try PolicyStore(files: configuration.policyFiles)
/// // on SIGHUP or a file change:
/// logger.notice("\(store.reload())")
/// ```
public final class PolicyStore: PolicyEvaluating {
    private struct State {
        var policy: PolicySet
        var files: [String]
    }

    private let state: Mutex<State>
    /// Serialises reloads, so an older read of the files can never replace a newer one.
    private let reloads = Mutex<Int>(0)

    /// A store starting with `policy`; ``reload(files:)`` re-reads `files`.
    public init(policy: PolicySet, files: [String]) {
        state = Mutex(State(policy: policy, files: files))
    }

    /// Loads `files` (merged in order) as the first policy.
    /// - Throws: ``PolicyLoadError`` with every problem: without a first policy there is
    ///   nothing to fall back on.
    public convenience init(files: [String]) throws(PolicyLoadError) {
        self.init(policy: try PolicySet.load(files: files), files: files)
    }

    /// The policy in force now.
    public var policy: PolicySet {
        state.withLock { $0.policy }
    }

    /// The files the store reloads.
    public var files: [String] {
        state.withLock { $0.files }
    }

    /// Re-reads the policy files (`files`, when given, replaces the list) and swaps the new
    /// policy in only if every file loads cleanly.
    @discardableResult
    public func reload(files newFiles: [String]? = nil) -> PolicyReloadOutcome {
        reloads.withLock { count in
            count += 1
            let (current, currentFiles) = state.withLock { ($0.policy, $0.files) }
            let files = newFiles ?? currentFiles
            let loaded: PolicySet
            do throws(PolicyLoadError) {
                loaded = try PolicySet.load(files: files)
            } catch {
                return .rejected(error, keptRules: current.rules.count)
            }
            if files == currentFiles, let digest = loaded.sourceDigest, digest == current.sourceDigest {
                return .unchanged(rules: current.rules.count, files: files)
            }
            state.withLock { $0 = State(policy: loaded, files: files) }
            return .applied(rules: loaded.rules.count, files: files, digest: loaded.sourceDigest)
        }
    }

    /// Puts `policy` in force (for policies built in code or from text); reloads then read `files`.
    public func replace(with policy: PolicySet, files: [String]? = nil) {
        reloads.withLock { _ in
            state.withLock { $0 = State(policy: policy, files: files ?? $0.files) }
        }
    }

    // MARK: - PolicyEvaluating

    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        policy.evaluate(request)
    }

    public func decide(_ request: PolicyRequest) -> PolicyVerdict {
        policy.decide(request)
    }

    public func sessionSettings(_ request: PolicyRequest) -> SessionSettings {
        policy.sessionSettings(request)
    }
}
