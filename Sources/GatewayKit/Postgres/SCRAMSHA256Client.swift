import Crypto
import Foundation
import _CryptoExtras

/// The client side of SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it, for
/// authenticating the gateway to an upstream server with the password it holds.
///
/// A value type driven by the three messages of the exchange; no I/O. Channel binding is
/// not used (`n,,`), which PostgreSQL accepts for `SCRAM-SHA-256`.
public struct SCRAMSHA256Client: Sendable {
    public static let mechanism = "SCRAM-SHA-256"

    /// A ``Secret``, so that printing or dumping the client (a struct describes its stored
    /// properties) never shows the password.
    private let password: Secret
    private let clientNonce: String
    private var clientFirstBare = ""
    private var expectedServerSignature: [UInt8]?

    /// - Parameters:
    ///   - password: the upstream password (never logged; errors never contain it).
    ///   - nonce: the client nonce; random by default, fixed only in tests.
    public init(password: Secret, nonce: String? = nil) {
        self.password = password
        self.clientNonce = nonce ?? Self.randomNonce()
    }

    /// The `client-first-message`. PostgreSQL ignores the user name here (it uses the
    /// startup packet's), so it is sent empty.
    public mutating func clientFirstMessage() -> [UInt8] {
        clientFirstBare = "n=,r=\(clientNonce)"
        return Array("n,,\(clientFirstBare)".utf8)
    }

    /// Takes the `server-first-message` and returns the `client-final-message`.
    public mutating func clientFinalMessage(serverFirst: [UInt8]) throws(SCRAMError) -> [UInt8] {
        let serverFirstText = String(decoding: serverFirst, as: UTF8.self)
        let attributes = Self.attributes(serverFirstText)
        guard let nonce = attributes["r"], nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SCRAMError("the server's nonce does not extend ours")
        }
        guard let saltText = attributes["s"], let salt = Data(base64Encoded: saltText) else {
            throw SCRAMError("the server sent no valid salt")
        }
        guard let iterationText = attributes["i"], let iterations = Int(iterationText), (1...10_000_000).contains(iterations) else {
            throw SCRAMError("the server sent an unusable iteration count")
        }
        let keys = try Self.keys(password: password.reveal(), salt: Array(salt), iterations: iterations)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(clientFirstBare),\(serverFirstText),\(withoutProof)".utf8)
        let clientSignature = Array(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: keys.storedKey)))
        let proof = zip(keys.clientKey, clientSignature).map { $0 ^ $1 }
        expectedServerSignature = Array(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: keys.serverKey)))
        return Array("\(withoutProof),p=\(Data(proof).base64EncodedString())".utf8)
    }

    /// Checks the `server-final-message`: the server proves it knew the password too.
    public func verify(serverFinal: [UInt8]) throws(SCRAMError) {
        let attributes = Self.attributes(String(decoding: serverFinal, as: UTF8.self))
        if let error = attributes["e"] { throw SCRAMError("the server refused: \(error)") }
        guard let expected = expectedServerSignature, let signature = attributes["v"].flatMap({ Data(base64Encoded: $0) }),
              Array(signature) == expected
        else { throw SCRAMError("the server's signature does not match: it may not be the server it claims to be") }
    }

    /// The keys RFC 5802 derives from a password: `ClientKey` proves the client, `StoredKey`
    /// (its hash) and `ServerKey` are what a server keeps (see ``PostgresJITRoles``).
    struct Keys {
        var clientKey: [UInt8]
        var storedKey: [UInt8]
        var serverKey: [UInt8]
    }

    static func keys(password: String, salt: [UInt8], iterations: Int) throws(SCRAMError) -> Keys {
        let salted: SymmetricKey
        do {
            salted = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha256,
                                                       outputByteCount: 32, unsafeUncheckedRounds: iterations)
        } catch {
            throw SCRAMError("key derivation failed")
        }
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
        return Keys(clientKey: clientKey, storedKey: Array(SHA256.hash(data: clientKey)),
                    serverKey: Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted)))
    }

    /// Tests only: sign a different client-first-bare (the RFC 7677 vector names its user).
    mutating func overrideClientFirstBareForTesting(_ bare: String) { clientFirstBare = bare }

    private static func attributes(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for part in text.split(separator: ",") {
            guard let equals = part.firstIndex(of: "="), part.distance(from: part.startIndex, to: equals) == 1 else { continue }
            result[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        return result
    }

    private static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<18).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}

/// SCRAM authentication with the upstream failed. Never contains the password.
public struct SCRAMError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = "SCRAM-SHA-256: " + description }
}

/// PostgreSQL's MD5 password answer: `"md5" + md5hex(md5hex(password + user) + salt)`.
public enum PostgresMD5Password {
    public static func response(user: String, password: String, salt: [UInt8]) -> [UInt8] {
        let inner = hex(Insecure.MD5.hash(data: Array((password + user).utf8)))
        let outer = hex(Insecure.MD5.hash(data: Array(inner.utf8) + salt))
        return Array(("md5" + outer).utf8)
    }

    private static func hex(_ digest: Insecure.MD5Digest) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
