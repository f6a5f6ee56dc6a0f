import Crypto
import Foundation
import NIOSSH

/// An OpenSSH user certificate to be signed (the `-cert-v01@openssh.com` key types of
/// OpenSSH's PROTOCOL.certkeys), with no critical options.
///
/// NIOSSH reads and checks certificates but cannot sign them, so the gateway writes the
/// wire encoding itself and signs it with its Ed25519 user CA key; the result is read back
/// with NIOSSH (``signed(by:comment:)`` checks it round-trips) exactly as a client's
/// certificate will be when it logs in.
struct SSHUserCertificate {
    /// The holder's public key (Ed25519 or ECDSA; not a certificate itself).
    var key: NIOSSHPublicKey
    var serial: UInt64
    var keyID: String
    var principals: [String]
    var validAfter: UInt64
    var validBefore: UInt64
    var extensions: [String: String]

    struct EncodingError: Error, CustomStringConvertible {
        var description: String
    }

    /// Signs the certificate with `authority` and returns it as NIOSSH reads it and as one
    /// OpenSSH public key line (`ssh-ed25519-cert-v01@openssh.com AAAA... COMMENT`), what
    /// `ssh-keygen -s` writes to `KEY-cert.pub`.
    func signed(by authority: Curve25519.Signing.PrivateKey, comment: String?) throws -> (certificate: NIOSSHCertifiedPublicKey, line: String) {
        guard NIOSSHCertifiedPublicKey(key) == nil else { throw EncodingError(description: "a certificate cannot certify another certificate") }
        let keyParts = String(openSSHPublicKey: key).split(separator: " ")
        guard keyParts.count >= 2, let keyBlob = Data(base64Encoded: String(keyParts[1])) else {
            throw EncodingError(description: "the public key does not encode")
        }
        let keyType = String(keyParts[0])
        // The key's wire form without its leading type string: the certificate names its own type.
        let keyFields = Array(keyBlob.dropFirst(4 + keyType.utf8.count))
        let certificateType = keyType + "-cert-v01@openssh.com"

        var nonce = [UInt8](repeating: 0, count: 32)
        var random = SystemRandomNumberGenerator()
        for index in nonce.indices { nonce[index] = random.next() }

        var signable: [UInt8] = []
        Self.appendString(&signable, Array(certificateType.utf8))
        Self.appendString(&signable, nonce)
        signable += keyFields
        Self.appendInteger(&signable, serial)
        Self.appendInteger(&signable, UInt32(1))  // SSH_CERT_TYPE_USER
        Self.appendString(&signable, Array(keyID.utf8))
        Self.appendString(&signable, principals.reduce(into: [UInt8]()) { Self.appendString(&$0, Array($1.utf8)) })
        Self.appendInteger(&signable, validAfter)
        Self.appendInteger(&signable, validBefore)
        Self.appendString(&signable, [])  // critical options: none
        Self.appendString(&signable, Self.encodeOptions(extensions))
        Self.appendString(&signable, [])  // reserved
        Self.appendString(&signable, Self.ed25519Blob(authority.publicKey))

        let signature = try authority.signature(for: Data(signable))
        var signatureBlob: [UInt8] = []
        Self.appendString(&signatureBlob, Array("ssh-ed25519".utf8))
        Self.appendString(&signatureBlob, Array(signature))
        var blob = signable
        Self.appendString(&blob, signatureBlob)

        var line = certificateType + " " + Data(blob).base64EncodedString()
        if let comment, !comment.isEmpty { line += " " + comment }
        guard let certificate = NIOSSHCertifiedPublicKey(try NIOSSHPublicKey(openSSHPublicKey: line)),
              certificate.serial == serial, certificate.keyID == keyID, certificate.validPrincipals == principals,
              certificate.extensions == extensions, certificate.key == key
        else {
            throw EncodingError(description: "the signed certificate does not read back as written")
        }
        return (certificate, line)
    }

    /// The wire form of an Ed25519 public key (`string "ssh-ed25519", string key`).
    static func ed25519Blob(_ key: Curve25519.Signing.PublicKey) -> [UInt8] {
        var blob: [UInt8] = []
        appendString(&blob, Array("ssh-ed25519".utf8))
        appendString(&blob, Array(key.rawRepresentation))
        return blob
    }

    /// Options and extensions: sorted by name; a non-empty value is itself a string inside the string.
    private static func encodeOptions(_ options: [String: String]) -> [UInt8] {
        var encoded: [UInt8] = []
        for (name, value) in options.sorted(by: { $0.key < $1.key }) {
            appendString(&encoded, Array(name.utf8))
            var inner: [UInt8] = []
            if !value.isEmpty { appendString(&inner, Array(value.utf8)) }
            appendString(&encoded, inner)
        }
        return encoded
    }

    private static func appendString(_ buffer: inout [UInt8], _ bytes: [UInt8]) {
        appendInteger(&buffer, UInt32(bytes.count))
        buffer += bytes
    }

    private static func appendInteger<T: FixedWidthInteger>(_ buffer: inout [UInt8], _ value: T) {
        withUnsafeBytes(of: value.bigEndian) { buffer += $0 }
    }
}
