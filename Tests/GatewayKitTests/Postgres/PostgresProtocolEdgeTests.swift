import Foundation
import Testing

/// What psql 15 cannot send, driven by a raw protocol client (protocol 3.2, binary results,
/// FunctionCall, pipelined queries); backslash escapes through psql; `auditctl events tail`.
@Suite("PostgreSQL gateway protocol edges", .serialized)
final class PostgresProtocolEdgeTests {
    let gateway: PostgresGateway
    let developer: String
    let contractor: String

    init() throws {
        gateway = try PostgresGateway.start()
        developer = try gateway.token("erin", groups: ["developers"])
        contractor = try gateway.token("carl", groups: ["contractors"])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    /// Runs a scenario of `Fixtures/raw_protocol_client.py` and returns its JSON report.
    private func raw(_ scenario: String, token: String) throws -> [String: Any] {
        let script = TestServers.repositoryRoot.appendingPathComponent("Tests/GatewayKitTests/Postgres/Fixtures/raw_protocol_client.py").path
        let run = try ChildProcess.runTool("python3", [script, scenario, String(gateway.port), token, gateway.certificate], timeout: 120)
        try #require(run.status == 0, "raw_protocol_client.py \(scenario): \(run.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], "not JSON: \(run.stdout)")
    }

    /// One response summary of the raw client: rows (NULL as nil), errors, tags.
    private struct Response {
        var rows: [[String?]]
        var errorCodes: [String]
        var tags: [String]
        var functionResult: String??

        init(_ value: Any?) {
            let object = value as? [String: Any] ?? [:]
            rows = (object["rows"] as? [[Any]] ?? []).map { $0.map { $0 as? String } }
            errorCodes = (object["errors"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
            tags = object["tags"] as? [String] ?? []
            functionResult = object.keys.contains("function_result") ? .some(object["function_result"] as? String) : .none
        }
    }

    private func fields(_ record: [String: Any]) -> [String: Any] {
        (record["event"] as? [String: Any])?["fields"] as? [String: Any] ?? [:]
    }

    // MARK: Protocol versions

    @Test func protocolVersionsAreNegotiatedAsAServerWould() throws {
        let result = try raw("negotiate", token: developer)
        func session(_ name: String) -> [String: Any] { result[name] as? [String: Any] ?? [:] }
        func negotiation(_ name: String) -> (version: Int, options: [String])? {
            guard let value = session(name)["negotiation"] as? [String: Any], let version = value["version"] as? Int else { return nil }
            return (version, value["options"] as? [String] ?? [])
        }
        let v3_0 = 3 << 16, v3_2 = 3 << 16 | 2

        // 3.0 and 3.2 are spoken as asked, without a NegotiateProtocolVersion.
        #expect(negotiation("v3_0") == nil)
        #expect(session("v3_0")["key_length"] as? Int == 4, "3.0 cancel keys are 4 bytes")
        #expect(negotiation("v3_2") == nil)
        #expect(session("v3_2")["key_length"] as? Int == 32, "3.2 clients get a 256-bit cancel key")
        // Unknown `_pq_.` options, or a newer minor version, are negotiated down (the whole
        // version number on the wire, as servers send it).
        #expect(negotiation("v3_2_with_option")?.version == v3_2)
        #expect(negotiation("v3_2_with_option")?.options == ["_pq_.something"])
        #expect(negotiation("v3_0_with_option")?.version == v3_0)
        #expect(negotiation("v3_0_with_option")?.options == ["_pq_.something"])
        #expect(negotiation("v3_9")?.version == v3_2)
        #expect(negotiation("v3_9")?.options == [])
        #expect(session("v3_9")["key_length"] as? Int == 32)
        for name in ["v3_0", "v3_2", "v3_2_with_option", "v3_0_with_option", "v3_9"] {
            #expect(Response(session(name)["after"]).rows == [["works"]], "\(name): the session works after negotiation")
        }
        // The 32-byte key cancels the 3.2 session's running statement.
        #expect(Response(result["cancel"]).errorCodes == ["57014"], "\(result["cancel"] ?? "")")
    }

    // MARK: Masking in binary format

    @Test func maskedColumnsRequestedInBinaryArriveAsNull() throws {
        let result = try raw("binary-masking", token: developer)
        #expect(Response(result["setup"]).errorCodes.isEmpty, "\(result["setup"] ?? "")")
        let one = "00000001", ann = "416e6e"  // int4 1 in binary; 'Ann' in binary text
        // Column formats id binary, email text, credit_card binary, name binary: the masked
        // text column reads ****, the masked binary one NULL; the others are intact.
        #expect(Response(result["describe_portal"]).rows == [[one, "2a2a2a2a", nil, ann]])
        // All binary, columns named by an earlier Describe of the statement.
        #expect(Response(result["describe_statement"]).rows == [[one, nil, nil, ann]])
        // The simple protocol's text result, in between.
        #expect(Response(result["text"]).rows == [["1", "****", "****", "Ann"]])
        // All binary, no Describe: the gateway cannot tell which column is which, so none
        // passes, and none is mistaken for text (formats come from this Bind, not the last result).
        #expect(Response(result["no_describe"]).rows == [[nil, nil, nil, nil]])
        let outcomes = try gateway.events(["--subject", "erin", "--type", "command.outcome", "--text", "masked_values"])
        #expect(outcomes.count == 4, "each masked result counts its masked values")
    }

    // MARK: FunctionCall

    @Test func functionCallsAreAuditedAsWritesAndRelayed() throws {
        let result = try raw("function-call", token: developer)
        let call = Response(result["call"])
        #expect(call.errorCodes.isEmpty)
        #expect(call.functionResult == .some("0000002a"), "int4pl(2, 40) = 42 comes back in binary")
        #expect(Response(result["after"]).rows == [["after the call"]])

        let commands = try gateway.events(["--subject", "erin", "--type", "command", "--text", "function call"])
        #expect(commands.count == 1)
        let command = try #require(commands.first)
        #expect(fields(command)["class"] as? String == "write", "a function's side effects are unknown")
        #expect(fields(command)["statement"] as? String == "-- function call: oid 177 with 2 argument(s)")
        let seq = try #require(command["seq"] as? Int)
        let outcomes = try gateway.events(["--subject", "erin", "--type", "command.outcome"]).filter { fields($0)["command_seq"] as? Int == seq }
        #expect(outcomes.count == 1)
        #expect(outcomes.first.map { fields($0)["outcome"] as? String } == "ok", "the call ran: \(outcomes)")

        // Read-only identities may not call functions; the session stays usable.
        let denied = try raw("function-call", token: contractor)
        #expect(Response(denied["call"]).errorCodes == ["42501"])
        #expect(Response(denied["call"]).functionResult == nil, "nothing was called")
        #expect(Response(denied["after"]).rows == [["after the call"]])
    }

    @Test func aQuerySentTogetherWithTerminateIsStillAudited() throws {
        _ = try raw("query-then-terminate", token: developer)
        // The client does not wait for the answer, so the gateway may still be at work.
        var commands: [[String: Any]] = []
        for _ in 0..<50 {
            commands = try gateway.events(["--subject", "erin", "--type", "command", "--text", "sent with terminate"])
            if !commands.isEmpty { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(commands.count == 1, "the statement ran upstream, so its event must be in the trail")
        #expect(commands.first.map { fields($0)["statement"] as? String } == "select 'sent with terminate'")
    }

    @Test func plaintextSentAfterSSLRequestIsRefused() throws {
        let result = try raw("plaintext-after-ssl-request", token: developer)
        #expect(result["first"] as? String == "E", "no 'S': the gateway must not start TLS over bytes that came before it: \(result)")
        let error = result["error"] as? [String: String] ?? [:]
        #expect(error["C"] == "08P01")
        #expect(error["M"]?.contains("after the encryption request") == true, "\(error)")
    }

    // MARK: standard_conforming_strings

    private func escapeTestRows() throws -> String {
        try gateway.superuser("select count(*) from escape_test").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func statementsAreSplitAsTheServerDoesWhenBackslashEscapesAreOn() throws {
        let setup = try gateway.psql("orders", token: developer, ["-c", "drop table if exists escape_test; create table escape_test(id int); insert into escape_test values (1)"])
        #expect(setup.status == 0, "\(setup.stderr)")

        // With standard_conforming_strings off, 'a\'' is a complete literal, so the server
        // runs two statements; the trail shows both, as the server ran them.
        let hiddenInsert = "select 'a\\''; insert into escape_test values (2); --'"
        let writer = try gateway.psql("orders", token: developer, ["-At", "-c", "set standard_conforming_strings = off", "-c", hiddenInsert])
        #expect(writer.status == 0, "\(writer.stderr)")
        #expect(try escapeTestRows() == "2", "the server ran the INSERT")
        let statements = try gateway.events(["--subject", "erin", "--type", "command", "--text", "a\\'"]).compactMap { fields($0)["statement"] as? String }
        #expect(statements == ["select 'a\\''"], "\(statements)")
        let inserts = try gateway.events(["--subject", "erin", "--type", "command", "--text", "values (2)"]).compactMap { fields($0)["statement"] as? String }
        #expect(inserts == ["insert into escape_test values (2)"], "\(inserts)")

        // A write hidden the same way is refused to a read-only identity.
        let hiddenDelete = "select 'a\\''; delete from escape_test; --'"
        let reader = try gateway.psql("orders", token: contractor, ["-At", "-c", "set standard_conforming_strings = off", "-c", hiddenDelete, "-c", "select 'usable'"])
        #expect(reader.stderr.contains("permission denied by policy"), "\(reader.stderr)")
        #expect(reader.stdout.hasSuffix("usable\n"), "\(reader.stdout)")
        #expect(try escapeTestRows() == "2", "the DELETE never reached the server")
        let denials = try gateway.events(["--subject", "carl", "--type", "policy.decision"]).compactMap { fields($0)["statement"] as? String }
        #expect(denials.contains("delete from escape_test"), "\(denials)")

        // With standard strings (the default) the same text is one harmless SELECT of a literal.
        let standard = try gateway.psql("orders", token: contractor, ["-At", "-c", hiddenDelete])
        #expect(standard.status == 0, "\(standard.stderr)")
        #expect(standard.stdout == "a\\'; delete from escape_test; --\n", "\(standard.stdout)")
        #expect(try escapeTestRows() == "2")
    }

    @Test func aPipelinedQueryLexedUnderAPendingSettingIsRefused() throws {
        let setup = try gateway.psql("orders", token: developer, ["-c", "drop table if exists escape_test; create table escape_test(id int); insert into escape_test values (1)"])
        #expect(setup.status == 0, "\(setup.stderr)")
        // SET standard_conforming_strings = off and the query in one write: when the gateway
        // reads the query, the server has not yet answered the SET, so the gateway cannot know
        // how the server will split it, and refuses it.
        let result = try raw("pipelined-escapes", token: contractor)
        let pipelined = Response(result["pipelined"])
        #expect(pipelined.tags == ["SET"])
        #expect(pipelined.errorCodes == ["0A000"], "\(result["pipelined"] ?? "")")
        #expect(Response(result["after"]).rows == [["1"]], "nothing was deleted; the session is usable")
        let refusals = try gateway.events(["--subject", "carl", "--type", "policy.decision", "--text", "ambiguous-lexing"])
        #expect(refusals.count == 1)
    }

    // MARK: auditctl events tail

    @Test func eventsTailFollowsNewEvents() throws {
        let token = try gateway.token("tailer", groups: ["developers"])
        let before = try gateway.psql("orders", token: token, ["-c", "select 'before the tail'"])
        #expect(before.status == 0, "\(before.stderr)")
        let tail = try ChildProcess.start("auditctl", ["events", "tail", "--json", "--subject", "tailer", "--type", "command", "--since", "10m", "--interval", "0.2"],
                                          environment: ["AUDIT_SERVER": gateway.adminServer, "AUDIT_TOKEN": gateway.adminToken])
        defer {
            tail.signal(SIGTERM)
            _ = tail.wait(timeout: 10)
        }
        // It prints what --since covers, then follows: a statement run now appears too.
        _ = try tail.waitForOutput(containing: "before the tail", timeout: 30)
        let after = try gateway.psql("orders", token: token, ["-c", "select 'after the tail started'"])
        #expect(after.status == 0, "\(after.stderr)")
        let output = try tail.waitForOutput(containing: "after the tail started", timeout: 30)
        let lines = output.split(separator: "\n")
        #expect(lines.count == 2, "one JSON object per line, only the filtered events: \(output)")
        for line in lines {
            let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let event = record?["event"] as? [String: Any]
            #expect(event?["type"] as? String == "command")
            #expect(record?["seq"] as? Int != nil)
        }
        tail.signal(SIGTERM)
        #expect(tail.wait(timeout: 10) != -9, "tail stops on SIGTERM")
    }
}
