import AuditCore
import Foundation
import Hummingbird

/// SSH user certificates:
///
/// - `GET /.well-known/ssh-user-ca.pub` — the user CA's public key line (open, like the JWKS).
/// - `POST /v1/ssh/certificates` — any valid token: signs the caller's public key for a
///   short lifetime, with the caller's identity inside (see ``SSHCertificateIssuer``).
///
/// Without an SSH listener the gateway has no user CA, and both answer 404.
enum SSHCertificateRoutes {
    static func add(to router: Router<AdminRequestContext>, runtime: GatewayRuntime) {
        let configuration = runtime.configuration
        let issuer = runtime.sshUserCA.map { ca in
            SSHCertificateIssuer(ca: ca, delegation: runtime.delegation, store: runtime.store, maxTTL: configuration.tokens.maxSSHCertificateTTL,
                                 sshConnections: Set(configuration.connections.filter { $0.protocol == .ssh }.map(\.name)),
                                 sshPort: configuration.listeners.ssh.map(\.port).flatMap { $0 == 0 ? nil : $0 })
        }
        let unavailable = AdminError(.notFound, code: "not_found", "this gateway has no SSH listener, so it issues no SSH certificates (listeners.ssh)")

        router.get("/.well-known/ssh-user-ca.pub") { _, _ in
            guard let ca = runtime.sshUserCA else { throw unavailable }
            return Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: ca.publicKeyLine + "\n")))
        }

        let authenticated = router.group("v1")
            .add(middleware: AdminAuthMiddleware(verifier: runtime.verifier, adminGroup: configuration.admin.group, adminOnly: false))
        authenticated.post("ssh/certificates") { request, context in
            let identity = try context.requireIdentity()
            guard let issuer else { throw unavailable }
            let body: SSHCertificateRequest
            do {
                body = try AdminJSON.decoder().decode(SSHCertificateRequest.self, from: Data(buffer: try await request.body.collect(upTo: TokenRoutes.maxBody)))
            } catch {
                throw AdminError(.badRequest, code: "invalid_request", "send {\"public_key\": \"ssh-ed25519 AAAA...\", \"ttl\": \"1h\"}")
            }
            let ttl = try body.ttl.map { try TokenRoutes.duration($0, name: "ttl") }
            let issued = try await TokenRoutes.mapped { try await issuer.issue(caller: identity, publicKeyLine: body.publicKey, ttl: ttl) }
            return try AdminAPI.json(issued)
        }
    }
}
