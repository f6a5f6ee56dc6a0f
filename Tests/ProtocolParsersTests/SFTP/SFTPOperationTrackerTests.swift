import NIOCore
import Testing

@testable import ProtocolParsers

private let ok = SFTPStatus(code: .ok, message: "Success")
private let denied = SFTPStatus(code: .permissionDenied, message: "Permission denied")
private let h1 = SFTPHandle(bytes: [0, 0, 0, 1])
private let h2 = SFTPHandle(bytes: [0, 0, 0, 2])

/// Drives a tracker through a conversation and collects what it reports.
private struct Conversation {
    var tracker = SFTPOperationTracker()
    var operations: [SFTPOperation] = []

    init(_ tracker: SFTPOperationTracker = SFTPOperationTracker()) {
        self.tracker = tracker
        try! self.tracker.clientSent(.initialize(version: 3, extensions: []))
        try! self.server(.version(version: 3, extensions: []))
    }

    mutating func client(_ request: SFTPRequest) throws {
        try self.tracker.clientSent(request)
    }

    mutating func server(_ response: SFTPResponse) throws {
        if let operation = try self.tracker.serverSent(response) { self.operations.append(operation) }
    }
}

@Suite("SFTP operation tracker")
struct SFTPOperationTrackerTests {
    @Test func uploadOpenWriteClose() throws {
        var c = Conversation()
        let flags: SFTPOpenFlags = [.write, .create, .truncate]
        try c.client(.open(id: 1, path: "/srv/up.bin", flags: flags, attributes: SFTPAttributes(permissions: 0o644)))
        #expect(c.tracker.outstandingRequestCount == 1)
        try c.server(.handle(id: 1, h1))
        // Pipelined writes, one of them refused: only acknowledged bytes count.
        try c.client(.write(id: 2, handle: h1, offset: 0, dataLength: 32768))
        try c.client(.write(id: 3, handle: h1, offset: 32768, dataLength: 32768))
        try c.client(.write(id: 4, handle: h1, offset: 65536, dataLength: 100))
        try c.server(.status(id: 2, ok))
        try c.server(.status(id: 3, SFTPStatus(code: .failure, message: "No space left on device")))
        try c.server(.status(id: 4, ok))
        try c.client(.close(id: 5, handle: h1))
        try c.server(.status(id: 5, ok))
        #expect(
            c.operations == [
                SFTPOperation(requestID: 1, action: .open(path: "/srv/up.bin", flags: flags), outcome: .succeeded),
                SFTPOperation(requestID: 5, action: .close(path: "/srv/up.bin", flags: flags, bytesRead: 0, bytesWritten: 32868), outcome: .succeeded),
            ]
        )
        #expect(c.tracker.openHandleCount == 0)
        #expect(c.tracker.outstandingRequestCount == 0)
        #expect(c.tracker.version == 3)
    }

    @Test func downloadCountsDataReplies() throws {
        var c = Conversation()
        try c.client(.open(id: 1, path: "/etc/hosts", flags: .read, attributes: SFTPAttributes()))
        try c.server(.handle(id: 1, h1))
        try c.client(.fstat(id: 2, handle: h1))
        try c.server(.attributes(id: 2, SFTPAttributes(size: 300)))
        try c.client(.read(id: 3, handle: h1, offset: 0, length: 32768))
        try c.client(.read(id: 4, handle: h1, offset: 32768, length: 32768))
        try c.server(.data(id: 3, dataLength: 300))
        try c.server(.status(id: 4, SFTPStatus(code: .eof, message: "End of file")))
        try c.client(.close(id: 5, handle: h1))
        try c.server(.status(id: 5, ok))
        #expect(
            c.operations.map(\.action) == [
                .open(path: "/etc/hosts", flags: .read),
                .close(path: "/etc/hosts", flags: .read, bytesRead: 300, bytesWritten: 0),
            ]
        )
        #expect(c.operations.allSatisfy { $0.succeeded })
    }

    @Test func failedOpenCarriesTheStatus() throws {
        var c = Conversation()
        try c.client(.open(id: 7, path: "/root/secret", flags: .read, attributes: SFTPAttributes()))
        try c.server(.status(id: 7, denied))
        #expect(c.operations == [SFTPOperation(requestID: 7, action: .open(path: "/root/secret", flags: .read), outcome: .failed(denied))])
        #expect(c.tracker.openHandleCount == 0)
    }

    @Test func pathOperationsWithTheirOutcomes() throws {
        var c = Conversation()
        let requests: [SFTPRequest] = [
            .rename(id: 1, from: "/a", to: "/b"),
            .extended(id: 2, .posixRename(from: "/b", to: "/c")),
            .remove(id: 3, path: "/c"),
            .mkdir(id: 4, path: "/d", attributes: SFTPAttributes(permissions: 0o755)),
            .rmdir(id: 5, path: "/d"),
            .setstat(id: 6, path: "/e", attributes: SFTPAttributes(permissions: 0o600)),
            .extended(id: 7, .lsetstat(path: "/l", attributes: SFTPAttributes(userID: 0, groupID: 0))),
            .symlink(id: 8, linkPath: "/ln", targetPath: "/e"),
            .extended(id: 9, .hardlink(from: "/e", to: "/hl")),
            .stat(id: 10, path: "/e"),
            .realpath(id: 11, path: "."),
        ]
        for request in requests { try c.client(request) }
        try c.server(.status(id: 1, ok))
        try c.server(.status(id: 2, ok))
        try c.server(.status(id: 3, SFTPStatus(code: .noSuchFile, message: "No such file")))
        for id: UInt32 in 4...9 { try c.server(.status(id: id, ok)) }
        try c.server(.attributes(id: 10, SFTPAttributes(size: 1)))
        try c.server(.name(id: 11, [SFTPName(filename: "/home/u", longname: "", attributes: SFTPAttributes())]))
        #expect(
            c.operations == [
                SFTPOperation(requestID: 1, action: .rename(from: "/a", to: "/b"), outcome: .succeeded),
                SFTPOperation(requestID: 2, action: .rename(from: "/b", to: "/c"), outcome: .succeeded),
                SFTPOperation(requestID: 3, action: .remove(path: "/c"), outcome: .failed(SFTPStatus(code: .noSuchFile, message: "No such file"))),
                SFTPOperation(requestID: 4, action: .mkdir(path: "/d", attributes: SFTPAttributes(permissions: 0o755)), outcome: .succeeded),
                SFTPOperation(requestID: 5, action: .rmdir(path: "/d"), outcome: .succeeded),
                SFTPOperation(requestID: 6, action: .setstat(path: "/e", attributes: SFTPAttributes(permissions: 0o600)), outcome: .succeeded),
                SFTPOperation(requestID: 7, action: .setstat(path: "/l", attributes: SFTPAttributes(userID: 0, groupID: 0)), outcome: .succeeded),
                SFTPOperation(requestID: 8, action: .symlink(linkPath: "/ln", targetPath: "/e"), outcome: .succeeded),
                SFTPOperation(requestID: 9, action: .hardlink(from: "/e", to: "/hl"), outcome: .succeeded),
            ]
        )
        #expect(c.tracker.outstandingRequestCount == 0)
    }

    @Test func fsetstatNamesTheOpenFile() throws {
        var c = Conversation()
        try c.client(.open(id: 1, path: "/f", flags: .write, attributes: SFTPAttributes()))
        try c.server(.handle(id: 1, h1))
        try c.client(.fsetstat(id: 2, handle: h1, attributes: SFTPAttributes(accessTime: 5, modificationTime: 6)))
        try c.client(.fsetstat(id: 3, handle: h2, attributes: SFTPAttributes(size: 0)))
        try c.server(.status(id: 2, ok))
        try c.server(.status(id: 3, SFTPStatus(code: .failure)))
        #expect(c.operations.last == SFTPOperation(requestID: 2, action: .setstat(path: "/f", attributes: SFTPAttributes(accessTime: 5, modificationTime: 6)), outcome: .succeeded))
    }

    @Test func directoryListing() throws {
        var c = Conversation()
        try c.client(.opendir(id: 1, path: "/var/log"))
        try c.server(.handle(id: 1, h2))
        try c.client(.readdir(id: 2, handle: h2))
        try c.server(.name(id: 2, [SFTPName(filename: ".", longname: "", attributes: SFTPAttributes()), SFTPName(filename: "syslog", longname: "", attributes: SFTPAttributes())]))
        try c.client(.readdir(id: 3, handle: h2))
        try c.server(.status(id: 3, SFTPStatus(code: .eof)))
        try c.client(.close(id: 4, handle: h2))
        try c.server(.status(id: 4, ok))
        try c.client(.opendir(id: 5, path: "/root"))
        try c.server(.status(id: 5, denied))
        #expect(
            c.operations == [
                SFTPOperation(requestID: 4, action: .listDirectory(path: "/var/log", entries: 2), outcome: .succeeded),
                SFTPOperation(requestID: 5, action: .listDirectory(path: "/root", entries: 0), outcome: .failed(denied)),
            ]
        )
    }

    @Test func unexpectedRepliesAndStrayIDs() throws {
        var c = Conversation()
        try c.client(.open(id: 1, path: "/x", flags: .read, attributes: SFTPAttributes()))
        try c.server(.data(id: 1, dataLength: 4))
        try c.server(.status(id: 99, ok))  // answers nothing: ignored
        try c.client(.remove(id: 2, path: "/y"))
        try c.server(.unknown(type: SFTPPacketType(rawValue: 150), id: 2))
        #expect(
            c.operations == [
                SFTPOperation(requestID: 1, action: .open(path: "/x", flags: .read), outcome: .unexpectedReply(.data)),
                SFTPOperation(requestID: 2, action: .remove(path: "/y"), outcome: .unexpectedReply(SFTPPacketType(rawValue: 150))),
            ]
        )
    }

    @Test func channelCloseReportsWhatWasInFlight() throws {
        var c = Conversation()
        try c.client(.open(id: 1, path: "/big", flags: [.write, .create], attributes: SFTPAttributes()))
        try c.server(.handle(id: 1, h1))
        try c.client(.write(id: 2, handle: h1, offset: 0, dataLength: 10))
        try c.server(.status(id: 2, ok))
        try c.client(.opendir(id: 3, path: "/d"))
        try c.server(.handle(id: 3, h2))
        try c.client(.remove(id: 4, path: "/z"))
        try c.client(.close(id: 5, handle: h1))
        try c.client(.open(id: 6, path: "/other", flags: .read, attributes: SFTPAttributes()))
        let flushed = c.tracker.channelClosed()
        #expect(
            flushed == [
                SFTPOperation(requestID: 4, action: .remove(path: "/z"), outcome: .interrupted),
                SFTPOperation(requestID: 6, action: .open(path: "/other", flags: .read), outcome: .interrupted),
                SFTPOperation(requestID: 5, action: .close(path: "/big", flags: [.write, .create], bytesRead: 0, bytesWritten: 10), outcome: .interrupted),
                SFTPOperation(requestID: nil, action: .listDirectory(path: "/d", entries: 0), outcome: .interrupted),
            ]
        )
        #expect(c.tracker.openHandleCount == 0 && c.tracker.outstandingRequestCount == 0)
        #expect(c.tracker.channelClosed().isEmpty)
    }

    // MARK: Limits

    @Test func outstandingRequestsAreBounded() throws {
        var c = Conversation(SFTPOperationTracker(maximumOutstandingRequests: 3))
        for id: UInt32 in 1...3 { try c.client(.stat(id: id, path: "/s")) }
        #expect {
            try c.client(.stat(id: 4, path: "/s"))
        } throws: { ($0 as? SFTPError)?.code == .tooManyOutstandingRequests }
        try c.server(.attributes(id: 1, SFTPAttributes()))
        try c.client(.stat(id: 4, path: "/s"))
    }

    @Test func openHandlesAreBoundedIncludingOpensInFlight() throws {
        var c = Conversation(SFTPOperationTracker(maximumOpenHandles: 2))
        try c.client(.open(id: 1, path: "/a", flags: .read, attributes: SFTPAttributes()))
        try c.server(.handle(id: 1, h1))
        try c.client(.opendir(id: 2, path: "/b"))
        #expect {
            try c.client(.open(id: 3, path: "/c", flags: .read, attributes: SFTPAttributes()))
        } throws: { ($0 as? SFTPError)?.code == .tooManyOpenHandles }
        #expect(c.tracker.outstandingRequestCount == 1, "the refused request is not stored")
        try c.server(.status(id: 2, denied))
        try c.client(.open(id: 3, path: "/c", flags: .read, attributes: SFTPAttributes()))
    }

    @Test func retainedPathBytesAreBounded() throws {
        var c = Conversation(SFTPOperationTracker(maximumRetainedBytes: 100))
        let long = String(repeating: "p", count: 60)
        try c.client(.remove(id: 1, path: long))
        let error = #expect(throws: SFTPError.self) {
            try c.client(.rename(id: 2, from: long, to: "/x"))
        }
        #expect(error?.code == .tooMuchRetainedState)
        try c.server(.status(id: 1, ok))
        try c.client(.rename(id: 2, from: long, to: "/x"))
        // Extended attributes a SETSTAT carries count as well.
        let bulky = SFTPAttributes(extended: [SFTPExtensionPair(name: "x", data: String(repeating: "d", count: 50))])
        #expect(throws: SFTPError.self) {
            try c.client(.setstat(id: 3, path: "/s", attributes: bulky))
        }
        try c.server(.status(id: 2, ok))
        try c.client(.setstat(id: 3, path: "/s", attributes: bulky))
    }

    @Test func duplicateRequestIDsAreRefused() throws {
        var c = Conversation()
        try c.client(.remove(id: 1, path: "/a"))
        let error = #expect(throws: SFTPError.self) {
            try c.client(.remove(id: 1, path: "/b"))
        }
        #expect(error?.code == .duplicateRequestID)
        #expect(error?.packetType == .remove)
    }

    @Test func otherProtocolVersionsAreRefused() {
        var tracker = SFTPOperationTracker()
        let error = #expect(throws: SFTPError.self) {
            _ = try tracker.serverSent(.version(version: 6, extensions: []))
        }
        #expect(error?.code == .unsupportedVersion)
    }

    // MARK: From bytes

    /// A whole session as bytes, through both decoders (split into odd chunks) and the tracker.
    @Test func sessionFromTheWire() throws {
        let client =
            packet(1, be32(3))
            + packet(3, be32(0) + str("/tmp/report.csv") + be32(0x1A) + be32(4) + be32(0o644))
            + packet(6, be32(1) + str(bytes: [0, 0, 0, 0]) + be64(0) + str(String(repeating: "x", count: 1000)))
            + packet(4, be32(2) + str(bytes: [0, 0, 0, 0]))
            + packet(200, be32(3) + str("posix-rename@openssh.com") + str("/tmp/report.csv") + str("/tmp/final.csv"))
        let server =
            packet(2, be32(3) + str("posix-rename@openssh.com") + str("1"))
            + packet(102, be32(0) + str(bytes: [0, 0, 0, 0]))
            + packet(101, be32(1) + be32(0) + str("Success") + str(""))
            + packet(101, be32(2) + be32(0) + str("Success") + str(""))
            + packet(101, be32(3) + be32(4) + str("Failure") + str(""))
        let requests = try processAll(SFTPRequestDecoder(), client, cuts: [7, 100, 101, 700]).map(\.0)
        let responses = try processAll(SFTPResponseDecoder(), server, cuts: [1, 50]).map(\.0)
        // Replay in the order the gateway would see them: each request, then its reply.
        var tracker = SFTPOperationTracker()
        var operations: [SFTPOperation] = []
        for (request, response) in zip(requests, responses) {
            try tracker.clientSent(request)
            if let operation = try tracker.serverSent(response) { operations.append(operation) }
        }
        let flags: SFTPOpenFlags = [.write, .create, .truncate]
        #expect(
            operations == [
                SFTPOperation(requestID: 0, action: .open(path: "/tmp/report.csv", flags: flags), outcome: .succeeded),
                SFTPOperation(requestID: 2, action: .close(path: "/tmp/report.csv", flags: flags, bytesRead: 0, bytesWritten: 1000), outcome: .succeeded),
                SFTPOperation(requestID: 3, action: .rename(from: "/tmp/report.csv", to: "/tmp/final.csv"), outcome: .failed(SFTPStatus(code: .failure, message: "Failure"))),
            ]
        )
    }
}
