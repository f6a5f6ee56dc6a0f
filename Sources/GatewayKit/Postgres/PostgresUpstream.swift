import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ProtocolParsers

/// Opens the gateway's own connection to a PostgreSQL server: TLS per the connection's
/// mode, the startup packet with the configured role, and password, MD5 or SCRAM-SHA-256
/// authentication with the credential only the gateway holds.
enum PostgresUpstream {
    /// What the server told us during startup, to replay to the client.
    struct Greeting {
        var parameters: [PostgresBackendMessage.ParameterStatus] = []
        var backendKey: PostgresBackendMessage.BackendKeyData?
        var transactionStatus: PostgresTransactionStatus = .idle
    }

    /// A TCP connection to `connection`'s server; the caller closes it.
    static func connect(to connection: ConnectionEntry, group: any EventLoopGroup) async throws -> ChannelByteStream {
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(connection.connectTimeout * 1000)))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: connection.address.host, port: connection.address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try ChannelByteStream(installingOn: channel)
                    }
                }
        } catch {
            throw PostgresUpstreamError(message: "cannot reach connection \(connection.name) at \(connection.address): \(error)")
        }
    }

    /// Negotiates TLS, sends the startup packet and authenticates; returns the reader
    /// positioned after the first ReadyForQuery, and the greeting.
    ///
    /// Every failure is a ``PostgresUpstreamError`` naming the connection and what went
    /// wrong (a TLS handshake the server's certificate failed, a malformed or injected
    /// message, the server closing), which the session sends the client as a FATAL error
    /// instead of just closing its connection.
    static func handshake(
        _ upstream: ChannelByteStream,
        connection: ConnectionEntry,
        password: Secret?,
        clientParameters: [PostgresFrontendMessage.Startup.Parameter],
        sslContext: NIOSSLContext?
    ) async throws -> (PostgresFrameReader<PostgresBackendMessageDecoder>, Greeting) {
        // A server that accepted the connection but never finishes start-up is cut off.
        let timedOut = NIOLockedValueBox(false)
        let deadline = upstream.channel.eventLoop.scheduleTask(in: .milliseconds(Int64(connection.connectTimeout * 1000))) {
            timedOut.withLockedValue { $0 = true }
            upstream.close()
        }
        defer { deadline.cancel() }
        do {
            return try await negotiate(upstream, connection: connection, password: password, clientParameters: clientParameters, sslContext: sslContext)
        } catch where timedOut.withLockedValue({ $0 }) {
            throw PostgresUpstreamError(message: "connection \(connection.name): the server did not finish start-up within \(PostgresRelay.describe(seconds: connection.connectTimeout))",
                                        hint: "check the server, or raise the connection's connect_timeout if it is only slow")
        } catch let error as PostgresUpstreamError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as PostgresWireError where error.code == .unexpectedDataAfterEncryptionRequest {
            throw PostgresUpstreamError(message: "connection \(connection.name): \(unencryptedAfterTLS)")
        } catch let error as PostgresWireError {
            throw PostgresUpstreamError(message: "connection \(connection.name): the server sent a malformed message (\(error)); the gateway refuses the connection")
        } catch where error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            let failure = TLSFailure(error)
            throw PostgresUpstreamError(message: "connection \(connection.name): TLS with the server failed: \(failure.reason)",
                                        hint: failure.isTrust ? "check the connection's tls mode and ca_file against the server's certificate" : nil)
        } catch {
            throw PostgresUpstreamError(message: "connection \(connection.name): the connection to the server failed during start-up: \(transportFailure(error))")
        }
    }

    /// Why a connection to the server failed (in start-up or mid-session), as a person reads it:
    /// the system's words for a socket error ("Connection reset by peer"), the TLS reason
    /// without library codes, or the error as it describes itself.
    static func transportFailure(_ error: any Error) -> String {
        if let io = error as? IOError {
            return String(cString: strerror(io.errnoCode))
        }
        if let ssl = error as? NIOSSLError, case .uncleanShutdown = ssl {
            return "the server ended the connection without closing TLS"
        }
        if error is NIOSSLError || error is BoringSSLError {
            return TLSFailure(error).reason
        }
        return "\(error)"
    }

    private static let unencryptedAfterTLS = "the server sent unencrypted data after agreeing to TLS; the gateway refuses the connection"

    /// Why a TLS handshake with the server failed, as a person reads it (BoringSSL's reason
    /// without its codes and source paths), and whether the connection's trust settings
    /// (`tls`, `ca_file`) are the likely cause.
    struct TLSFailure {
        var reason: String
        /// The server's certificate was refused (not vouched for, or not for this host).
        var isTrust: Bool

        init(_ error: any Error) {
            let text = String(describing: error)
            if let extra = error as? NIOSSLExtraError {
                // "NIOSSLExtraError.failedToValidateHostname: Couldn't find … in certificate from peer"
                reason = text.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? text
                isTrust = extra == .failedToValidateHostname
            } else if let marker = text.range(of: "OPENSSL_internal:") {
                let code = text[marker.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                isTrust = code.contains("CERTIFICATE")
                // A record that is not TLS: plaintext where the server agreed to encrypt.
                reason = code == "WRONG_VERSION_NUMBER" ? "the server did not speak TLS after agreeing to it"
                    : code.isEmpty ? text : code.lowercased().replacingOccurrences(of: "_", with: " ")
            } else if text.contains("EOF during handshake") || text.contains("uncleanShutdown") {
                reason = "the server closed the connection during the TLS handshake"
                isTrust = false
            } else {
                reason = text
                isTrust = false
            }
        }
    }

    private static func negotiate(
        _ upstream: ChannelByteStream,
        connection: ConnectionEntry,
        password: Secret?,
        clientParameters: [PostgresFrontendMessage.Startup.Parameter],
        sslContext: NIOSSLContext?
    ) async throws -> (PostgresFrameReader<PostgresBackendMessageDecoder>, Greeting) {
        var reader = PostgresFrameReader(upstream, decoder: PostgresBackendMessageDecoder(expecting: .messages))
        if connection.tls != .disable {
            reader.decoder = PostgresBackendMessageDecoder(expecting: .sslResponse)
            try await upstream.write(encode(.sslRequest))
            guard let (answer, _) = try await reader.next() else {
                throw PostgresUpstreamError(message: "connection \(connection.name): the server closed the connection during TLS negotiation")
            }
            guard case .sslResponse(let supported) = answer else {
                throw PostgresUpstreamError(message: "connection \(connection.name): unexpected answer to SSLRequest")
            }
            if supported, let sslContext {
                let hostname = connection.tls == .verifyFull && !isIPAddress(connection.address.host) ? connection.address.host : nil
                // Bytes the server sent after its 'S' would be taken as if they had come
                // through TLS (the class of CVE-2021-23222). The decoder refuses those that
                // came with the 'S'; these came just after it.
                let channel = upstream.channel
                let readerEmpty = reader.bufferedBytes == 0
                let upgraded = try await channel.eventLoop.submit {
                    guard readerEmpty, upstream.unreadBytes == 0 else { return false }
                    try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: hostname), position: .first)
                    return true
                }.get()
                guard upgraded else {
                    throw PostgresUpstreamError(message: "connection \(connection.name): \(unencryptedAfterTLS)")
                }
            } else if connection.tls == .require || connection.tls == .verifyFull {
                throw PostgresUpstreamError(message: "connection \(connection.name) requires TLS (tls: \(connection.tls.rawValue)) but the server does not offer it")
            }
        }

        let user = connection.username ?? "postgres"
        var parameters = [PostgresFrontendMessage.Startup.Parameter(name: "user", value: user)]
        if let database = connection.database { parameters.append(.init(name: "database", value: database)) }
        // `_pq_.` options are protocol extensions negotiated with the gateway, not the server's.
        for parameter in clientParameters where !["user", "database", "replication"].contains(parameter.name) && !parameter.name.hasPrefix("_pq_.") {
            parameters.append(parameter)
        }
        try await upstream.write(encode(.startup(.init(protocolVersion: .v3_0, parameters: parameters))))

        var scram: SCRAMSHA256Client?
        var greeting = Greeting()
        func requirePassword() throws -> Secret {
            guard let password else {
                throw PostgresUpstreamError(message: "connection \(connection.name): the server asks for a password but the connection has no credential configured")
            }
            return password
        }
        while true {
            guard let (message, _) = try await reader.next() else {
                throw PostgresUpstreamError(message: "connection \(connection.name): the server closed the connection during authentication")
            }
            switch message {
            case .authentication(.ok):
                continue
            case .authentication(.cleartextPassword):
                try await upstream.write(encode(.password(.init(password: try requirePassword().reveal()))))
            case .authentication(.md5Password(let salt)):
                let saltBytes = withUnsafeBytes(of: salt.bigEndian) { Array($0) }
                let answer = PostgresMD5Password.response(user: user, password: try requirePassword().reveal(), salt: saltBytes)
                try await upstream.write(encode(.password(.init(bytes: ByteBuffer(bytes: answer + [0])))))
            case .authentication(.sasl(let mechanisms)):
                guard mechanisms.contains(SCRAMSHA256Client.mechanism) else {
                    throw PostgresUpstreamError(message: "connection \(connection.name): the server offers only \(mechanisms.joined(separator: ", ")); the gateway speaks SCRAM-SHA-256")
                }
                var client = SCRAMSHA256Client(password: try requirePassword())
                let first = client.clientFirstMessage()
                scram = client
                try await upstream.write(encode(.password(.saslInitialResponse(mechanism: SCRAMSHA256Client.mechanism, initialResponse: ByteBuffer(bytes: first)))))
            case .authentication(.saslContinue(let data)):
                guard var client = scram else { throw PostgresUpstreamError(message: "connection \(connection.name): unexpected SASL challenge") }
                let final = try client.clientFinalMessage(serverFirst: Array(buffer: data))
                scram = client
                try await upstream.write(encode(.password(.saslResponse(ByteBuffer(bytes: final)))))
            case .authentication(.saslFinal(let data)):
                guard let client = scram else { throw PostgresUpstreamError(message: "connection \(connection.name): unexpected SASL outcome") }
                do {
                    try client.verify(serverFinal: Array(buffer: data))
                } catch {
                    throw PostgresUpstreamError(message: "connection \(connection.name): \(error)")
                }
            case .authentication(let other):
                throw PostgresUpstreamError(message: "connection \(connection.name): the server asks for an authentication method the gateway does not speak (\(other))")
            case .parameterStatus(let status):
                greeting.parameters.append(status)
            case .backendKeyData(let key):
                greeting.backendKey = key
            case .negotiateProtocolVersion, .noticeResponse:
                continue
            case .readyForQuery(let status):
                greeting.transactionStatus = status
                return (reader, greeting)
            case .errorResponse(let error):
                throw PostgresUpstreamError(message: "connection \(connection.name): the server refused the gateway: \(error.message ?? "unknown error")",
                                            sqlState: error.sqlState ?? "08006")
            default:
                throw PostgresUpstreamError(message: "connection \(connection.name): unexpected message during startup")
            }
        }
    }

    /// Sends a CancelRequest for `target` on a new connection, as libpq does.
    static func cancel(_ target: SessionRegistry.CancelTarget, group: any EventLoopGroup) async {
        guard let channel = try? await ClientBootstrap(group: group).connectTimeout(.seconds(5))
            .connect(host: target.host, port: target.port).get() else { return }
        let request = PostgresFrontendMessage.cancelRequest(.init(processID: target.processID, secretKey: target.secretKey))
        _ = try? await channel.writeAndFlush(encode(request)).get()
        _ = try? await channel.close().get()
    }

    static func encode(_ message: PostgresFrontendMessage) -> ByteBuffer {
        var buffer = ByteBuffer()
        message.encode(into: &buffer)
        return buffer
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
