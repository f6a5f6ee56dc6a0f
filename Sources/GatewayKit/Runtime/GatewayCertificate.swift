import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate the gateway presents to clients, and its SHA-256 fingerprint.
public struct GatewayCertificate: Sendable {
    public var certificateFile: String
    public var keyFile: String
    /// SHA-256 of the DER certificate, as colon-separated upper-case hex (as `openssl x509 -fingerprint -sha256` prints).
    public var fingerprint: String
    /// True when this run generated the pair.
    public var generated: Bool

    /// Uses the configured pair, or loads (creating on first start) a self-signed one in the data directory.
    public static func loadOrCreate(configuration: TLSConfiguration, dataDirectory: DataDirectory, hostnames: [String]) throws -> GatewayCertificate {
        if let cert = configuration.certificateFile, let key = configuration.keyFile {
            return GatewayCertificate(certificateFile: cert, keyFile: key, fingerprint: try fingerprint(ofPEMFile: cert), generated: false)
        }
        let certPath = dataDirectory.certificate
        let keyPath = dataDirectory.certificateKey
        if FileManager.default.fileExists(atPath: certPath), FileManager.default.fileExists(atPath: keyPath) {
            return GatewayCertificate(certificateFile: certPath, keyFile: keyPath, fingerprint: try fingerprint(ofPEMFile: certPath), generated: false)
        }
        let privateKey = P256.Signing.PrivateKey()
        let key = Certificate.PrivateKey(privateKey)
        let name = try DistinguishedName { CommonName("AuditGateway self-signed") }
        var names: [GeneralName] = []
        for host in hostnames {
            if let ip = IPAddressBytes(host) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip)))) } else { names.append(.dnsName(host)) }
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-300),
            notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: name,
            subject: name,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                SubjectAlternativeNames(names)
                KeyUsage(digitalSignature: true, keyEncipherment: true)
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: key
        )
        let certPEM = try certificate.serializeAsPEM().pemString
        let keyPEM = try key.serializeAsPEM().pemString
        try write(keyPEM, to: keyPath, mode: 0o600)
        try write(certPEM, to: certPath, mode: 0o644)
        var der = DER.Serializer()
        try der.serialize(certificate)
        return GatewayCertificate(certificateFile: certPath, keyFile: keyPath, fingerprint: format(SHA256.hash(data: der.serializedBytes)), generated: true)
    }

    static func fingerprint(ofPEMFile path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CredentialError(message: "cannot read certificate file \(path)")
        }
        let document = try PEMDocument(pemString: text)
        return format(SHA256.hash(data: document.derBytes))
    }

    private static func format(_ digest: SHA256.Digest) -> String {
        digest.map { String(format: "%02X", $0) }.joined(separator: ":")
    }

    private static func write(_ text: String, to path: String, mode: Int) throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode]) else {
            throw CredentialError(message: "cannot write \(path)")
        }
    }

    /// Parses dotted IPv4 or a plain IPv6 literal into bytes; nil for host names.
    private static func IPAddressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}
