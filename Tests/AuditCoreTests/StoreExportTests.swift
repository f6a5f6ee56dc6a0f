import AuditCore
import Foundation
import Testing

@Suite("Store JSON lines export")
struct StoreExportTests {
    @Test func everyCommittedRecordIsExportedInChainOrder() async throws {
        let directory = try StoreTestDirectory()
        let store = try StoreFixtures.openStore(directory.file("audit.sqlite"), durability: .normal)
        let exportPath = directory.file("export.jsonl")
        let sink = try JSONLinesExportSink(path: exportPath)
        sink.attach(to: store)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<25 { _ = try await store.append(StoreFixtures.command(index, session: "s-\(writer)")) }
                }
            }
            try await group.waitForAll()
        }
        sink.flush()
        let text = try String(contentsOfFile: exportPath, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
        let records = try await store.events(AuditQuery(limit: 1000))
        #expect(lines.count == 100)
        #expect(lines == records.map { String(JSONLinesExportSink.line($0).dropLast()) })

        // Each line is JSON with the canonical event, so the chain can be recomputed from the export.
        var previous = AuditChain.genesis
        for (line, record) in zip(lines, records) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["seq"] as? Int == Int(record.seq))
            #expect(object["node"] as? String == "node-a")
            #expect(line.hasPrefix("{\"event\":" + record.event.canonicalJSONString + ",\"hash\":"))
            let hash = AuditChain.hash(previous: previous, seq: record.seq, body: record.event.canonicalJSON())
            #expect(object["hash"] as? String == AuditChain.hex(hash))
            #expect(object["prev_hash"] as? String == AuditChain.hex(previous))
            previous = hash
        }
        try await store.close()
    }
}
