import AuditCore
import Crypto
import Foundation
@testable import GatewayKit
import PolicyEngine
import Testing

/// The access-request ledger over a real audit store: every transition is an event first,
/// and reopening the store rebuilds the same state from the trail.
@Suite("Access requests and grants")
struct AccessRequestStoreTests {
    static func identity(_ subject: String, groups: [String] = []) -> Identity {
        Identity(subject: subject, issuer: "https://idp.example.com", groups: groups, actors: [], tokenID: "t-\(subject)",
                 expiresAt: Date().addingTimeInterval(3600))
    }

    static let requirement = ApprovalRequirement(approverGroups: ["dba"], approverSubjects: ["boss"], approvals: 2)
    let carol = identity("carol", groups: ["contractors", "dba"])
    let dan = identity("dan", groups: ["dba"])
    let erin = identity("erin", groups: ["sales"])
    let boss = identity("boss")

    static func openStore(_ directory: TemporaryDirectory) throws -> SQLiteAuditStore {
        try SQLiteAuditStore(path: directory.file("audit.sqlite"), nodeID: "n1",
                             signingKey: Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 3, count: 32)), durability: .normal)
    }

    @Test func approvalsByPermittedApproversBecomeAGrantThatExpires() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.openStore(directory)
        let access = AccessRequestStore(store: store)
        let start = Date()
        let request = try await access.create(identity: carol, connection: "orders-db", statement: "DELETE FROM orders WHERE id = 7",
                                              duration: 600, reason: "fix order 7", rule: "writes-need-approval", requirement: Self.requirement, now: start)
        #expect(request.state == .pending)
        let again = try await access.create(identity: carol, connection: "orders-db", statement: "DELETE FROM orders WHERE id = 7",
                                            duration: 600, reason: "retry", rule: "writes-need-approval", requirement: Self.requirement, now: start)
        #expect(again.id == request.id, "a retried statement finds the pending request")

        await #expect(throws: AccessRequestError.self) { try await access.approve(id: request.id, by: carol) }  // own request, though in dba
        await #expect(throws: AccessRequestError.self) { try await access.approve(id: request.id, by: erin) }   // not an approver
        let first = try await access.approve(id: request.id, by: dan, now: start + 1)
        #expect(first.state == .pending && first.approvals.count == 1)
        await #expect(throws: AccessRequestError.self) { try await access.approve(id: request.id, by: dan) }    // twice
        #expect(access.grants(subject: "carol", connection: "orders-db", at: start + 2).isEmpty)
        let second = try await access.approve(id: request.id, by: boss, now: start + 2)
        #expect(second.state == .approved)

        let grants = access.grants(subject: "carol", connection: "orders-db", at: start + 3)
        #expect(grants.map(\.requestID) == [request.id])
        #expect(grants.first?.statement == "DELETE FROM orders WHERE id = 7")
        #expect(access.grants(subject: "carol", connection: "billing", at: start + 3).isEmpty)
        #expect(access.grants(subject: "dan", connection: "orders-db", at: start + 3).isEmpty)
        #expect(access.grants(subject: "carol", connection: "orders-db", at: start + 603).isEmpty, "the grant ends after its duration")

        // Every step is in the trail, and the trail alone rebuilds the same state.
        let events = try await store.events(AuditQuery(types: [.accessRequested, .accessApproved, .accessDenied]))
        #expect(events.map(\.event.type) == [.accessRequested, .accessApproved, .accessApproved])
        #expect(events[1].event.subject == "dan" && events[2].event.subject == "boss")
        try await store.close()
        let reopened = try Self.openStore(directory)
        let rebuilt = AccessRequestStore(store: reopened)
        try await rebuilt.load()
        #expect(rebuilt.request(id: request.id)?.state == .approved)
        #expect(rebuilt.grants(subject: "carol", connection: "orders-db", at: start + 3).map(\.requestID) == [request.id])
        try await reopened.close()
    }

    @Test func deniedRequestsStayClosedAndListsShowWhatEachMaySee() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try Self.openStore(directory)
        let access = AccessRequestStore(store: store)
        let request = try await access.create(identity: erin, connection: "orders-db", statement: nil, duration: 3600, reason: "report",
                                              rule: "writes-need-approval", requirement: Self.requirement)
        await #expect(throws: AccessRequestError.self) { try await access.create(identity: erin, connection: "orders-db", statement: nil, duration: 0, reason: "x", rule: "r", requirement: Self.requirement) }
        let denied = try await access.deny(id: request.id, by: dan, reason: "use the reporting replica")
        #expect(denied.state == .denied && denied.deniedBy == "dan" && denied.denialReason == "use the reporting replica")
        await #expect(throws: AccessRequestError.self) { try await access.approve(id: request.id, by: boss) }
        #expect(access.grants(subject: "erin", connection: "orders-db").isEmpty)

        #expect(access.list(visibleTo: erin, isAdmin: false).map(\.id) == [request.id], "the requester sees their own")
        #expect(access.list(visibleTo: dan, isAdmin: false).map(\.id) == [request.id], "an approver sees what they may decide")
        #expect(access.list(visibleTo: Self.identity("frank"), isAdmin: false).isEmpty)
        #expect(access.list(visibleTo: Self.identity("frank"), isAdmin: true).count == 1)
        #expect(access.list(visibleTo: erin, isAdmin: false, state: .pending).isEmpty)
        try await store.close()
    }
}
