import NIOSSL

/// Builds the TLS contexts: the server side from the gateway certificate, the client side
/// per upstream connection from its `tls` mode.
enum TLSContexts {
    static func server(_ certificate: GatewayCertificate) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificate.certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: certificate.keyFile, format: .pem)
        return try NIOSSLContext(configuration: NIOSSL.TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }

    static func upstream(_ connection: ConnectionEntry) throws -> NIOSSLContext? {
        var configuration = NIOSSL.TLSConfiguration.makeClientConfiguration()
        switch connection.tls {
        case .disable:
            return nil
        case .prefer, .require:
            configuration.certificateVerification = .none
        case .verifyFull:
            configuration.certificateVerification = .fullVerification
            if let caFile = connection.caFile { configuration.trustRoots = .file(caFile) }
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
