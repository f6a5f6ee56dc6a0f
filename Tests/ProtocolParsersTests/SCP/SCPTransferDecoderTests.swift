import NIOCore
import Testing

@testable import ProtocolParsers

@Suite("scp transfer decoding")
struct SCPTransferDecoderTests {
    /// `scp -O -r -p a.txt sub host:dest`: the client is the source.
    @Test func uploadOfTwoFilesAndADirectory() throws {
        let turns: [Turn] = [
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("T1700000000 0 1700000001 0")),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0644 5 a.txt")),
            Turn(peer: .server, bytes: okByte),
            // The data holds what looks like records: it must be skipped by count.
            Turn(peer: .client, bytes: Array("E\nD\n".utf8) + [0x43] + okByte),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("D0755 0 sub")),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0600 0 empty")),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0640 3 b.bin")),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: [0, 10, 0] + okByte),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("E")),
            Turn(peer: .server, bytes: okByte),
        ]
        let a = SCPFile(name: "a.txt", mode: 0o644, size: 5, modificationTime: 1_700_000_000, accessTime: 1_700_000_001)
        let empty = SCPFile(name: "empty", directory: "sub", mode: 0o600, size: 0)
        let b = SCPFile(name: "b.bin", directory: "sub", mode: 0o640, size: 3)
        try expectTransfer(
            .upload,
            turns,
            yields: [
                .fileStarted(a),
                .fileFinished(a, bytes: 5, outcome: .succeeded),
                .directoryEntered(path: "sub", mode: 0o755),
                .fileStarted(empty),
                .fileFinished(empty, bytes: 0, outcome: .succeeded),
                .fileStarted(b),
                .fileFinished(b, bytes: 3, outcome: .succeeded),
                .directoryLeft(path: "sub"),
            ]
        )
        #expect(b.path == "sub/b.bin")
    }

    /// `scp -O -r host:'src' .`: the server is the source, with nested directories and an
    /// error about one file it could not read.
    @Test func downloadOfTwoFilesAndADirectory() throws {
        let turns: [Turn] = [
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: line("D0700 0 src")),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: line("C0644 11 one.txt")),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: Array("first file\n".utf8) + okByte),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: line("D0755 0 deeper")),
            Turn(peer: .client, bytes: okByte),
            // The source reports an unreadable file and carries on without waiting.
            Turn(peer: .server, bytes: warning("scp: src/deeper/locked: Permission denied") + line("C0600 4 two.key")),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: [1, 2, 3, 4] + okByte),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: line("E")),
            Turn(peer: .client, bytes: okByte),
            Turn(peer: .server, bytes: line("E")),
            Turn(peer: .client, bytes: okByte),
        ]
        let one = SCPFile(name: "one.txt", directory: "src", mode: 0o644, size: 11)
        let two = SCPFile(name: "two.key", directory: "src/deeper", mode: 0o600, size: 4)
        try expectTransfer(
            .download,
            turns,
            yields: [
                .directoryEntered(path: "src", mode: 0o700),
                .fileStarted(one),
                .fileFinished(one, bytes: 11, outcome: .succeeded),
                .directoryEntered(path: "src/deeper", mode: 0o755),
                .errorReported(by: .server, message: "scp: src/deeper/locked: Permission denied", isFatal: false),
                .fileStarted(two),
                .fileFinished(two, bytes: 4, outcome: .succeeded),
                .directoryLeft(path: "src/deeper"),
                .directoryLeft(path: "src"),
            ]
        )
    }

    @Test func refusalsFromTheReceivingSide() throws {
        let turns: [Turn] = [
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0644 100 passwd")),
            // Refused: no data follows, the next record does.
            Turn(peer: .server, bytes: warning("scp: /etc/passwd: Permission denied")),
            Turn(peer: .client, bytes: line("D0755 0 dir")),
            Turn(peer: .server, bytes: warning("scp: /etc/dir: Permission denied")),
            // The directory was refused, so this file is at the top level and no E follows.
            Turn(peer: .client, bytes: line("C0644 2 ok")),
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: [1, 2] + okByte),
            Turn(peer: .server, bytes: warning("scp: /etc/ok: No space left on device")),
        ]
        let passwd = SCPFile(name: "passwd", mode: 0o644, size: 100)
        let ok = SCPFile(name: "ok", mode: 0o644, size: 2)
        try expectTransfer(
            .upload,
            turns,
            yields: [
                .fileStarted(passwd),
                .fileFinished(passwd, bytes: 0, outcome: .failed(by: .server, message: "scp: /etc/passwd: Permission denied")),
                .errorReported(by: .server, message: "scp: /etc/dir: Permission denied", isFatal: false),
                .fileStarted(ok),
                .fileFinished(ok, bytes: 2, outcome: .failed(by: .server, message: "scp: /etc/ok: No space left on device")),
            ]
        )
    }

    @Test func sourceReadErrorAfterTheData() throws {
        let file = SCPFile(name: "log", mode: 0o644, size: 3)
        try expectTransfer(
            .download,
            [
                Turn(peer: .client, bytes: okByte),
                Turn(peer: .server, bytes: line("C0644 3 log")),
                Turn(peer: .client, bytes: okByte),
                Turn(peer: .server, bytes: [0, 0, 0] + warning("scp: log: Input/output error")),
                Turn(peer: .client, bytes: okByte),
            ],
            yields: [
                .fileStarted(file),
                .fileFinished(file, bytes: 3, outcome: .failed(by: .server, message: "scp: log: Input/output error")),
            ]
        )
    }

    @Test func fatalErrorsEndTheTransfer() throws {
        let file = SCPFile(name: "x", mode: 0o644, size: 1)
        try expectTransfer(
            .upload,
            [
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: line("C0644 1 x")),
                Turn(peer: .server, bytes: fatal("scp: ambiguous target")),
                // Whatever follows is not interpreted.
                Turn(peer: .client, bytes: Array("garbage\n\u{7}".utf8)),
                Turn(peer: .server, bytes: [9, 9]),
            ],
            yields: [.fileStarted(file), .fileFinished(file, bytes: 0, outcome: .failed(by: .server, message: "scp: ambiguous target"))]
        )
        try expectTransfer(
            .download,
            [Turn(peer: .client, bytes: okByte), Turn(peer: .server, bytes: fatal("scp: /nope: No such file or directory"))],
            yields: [.errorReported(by: .server, message: "scp: /nope: No such file or directory", isFatal: true)]
        )
        try expectTransfer(
            .upload,
            [Turn(peer: .server, bytes: warning("scp: /target: Not a directory"))],
            yields: [.errorReported(by: .server, message: "scp: /target: Not a directory", isFatal: false)]
        )
    }

    @Test func timesBelongToTheNextFileOnly() throws {
        let first = SCPFile(name: "f1", mode: 0o644, size: 0, modificationTime: 5, accessTime: 6)
        let second = SCPFile(name: "f2", mode: 0o644, size: 0)
        try expectTransfer(
            .upload,
            [
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: line("T5 0 6 999999")),
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: line("C0644 0 f1")),
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: okByte),
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: line("C0644 0 f2")),
                Turn(peer: .server, bytes: okByte),
                Turn(peer: .client, bytes: okByte),
                Turn(peer: .server, bytes: okByte),
            ],
            yields: [
                .fileStarted(first), .fileFinished(first, bytes: 0, outcome: .succeeded),
                .fileStarted(second), .fileFinished(second, bytes: 0, outcome: .succeeded),
            ]
        )
    }

    @Test func aLargeFileIsSkippedNotBuffered() throws {
        var transfer = SCPTransferDecoder(direction: .upload)
        var events: [SCPEvent] = []
        let size = 64 << 20
        try transfer.process(ByteBuffer(bytes: okByte), from: .server) { events.append($0) }
        try transfer.process(ByteBuffer(bytes: line("C0644 \(size) big.iso")), from: .client) { events.append($0) }
        try transfer.process(ByteBuffer(bytes: okByte), from: .server) { events.append($0) }
        let chunk = ByteBuffer(repeating: 0x0A, count: 1 << 20)
        for _ in 0..<(size >> 20) {
            try transfer.process(chunk, from: .client) { events.append($0) }
        }
        try transfer.process(ByteBuffer(bytes: okByte), from: .client) { events.append($0) }
        try transfer.process(ByteBuffer(bytes: okByte), from: .server) { events.append($0) }
        let file = SCPFile(name: "big.iso", mode: 0o644, size: UInt64(size))
        #expect(events == [.fileStarted(file), .fileFinished(file, bytes: UInt64(size), outcome: .succeeded)])
    }

    @Test func channelCloseMidFileReportsTheBytesThatPassed() throws {
        let file = SCPFile(name: "part", mode: 0o644, size: 10)
        let base: [Turn] = [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: line("C0644 10 part"))]
        #expect(try runTransfer(.upload, base) == [.fileStarted(file), .fileFinished(file, bytes: 0, outcome: .interrupted)])
        let midData = base + [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: [1, 2, 3, 4])]
        #expect(try runTransfer(.upload, midData) == [.fileStarted(file), .fileFinished(file, bytes: 4, outcome: .interrupted)])
        let unanswered = base + [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: [UInt8](repeating: 0, count: 11))]
        #expect(try runTransfer(.upload, unanswered) == [.fileStarted(file), .fileFinished(file, bytes: 10, outcome: .interrupted)])
        #expect(try runTransfer(.upload, [Turn(peer: .server, bytes: okByte)]).isEmpty)
    }

    // MARK: Refused streams

    @Test func dataBeforeTheReceiverAcceptsIsOutOfTurn() {
        // A client that pipelines a record and "data" the receiver may refuse could hide a
        // file from the audit: the decoder refuses to guess.
        let error = expectSCPError(.outOfTurn, [
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0644 5 a") + Array("C0644".utf8)),
        ])
        #expect(error?.peer == .client)
        expectSCPError(.outOfTurn, [Turn(peer: .client, bytes: line("C0644 5 a"))])
        let extraAnswer = expectSCPError(.outOfTurn, [Turn(peer: .server, bytes: okByte + okByte)])
        #expect(extraAnswer?.peer == .server)
        expectSCPError(
            .outOfTurn,
            [Turn(peer: .client, bytes: okByte), Turn(peer: .server, bytes: line("C0644 1 a")), Turn(peer: .client, bytes: okByte), Turn(peer: .client, bytes: okByte)],
            direction: .download
        )
    }

    /// Malformed source lines (the sink has answered the start).
    static let malformedRecords: [(String, [UInt8], SCPError.Code)] = [
        ("three-digit mode", line("C644 5 a"), .malformedRecord),
        ("non-octal mode", line("C0648 5 a"), .malformedRecord),
        ("size with a letter", line("C0644 5a a"), .malformedRecord),
        ("two spaces", line("C0644  5 a"), .malformedRecord),
        ("no size", line("C0644 "), .malformedRecord),
        ("size beyond 64 bits", line("C0644 99999999999999999999 a"), .malformedRecord),
        ("empty name", line("C0644 5 "), .invalidName),
        ("name with a slash", line("C0644 5 ../../.ssh/authorized_keys"), .invalidName),
        ("name ..", line("D0755 0 .."), .invalidName),
        ("name .", line("D0755 0 ."), .invalidName),
        ("unknown record", line("X"), .unexpectedRecord),
        ("empty line", line(""), .unexpectedRecord),
        ("E with arguments", line("E 0"), .malformedRecord),
        ("E at the top level", line("E"), .unbalancedDirectoryEnd),
        ("T with three fields", line("T1 0 2"), .malformedRecord),
        ("T with a million microseconds", line("T1 1000000 2 0"), .malformedRecord),
        ("T with trailing text", line("T1 0 2 0 x"), .malformedRecord),
    ]

    @Test func malformedRecordsAreRefused() {
        for (name, bytes, code) in Self.malformedRecords {
            let error = expectSCPError(code, [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: bytes)])
            #expect(error?.detail.isEmpty == false, "\(name)")
        }
        // A name with a NUL, and a NUL where a record should start.
        expectSCPError(.invalidName, [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: Array("C0644 1 a".utf8) + [0, 0x62, 0x0A])])
        expectSCPError(.unexpectedRecord, [Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: [0, 0x0A])])
    }

    @Test func otherProtocolViolations() {
        expectSCPError(.unexpectedResponse, [Turn(peer: .server, bytes: [5])])
        expectSCPError(.malformedRecord, [
            Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: line("C0644 1 a")),
            Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: [0x41, 7]),
        ])
        let tooLong = expectSCPError(.lineTooLong, [
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: Array("C0644 1 ".utf8) + [UInt8](repeating: 0x61, count: 5000)),
        ])
        #expect(tooLong.map { "\($0)" } == "scp stream from the client refused (lineTooLong): a line ran past 4096 bytes without a newline")
        expectSCPError(.lineTooLong, [Turn(peer: .server, bytes: [1] + [UInt8](repeating: 0x61, count: 4097))])
        let shallow = SCPTransferDecoder(direction: .upload, maximumDirectoryDepth: 2)
        expectSCPError(.directoryTooDeep, [
            Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("D0755 0 a")), Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("D0755 0 b")), Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("D0755 0 c")),
        ], decoder: shallow)
    }

    /// Mutations of the upload conversation: events or `SCPError`, never a trap.
    @Test func mutatedStreamsNeverCrash() {
        var rng = PostgresCodecRegressionTests.SplitMix(state: 0x5C9)
        let script: [Turn] = [
            Turn(peer: .server, bytes: okByte), Turn(peer: .client, bytes: line("T1 0 2 0")), Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("D0755 0 d")), Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: line("C0644 4 f")), Turn(peer: .server, bytes: okByte),
            Turn(peer: .client, bytes: [1, 2, 3, 4, 0]), Turn(peer: .server, bytes: warning("scp: f: denied")),
            Turn(peer: .client, bytes: line("E")), Turn(peer: .server, bytes: okByte),
        ]
        for _ in 0..<2000 {
            var turns = script
            let index = Int.random(in: 0..<turns.count, using: &rng)
            turns[index].bytes = PostgresCodecRegressionTests.mutate(turns[index].bytes, using: &rng)
            do {
                _ = try runTransfer(.upload, turns, chunkSize: Int.random(in: 1...8, using: &rng))
            } catch is SCPError {
                // Expected for most mutations.
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
