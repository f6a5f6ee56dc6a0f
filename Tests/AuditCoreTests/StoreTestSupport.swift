import AuditCore
import Crypto
import Foundation
import Testing

/// A temporary directory removed when the test ends.
final class StoreTestDirectory: Sendable {
    let path: String

    init(_ name: String = #function) throws {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        path = FileManager.default.temporaryDirectory.appendingPathComponent("auditcore-\(safe)-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }
}

enum StoreFixtures {
    static let key = try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
    static let otherKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 9, count: 32))
    static let epoch = Date(timeIntervalSince1970: 1_764_234_000)

    static func identity(_ subject: String = "alice@example.com", actors: [String] = ["agent:planner", "agent:sql-runner"], token: String = "tok-1") -> Identity {
        Identity(subject: subject, issuer: "https://issuer.example.com", groups: ["dba"], actors: actors, tokenID: token,
                 expiresAt: epoch.addingTimeInterval(3600))
    }

    static func openStore(_ path: String, checkpointEvery: Int = 1000, checkpointInterval: TimeInterval = 3600,
                          durability: SQLiteAuditStore.Durability = .full, key: Curve25519.Signing.PrivateKey = key) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: path, nodeID: "node-a", signingKey: key, checkpointEvery: checkpointEvery,
                             checkpointInterval: checkpointInterval, durability: durability)
    }

    static func command(_ index: Int, session: String = "s-1", identity: Identity? = StoreFixtures.identity(),
                        connection: String = "orders-db", protocol proto: String = "postgres") -> AuditEvent {
        AuditEvent(type: .command, time: epoch.addingTimeInterval(Double(index)), sessionID: session, identity: identity,
                   connection: connection, protocol: proto, fields: [AuditField.statement: .string("SELECT \(index)")])
    }

    /// Runs SQL on the store file with the `sqlite3` CLI, as an attacker with file access
    /// would (dropping the append-only triggers first). Returns stdout.
    @discardableResult
    static func sqlite(_ path: String, _ sql: String, json: Bool = false, dropTriggers: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        let prefix = dropTriggers ? """
            DROP TRIGGER IF EXISTS events_append_only_update; DROP TRIGGER IF EXISTS events_append_only_delete;
            DROP TRIGGER IF EXISTS checkpoints_append_only_update; DROP TRIGGER IF EXISTS checkpoints_append_only_delete;

            """ : ""
        // The store's own background work (indexing, checkpoints) may hold the write lock for
        // a moment: wait for it as a real second writer would.
        process.arguments = ["-cmd", ".timeout 10000"] + (json ? ["-json"] : []) + [path, prefix + sql]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StoreTestFailure("sqlite3 failed (\(process.terminationStatus)): \(errorText)\nSQL: \(sql)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Rows of a query as JSON objects (via `sqlite3 -json`).
    static func rows(_ path: String, _ sql: String) throws -> [[String: Any]] {
        let text = try sqlite(path, sql, json: true, dropTriggers: false)
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return [] }
        return try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] ?? []
    }

    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

struct StoreTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
