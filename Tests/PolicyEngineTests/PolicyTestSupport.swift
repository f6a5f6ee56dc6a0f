import AuditCore
import Foundation
import PolicyEngine
import ProtocolParsers

/// Builders shared by the policy tests.
enum PolicyTestSupport {
    /// Monday 2026-11-30 10:00 UTC.
    static let mondayMorning = Date(timeIntervalSince1970: 1_796_032_800)

    static func identity(_ subject: String = "alice@example.com", groups: [String] = [], actors: [String] = []) -> Identity {
        Identity(subject: subject, issuer: "https://idp.example", groups: groups, actors: actors, expiresAt: .distantFuture)
    }

    /// A request to open `connection`.
    static func connect(
        _ connection: String = "orders-db", as identity: Identity = identity(), protocol name: String = "postgres",
        at time: Date = mondayMorning, grants: [AccessGrant] = []
    ) -> PolicyRequest {
        PolicyRequest(identity: identity, connection: connection, protocol: name, time: time, grants: grants)
    }

    /// A request to run `sql`, classified as the gateway classifies it.
    static func sql(
        _ sql: String, on connection: String = "orders-db", as identity: Identity = identity(), protocol name: String = "postgres",
        at time: Date = mondayMorning, grants: [AccessGrant] = []
    ) -> PolicyRequest {
        let info = SQLClassifier.classify(sql, dialect: name == "mysql" ? .mysql : .postgres)
        return PolicyRequest(
            identity: identity, connection: connection, protocol: name, command: sql, commandClass: info.commandClass.rawValue,
            objects: info.tables, riskFlags: info.flags, time: time, grants: grants)
    }

    /// A compiled policy from one YAML text (named `policy.yaml`).
    static func policy(_ yaml: String) throws -> PolicySet {
        try PolicySet.parse([PolicySource(name: "policy.yaml", text: yaml)])
    }

    /// The problems of loading these texts (named `a.yaml`, `b.yaml`, ...); empty when they load.
    static func issues(_ texts: String...) -> [PolicyIssue] {
        load(texts)
    }

    /// `file:line: field: message` lines for the problems of `texts`.
    static func messages(_ texts: String...) -> [String] {
        load(texts).map(\.description)
    }

    private static func load(_ texts: [String]) -> [PolicyIssue] {
        let sources = texts.enumerated().map { index, text in
            PolicySource(name: "\(Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index)))).yaml", text: text)
        }
        do {
            _ = try PolicySet.parse(sources)
            return []
        } catch {
            return error.issues
        }
    }
}
