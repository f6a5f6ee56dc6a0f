import Crypto
import Foundation

/// A signed statement that the node's chain had hash ``hash`` at event ``seq``.
///
/// The signature is Ed25519 over the UTF-8 bytes of ``signedMessage(node:seq:hash:)``:
///
/// ```
/// auditgateway-checkpoint-v1\n{node}\n{seq}\n{hash}
/// ```
///
/// (`\n` is a line feed, `{seq}` in decimal, `{hash}` 64 lowercase hex digits, no trailing
/// newline). Anyone holding the node's public key can check that events up to ``seq``
/// were not rewritten after the checkpoint was made, even by someone able to recompute
/// every hash.
public struct Checkpoint: Sendable, Hashable, Codable {
    /// The last event the checkpoint covers.
    public var seq: Int64
    /// Lowercase hex chain hash of event ``seq``.
    public var hash: String
    /// When the checkpoint was made.
    public var time: Date
    /// The signing key's id (see ``keyID(of:)``).
    public var keyID: String
    /// Base64 of the 64-byte Ed25519 signature.
    public var signature: String

    public init(seq: Int64, hash: String, time: Date, keyID: String, signature: String) {
        self.seq = seq
        self.hash = hash
        self.time = time
        self.keyID = keyID
        self.signature = signature
    }

    /// The exact bytes a checkpoint signature covers.
    public static func signedMessage(node: String, seq: Int64, hash: String) -> [UInt8] {
        Array("auditgateway-checkpoint-v1\n\(node)\n\(seq)\n\(hash)".utf8)
    }

    /// A key's id: the first 16 lowercase hex digits of SHA-256 of its 32-byte raw
    /// representation.
    public static func keyID(of key: Curve25519.Signing.PublicKey) -> String {
        String(AuditChain.hex(SHA256.hash(data: key.rawRepresentation)).prefix(16))
    }

    /// Signs a checkpoint of `node`'s chain at `seq`.
    static func sign(node: String, seq: Int64, hash: String, time: Date, key: Curve25519.Signing.PrivateKey) throws -> Checkpoint {
        let signature = try key.signature(for: signedMessage(node: node, seq: seq, hash: hash))
        return Checkpoint(seq: seq, hash: hash, time: time, keyID: keyID(of: key.publicKey), signature: Data(signature).base64EncodedString())
    }

    /// Whether ``signature`` is `key`'s signature of this checkpoint for `node`.
    public func isValidSignature(node: String, key: Curve25519.Signing.PublicKey) -> Bool {
        guard let signatureBytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(signatureBytes, for: Checkpoint.signedMessage(node: node, seq: seq, hash: hash))
    }
}
