import AuditCore
import Foundation
import Testing

@Suite("Recordings")
struct RecordingTests {
    static func gunzip(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/gzip")
        process.arguments = ["-dc", path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw StoreTestFailure("gzip -dc \(path) failed") }
        return String(decoding: data, as: UTF8.self)
    }

    static func chunkFiles(_ directory: String, _ session: String) throws -> [String] {
        let sessionDirectory = (directory as NSString).appendingPathComponent(session)
        return try FileManager.default.contentsOfDirectory(atPath: sessionDirectory).filter { $0.hasSuffix(".cast.gz") }.sorted()
            .map { (sessionDirectory as NSString).appendingPathComponent($0) }
    }

    /// Records a session over several chunks; returns what was recorded, in order.
    static func record(store: SQLiteAuditStore, directory: String, session: String) async throws -> [RecordingEvent] {
        let header = AsciicastHeader(width: 120, height: 40, timestamp: StoreFixtures.epoch, title: "alice@web-1 (ssh)",
                                     env: ["TERM": "xterm-256color", "SHELL": "/bin/bash"])
        let writer = RecordingWriter(sessionID: session, directory: directory, store: store, header: header, chunkBytes: 512,
                                     identity: StoreFixtures.identity(), connection: "web-1", protocol: "ssh")
        var expected: [RecordingEvent] = []
        for line in 0..<60 {
            let text = "\u{1B}[32mline \(line)\u{1B}[0m: \"quoted\" \\ tab\t é 😀\r\n"
            try await writer.output(text)
            expected.append(RecordingEvent(time: 0, kind: "o", data: text))
            if line % 10 == 0 {
                try await writer.input("ls -la\r")
                expected.append(RecordingEvent(time: 0, kind: "i", data: "ls -la\r"))
            }
            if line % 25 == 0 {
                try await writer.resize(cols: 100 + line, rows: 30)
                expected.append(RecordingEvent(time: 0, kind: "r", data: "\(100 + line)x30"))
                try await writer.marker("SELECT count(*) FROM orders → 1 row")
                expected.append(RecordingEvent(time: 0, kind: "m", data: "SELECT count(*) FROM orders → 1 row"))
            }
        }
        try await writer.finish()
        try await writer.finish()  // idempotent
        await #expect(throws: RecordingError.self) { try await writer.output("after finish") }
        return expected
    }

    @Test func roundTripAcrossSeveralChunks() async throws {
        let directory = try StoreTestDirectory()
        let recordings = directory.file("recordings")
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let expected = try await Self.record(store: store, directory: recordings, session: "sess-1")

        let files = try Self.chunkFiles(recordings, "sess-1")
        #expect(files.count >= 3, "expected several chunks, got \(files.count)")
        #expect((files.first as NSString?)?.lastPathComponent == "000000.cast.gz")

        let recording = try await RecordingReader.load(sessionID: "sess-1", directory: recordings, store: store)
        #expect(recording.header.width == 120)
        #expect(recording.header.height == 40)
        #expect(recording.header.title == "alice@web-1 (ssh)")
        #expect(recording.header.env == ["TERM": "xterm-256color", "SHELL": "/bin/bash"])
        #expect(recording.header.timestamp == StoreFixtures.epoch)
        #expect(recording.events.map(\.kind) == expected.map(\.kind))
        #expect(recording.events.map(\.data) == expected.map(\.data))
        #expect(recording.events.map(\.time) == recording.events.map(\.time).sorted(), "times never go backwards")

        // Each chunk is an independent gzip stream; together they are exactly the asciicast file.
        let concatenated = try files.map(Self.gunzip).joined()
        #expect(recording.asciicast() == concatenated)
        let lines = concatenated.split(separator: "\n")
        #expect(lines.count == expected.count + 1)
        #expect(lines.first?.hasPrefix("{\"env\":") == true)
        #expect(lines.first?.contains("\"version\":2") == true)

        // Every chunk is in the chain with its hash.
        let chunkEvents = try await store.events(AuditQuery(sessionID: "sess-1", types: [.recordingChunk]))
        #expect(chunkEvents.count == files.count)
        #expect(chunkEvents.map { $0.event.fields[AuditField.index]?.intValue } == (0..<files.count).map { Int64($0) })
        #expect(chunkEvents.allSatisfy { $0.event.subject == "alice@example.com" && $0.event.connection == "web-1" })
        #expect(chunkEvents.reduce(0) { $0 + ($1.event.fields[AuditField.lines]?.intValue ?? 0) } == Int64(expected.count + 1))
        let report = try await store.verify()
        #expect(report.ok)
        try await store.close()
    }

    @Test func alteredOrMissingChunkIsNamed() async throws {
        let directory = try StoreTestDirectory()
        let recordings = directory.file("recordings")
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        _ = try await Self.record(store: store, directory: recordings, session: "sess-2")
        let files = try Self.chunkFiles(recordings, "sess-2")
        #expect(files.count >= 3)

        // Replace chunk 1 with a different but valid gzip stream.
        let original = try #require(FileManager.default.contents(atPath: files[1]))
        try FileManager.default.removeItem(atPath: files[1])
        let plain = (directory.path as NSString).appendingPathComponent("forged.cast")
        try Data("[0.000001,\"o\",\"nothing to see here\"]\n".utf8).write(to: URL(fileURLWithPath: plain))
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gzip.arguments = ["-n", plain]
        try gzip.run()
        gzip.waitUntilExit()
        try FileManager.default.moveItem(atPath: plain + ".gz", toPath: files[1])
        let altered = await #expect(throws: RecordingError.self) {
            try await RecordingReader.load(sessionID: "sess-2", directory: recordings, store: store)
        }
        #expect(altered?.code == .alteredChunk)
        #expect(altered?.message.contains("chunk 1") == true)

        // Restore it; delete chunk 2 instead.
        try FileManager.default.removeItem(atPath: files[1])
        try original.write(to: URL(fileURLWithPath: files[1]))
        _ = try await RecordingReader.load(sessionID: "sess-2", directory: recordings, store: store)
        try FileManager.default.removeItem(atPath: files[2])
        let missing = await #expect(throws: RecordingError.self) {
            try await RecordingReader.load(sessionID: "sess-2", directory: recordings, store: store)
        }
        #expect(missing?.code == .missingChunk)
        #expect(missing?.message.contains("chunk 2") == true)
        try await store.close()
    }

    @Test func unsafeSessionIDsAndUnknownSessionsAreRefused() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let writer = RecordingWriter(sessionID: "../../etc", directory: directory.file("recordings"), store: store,
                                     header: AsciicastHeader(), identity: nil)
        let error = await #expect(throws: RecordingError.self) { try await writer.output("x") }
        #expect(error?.code == .invalidSessionID)
        #expect(!FileManager.default.fileExists(atPath: directory.file("etc")))
        let unknown = await #expect(throws: RecordingError.self) {
            try await RecordingReader.load(sessionID: "never-recorded", directory: directory.file("recordings"), store: store)
        }
        #expect(unknown?.code == .notFound)
        try await store.close()
    }

    @Test func emptyRecordingStillHasItsHeader() async throws {
        let directory = try StoreTestDirectory()
        let recordings = directory.file("recordings")
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let writer = RecordingWriter(sessionID: "quiet", directory: recordings, store: store,
                                     header: AsciicastHeader(width: 80, height: 24, timestamp: StoreFixtures.epoch), identity: nil)
        try await writer.finish()
        let recording = try await RecordingReader.load(sessionID: "quiet", directory: recordings, store: store)
        #expect(recording.events.isEmpty)
        #expect(recording.asciicast() == "{\"height\":24,\"timestamp\":1764234000,\"version\":2,\"width\":80}\n")
        try await store.close()
    }
}
