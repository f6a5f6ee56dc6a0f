import Crypto
import Foundation
import Synchronization

/// Identities of tokens that already verified, keyed by SHA-256 of the token.
///
/// The token itself is never stored. Entries are only returned while the token is
/// unexpired; the cache holds at most `capacity` entries (0 disables it) and, when full,
/// drops expired entries and then the tenth that expire soonest.
final class VerifiedTokenCache: Sendable {
    typealias Key = SHA256Digest

    let capacity: Int
    private let entries = Mutex<[Key: Identity]>([:])

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    static func key(for token: String) -> Key {
        SHA256.hash(data: Data(token.utf8))
    }

    var count: Int { entries.withLock { $0.count } }

    func lookup(_ key: Key) -> Identity? {
        guard capacity > 0 else { return nil }
        return entries.withLock { $0[key] }
    }

    func remove(_ key: Key) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    /// Stores `identity`; `expiredBefore` is the cut-off used to drop expired entries when full.
    func insert(_ identity: Identity, for key: Key, expiredBefore cutoff: Date) {
        guard capacity > 0 else { return }
        let capacity = self.capacity
        entries.withLock { entries in
            if entries.count >= capacity, entries[key] == nil {
                entries = entries.filter { $0.value.expiresAt >= cutoff }
                if entries.count >= capacity {
                    let excess = entries.count - capacity + 1
                    let drop = max(excess, capacity / 10)
                    let soonest = entries.sorted { $0.value.expiresAt < $1.value.expiresAt }.prefix(drop)
                    for (evicted, _) in soonest {
                        entries.removeValue(forKey: evicted)
                    }
                }
            }
            entries[key] = identity
        }
    }
}
