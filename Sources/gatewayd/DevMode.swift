import Foundation
import GatewayKit

/// `gatewayd --dev`: a configuration a newcomer can try at once.
enum DevMode {
    static let adminGroup = "auditgateway-admins"

    static func configuration(dataDirectory: String?, adminListen: HostAndPort) throws -> GatewayConfiguration {
        let directory = try dataDirectory ?? makeTemporaryDirectory()
        var configuration = GatewayConfiguration(nodeID: "dev", dataDirectory: directory, devIssuer: true)
        configuration.admin.listen = adminListen
        configuration.admin.group = adminGroup
        return configuration
    }

    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/auditgateway-dev.XXXXXX".utf8CString)
        guard let result = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        return String(cString: result)
    }

    static func printWelcome(runtime: GatewayRuntime, adminPort: Int) {
        guard let issuer = runtime.devIssuer,
              let token = try? issuer.mint(subject: "dev-admin", groups: [adminGroup], ttl: 12 * 3600)
        else { return }
        let directory = runtime.configuration.dataDirectory
        let server = "http://\(runtime.configuration.admin.listen.host):\(adminPort)"
        let welcome = """

        AuditGateway is running in development mode (not for production).
          data directory   \(directory)
          admin API        \(server)
          TLS certificate  \(runtime.certificate.certificateFile)
                           SHA-256 \(runtime.certificate.fingerprint)

        A development token for 'dev-admin' (group \(adminGroup), valid 12h):

          export AUDIT_SERVER=\(server)
          export AUDIT_TOKEN=\(token)

        Then try:
          auditctl events search            # the audit trail
          auditctl sessions list
          auditctl verify                   # recompute the hash chain and checkpoints
          auditctl verify --store \(runtime.dataDirectory.auditStore)
          auditctl token mint --data-dir \(directory) --subject alice --group developers
          auditctl run --actor etl -- auditctl token exchange --actor loader --json   # a delegated chain
          auditctl sessions tree --subject dev-admin
          curl \(server)/metrics

        Stop with Ctrl-C.


        """
        FileHandle.standardOutput.write(Data(welcome.utf8))
    }
}
