import Crypto
import Foundation
import GRDB

/// Offline verification of a store file, e.g. for `auditctl verify --store`.
public enum ChainVerifier {
    /// Opens the store at `path` read-only (no writer, no schema changes), recomputes every
    /// event hash and checks every signed checkpoint.
    ///
    /// - Parameter publicKey: the node's public key to pin. `nil` uses the keys recorded in
    ///   the store's `keys` table (which an attacker with write access could replace; pin
    ///   the key from the gateway's JWKS for a trustworthy answer). The report's
    ///   ``VerificationReport/keyIDs`` names the keys used.
    /// - Returns: a report naming the first bad event, if any.
    /// - Throws: if the file is missing or is not an audit store.
    public static func verify(storeAt path: String, publicKey: Curve25519.Signing.PublicKey? = nil) throws -> VerificationReport {
        guard FileManager.default.fileExists(atPath: path) else {
            throw AuditStoreError(.notAStore, "no audit store at \(path)")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "audit.verify"
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw AuditStoreError(.notAStore, "cannot open \(path) as an audit store: \(error)")
        }
        defer { try? queue.close() }
        do {
            return try queue.read { db in
                try ChainVerification(db: db, trustedKey: publicKey).run()
            }
        } catch let error as AuditStoreError {
            throw error
        } catch {
            throw AuditStoreError(.readFailed, "cannot read the audit store at \(path): \(error)")
        }
    }
}
