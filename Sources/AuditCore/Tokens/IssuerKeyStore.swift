import Foundation
import Synchronization

/// One issuer's parsed signing keys, with rate-limited, single-flight refetching.
///
/// The JWKS is fetched on first use, parsed once, and refetched only when a token names an
/// unknown `kid` — at most once per `minimumRefetchInterval` — or, for remote sources, in
/// the background once the keys are older than `maximumKeySetAge`. Concurrent callers
/// that need a refetch share one fetch. A failed fetch keeps the previous keys.
final class IssuerKeyStore: Sendable {
    private struct State {
        var keySet: TokenKeySet?
        var loadedAt: Date?
        var lastFetchStartedAt: Date?
        var inFlight: Task<Void, Never>?
        var lastProblem: String?
        var fetchCount = 0
    }

    let configuration: IssuerConfiguration
    private let minimumRefetchInterval: TimeInterval
    private let maximumKeySetAge: TimeInterval
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    init(
        configuration: IssuerConfiguration,
        minimumRefetchInterval: TimeInterval,
        maximumKeySetAge: TimeInterval,
        now: @escaping @Sendable () -> Date
    ) {
        self.configuration = configuration
        self.minimumRefetchInterval = minimumRefetchInterval
        self.maximumKeySetAge = maximumKeySetAge
        self.now = now
    }

    /// How many times the JWKS has been fetched (attempts, successful or not).
    var fetchCount: Int { state.withLock { $0.fetchCount } }

    /// The key to verify a token with header `kid` and `alg`.
    ///
    /// - Throws: `.unknownKeyID` if no key has this `kid` after an allowed refetch;
    ///   `.algorithmNotAllowed` if keys with this `kid` exist but none is of the type `alg` needs.
    func key(id kid: String, algorithm: TokenAlgorithm) async throws(TokenVerificationError) -> TokenVerificationKey {
        let (current, loadedAt) = state.withLock { ($0.keySet, $0.loadedAt) }
        if let candidates = current?.keys[kid] {
            if configuration.jwks.isRemote, let loadedAt, now().timeIntervalSince(loadedAt) >= maximumKeySetAge {
                _ = startFetchIfAllowed()  // stale-while-revalidate: keep serving, refresh behind
            }
            return try pick(candidates, kid: kid, algorithm: algorithm)
        }
        if let fetch = startFetchIfAllowed() {
            await fetch.value
        }
        let (refreshed, problem, lastFetch) = state.withLock { ($0.keySet, $0.lastProblem, $0.lastFetchStartedAt) }
        if let candidates = refreshed?.keys[kid] {
            return try pick(candidates, kid: kid, algorithm: algorithm)
        }
        var message = "unknown key id \(TokenVerificationError.quoted(kid)) for issuer \(TokenVerificationError.quoted(configuration.issuer))"
        if let problem {
            message += "; its JWKS could not be loaded: \(problem)"
        } else if let refreshed {
            message += "; the issuer's JWKS has \(refreshed.keys.count == 0 ? "no usable keys" : "key ids \(Self.list(refreshed.keys.keys.sorted()))")"
            if !refreshed.skipped.isEmpty {
                message += " (skipped: \(refreshed.skipped.prefix(3).joined(separator: "; ")))"
            }
        }
        if let lastFetch {
            let wait = max(0, minimumRefetchInterval - now().timeIntervalSince(lastFetch))
            if wait > 0 {
                message += "; next refetch allowed in \(Int(wait.rounded(.up)))s"
            }
        }
        throw TokenVerificationError(.unknownKeyID, message)
    }

    private func pick(_ candidates: [TokenVerificationKey], kid: String, algorithm: TokenAlgorithm) throws(TokenVerificationError) -> TokenVerificationKey {
        if let key = candidates.first(where: { $0.accepts(algorithm) }) {
            return key
        }
        let kinds = candidates.map { key in
            key.kindDescription + (key.declaredAlgorithm.map { " for \($0)" } ?? "")
        }.joined(separator: ", ")
        throw TokenVerificationError(
            .algorithmNotAllowed,
            "algorithm '\(algorithm.rawValue)' does not match key \(TokenVerificationError.quoted(kid)) of issuer \(TokenVerificationError.quoted(configuration.issuer)), which is \(kinds)"
        )
    }

    /// Starts a fetch unless one is running (then returns that one) or the last one began
    /// less than `minimumRefetchInterval` ago (then returns `nil`).
    private func startFetchIfAllowed() -> Task<Void, Never>? {
        state.withLock { state -> Task<Void, Never>? in
            if let running = state.inFlight { return running }
            let now = self.now()
            if let last = state.lastFetchStartedAt, now.timeIntervalSince(last) < minimumRefetchInterval {
                return nil
            }
            state.lastFetchStartedAt = now
            state.fetchCount += 1
            // The new task takes the lock only to publish its result, after we release it.
            let task = Task { await self.fetch() }
            state.inFlight = task
            return task
        }
    }

    private func fetch() async {
        do {
            let data = try await configuration.jwks.fetchJWKS()
            let keySet = try TokenKeySet.parse(data)
            let loadedAt = now()
            state.withLock {
                $0.keySet = keySet
                $0.loadedAt = loadedAt
                $0.lastProblem = nil
                $0.inFlight = nil
            }
        } catch {
            let problem = String(describing: error)
            state.withLock {
                $0.lastProblem = problem
                $0.inFlight = nil
            }
        }
    }

    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(5).map(TokenVerificationError.quoted).joined(separator: ", ")
        return items.count > 5 ? shown + ", …" : shown
    }
}
