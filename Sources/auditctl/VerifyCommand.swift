import ArgumentParser
import AuditCore
import Crypto
import Foundation
import GatewayKit

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the audit hash chain and check every signed checkpoint.",
        discussion: """
        Online, the gateway verifies its own store. Offline (--store), auditctl opens the SQLite
        file read-only; pin the node's public key with --public-key (the `x` of the gateway's
        /.well-known/jwks.json) or it uses the key recorded in the store.
        Exits 0 when intact, 1 naming the first bad event otherwise.
        """
    )
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions
    @Option(help: "Verify this store file offline instead of asking the gateway.")
    var store: String?
    @Option(help: "With --store: the node's Ed25519 public key, base64 or base64url (32 bytes).")
    var publicKey: String?

    func run() async throws {
        let report: VerificationReport
        if let store {
            guard FileManager.default.fileExists(atPath: store) else {
                FileHandle.standardError.write(Data("auditctl: no store file at \(store)\n".utf8))
                throw Exit.notFound
            }
            var key: Curve25519.Signing.PublicKey?
            if let publicKey {
                guard let raw = Self.base64(publicKey), let parsed = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
                    throw ValidationError("--public-key must be a 32-byte Ed25519 key in base64 or base64url")
                }
                key = parsed
            }
            do {
                report = try ChainVerifier.verify(storeAt: store, publicKey: key)
            } catch {
                FileHandle.standardError.write(Data("auditctl: cannot verify \(store): \(error)\n".utf8))
                throw Exit.verificationFailed
            }
        } else {
            let client = try server.client()
            report = try await Exit.reporting { try await client.get("/v1/verify") }
        }
        if output.json {
            try Format.printJSON(report)
        } else if report.ok {
            print("chain OK: \(report.eventsChecked) events, \(report.checkpointsChecked) signed checkpoints, last event \(report.lastSeq)")
        } else {
            print("chain BROKEN: \(report.problem?.message ?? "unknown problem")")
        }
        if !report.ok { throw Exit.verificationFailed }
    }

    static func base64(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
