import Crypto
import Foundation
import NIOCore
import NIOSSH

/// Reads an unencrypted OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`,
/// the `openssh-key-v1` format `ssh-keygen` writes) holding an Ed25519 or ECDSA key: the
/// kinds the gateway's SSH client can sign with.
enum OpenSSHPrivateKey {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    private static let magic = Array("openssh-key-v1".utf8) + [0]

    static func parse(_ text: String) throws -> NIOSSHPrivateKey {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN OPENSSH PRIVATE KEY-----"),
              let end = lines.firstIndex(of: "-----END OPENSSH PRIVATE KEY-----"), begin < end
        else {
            throw ParseError(description: "not an OpenSSH private key (expected -----BEGIN OPENSSH PRIVATE KEY-----; convert with `ssh-keygen -p -f FILE`)")
        }
        guard let data = Data(base64Encoded: lines[(begin + 1)..<end].joined()) else {
            throw ParseError(description: "the key's base64 body is malformed")
        }
        var buffer = ByteBuffer(bytes: data)
        guard buffer.readBytes(length: magic.count) == magic else { throw ParseError(description: "not an openssh-key-v1 key") }
        let cipher = try readString(&buffer)
        let kdf = try readString(&buffer)
        _ = try readBytes(&buffer)
        guard cipher == "none", kdf == "none" else {
            throw ParseError(description: "the key is encrypted with a passphrase; the gateway needs an unencrypted key (`ssh-keygen -p -N '' -f FILE` on a copy)")
        }
        guard buffer.readInteger(as: UInt32.self) == 1 else { throw ParseError(description: "the file must hold exactly one key") }
        _ = try readBytes(&buffer)  // the public key, repeated in the private section
        var section = ByteBuffer(bytes: try readBytes(&buffer))
        guard let check1 = section.readInteger(as: UInt32.self), let check2 = section.readInteger(as: UInt32.self), check1 == check2 else {
            throw ParseError(description: "the key's check bytes differ (a corrupt or encrypted key)")
        }
        let type = try readString(&section)
        switch type {
        case "ssh-ed25519":
            _ = try readBytes(&section)
            let secret = try readBytes(&section)
            guard secret.count == 64 else { throw ParseError(description: "an Ed25519 key must hold 64 secret bytes") }
            return NIOSSHPrivateKey(ed25519Key: try Curve25519.Signing.PrivateKey(rawRepresentation: secret.prefix(32)))
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
            _ = try readString(&section)  // curve name
            _ = try readBytes(&section)   // public point
            var scalar = try readBytes(&section)  // mpint: may carry a leading zero
            let size = type.hasSuffix("256") ? 32 : type.hasSuffix("384") ? 48 : 66
            while scalar.count > size, scalar.first == 0 { scalar.removeFirst() }
            if scalar.count < size { scalar = [UInt8](repeating: 0, count: size - scalar.count) + scalar }
            switch size {
            case 32: return NIOSSHPrivateKey(p256Key: try P256.Signing.PrivateKey(rawRepresentation: scalar))
            case 48: return NIOSSHPrivateKey(p384Key: try P384.Signing.PrivateKey(rawRepresentation: scalar))
            default: return NIOSSHPrivateKey(p521Key: try P521.Signing.PrivateKey(rawRepresentation: scalar))
            }
        default:
            throw ParseError(description: "keys of type \(type) are not supported; use an Ed25519 or ECDSA key")
        }
    }

    private static func readBytes(_ buffer: inout ByteBuffer) throws -> [UInt8] {
        guard let length = buffer.readInteger(as: UInt32.self), length <= buffer.readableBytes,
              let bytes = buffer.readBytes(length: Int(length))
        else { throw ParseError(description: "the key is truncated") }
        return bytes
    }

    private static func readString(_ buffer: inout ByteBuffer) throws -> String {
        String(decoding: try readBytes(&buffer), as: UTF8.self)
    }
}
