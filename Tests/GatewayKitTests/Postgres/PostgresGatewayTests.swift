import Foundation
import Testing

/// psql, pgbench and a non-libpq driver through a real gatewayd to a real PostgreSQL.
@Suite("PostgreSQL gateway end to end", .serialized)
final class PostgresGatewayTests {
    let gateway: PostgresGateway
    let developer: String

    init() throws {
        gateway = try PostgresGateway.start()
        developer = try gateway.token("alice", groups: ["developers"])
    }

    deinit {
        _ = gateway.stop()
        gateway.directory.remove()
    }

    @Test func simpleQueriesAreRelayedAndAudited() throws {
        let result = try gateway.psql("orders", token: developer, ["-At", "-c", "select 40 + 2 as answer", "-c", "select current_user"])
        #expect(result.status == 0, "psql: \(result.stderr)")
        #expect(result.stdout == "42\napp\n", "the upstream role is the gateway's, not the client's")

        let commands = try gateway.events(["--subject", "alice", "--type", "command", "--text", "40 + 2"])
        #expect(commands.count == 1)
        let event = commands.first?["event"] as? [String: Any]
        let fields = event?["fields"] as? [String: Any]
        #expect(fields?["statement"] as? String == "select 40 + 2 as answer")
        #expect(event?["connection"] as? String == "orders")
        #expect(event?["protocol"] as? String == "postgres")
        let outcomes = try gateway.events(["--subject", "alice", "--type", "command.outcome"])
        #expect(outcomes.contains { (($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["tag"] as? String == "SELECT 1" })

        // The session's transcript replays, verified against the chain.
        let session = try #require(event?["sessionID"] as? String)
        var raw = ""
        let recorded = Date().addingTimeInterval(10)
        while !raw.contains("select current_user"), Date() < recorded {
            raw = try gateway.auditctl(["replay", session, "--raw"]).stdout
            if !raw.contains("select current_user") { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(raw.split(separator: "\n").first?.contains("\"version\":2") == true, "asciicast v2 header: \(raw.prefix(80))")
        #expect(raw.contains("select 40 + 2 as answer"))
        let played = try gateway.auditctl(["replay", session, "--speed", "50"])
        #expect(played.status == 0, "\(played.stderr)")
        #expect(played.stdout.contains("select current_user"))
        #expect(played.stdout.contains("SELECT 1"))
        let shown = try gateway.auditctl(["sessions", "show", session])
        #expect(shown.status == 0)
        #expect(shown.stdout.contains("alice"))
        #expect(shown.stdout.contains("client_quit"))
    }

    @Test func eachUpstreamAuthenticationMethodWorks() throws {
        for connection in ["orders", "orders-md5", "orders-plain"] {
            let result = try gateway.psql(connection, token: developer, ["-At", "-c", "select current_user"])
            #expect(result.status == 0, "\(connection): \(result.stderr)")
        }
        let md5 = try gateway.psql("orders-md5", token: developer, ["-At", "-c", "select current_user"])
        #expect(md5.stdout == "app_md5\n")
        let plain = try gateway.psql("orders-plain", token: developer, ["-At", "-c", "select ssl from pg_stat_ssl where pid = pg_backend_pid()"])
        #expect(plain.stdout == "t\n", "verify-full upstream uses TLS")
    }

    @Test func multiStatementStringsTransactionsAndErrors() throws {
        let setup = try gateway.psql("orders", token: developer, ["-c", "drop table if exists tx_test; create table tx_test(id int primary key, note text); insert into tx_test values (1, 'a;b'), (2, $$x;y$$)"])
        #expect(setup.status == 0, "\(setup.stderr)")
        let statements = try gateway.events(["--subject", "alice", "--type", "command", "--text", "tx_test"])
        let texts = statements.compactMap { (($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["statement"] as? String }
        #expect(texts.contains("create table tx_test(id int primary key, note text)"))
        #expect(texts.contains("insert into tx_test values (1, 'a;b'), (2, $$x;y$$)"), "semicolons in quotes do not split: \(texts)")

        let transaction = try gateway.psql("orders", token: developer, ["-At", "-c", "begin", "-c", "insert into tx_test values (3, 'c')", "-c", "rollback", "-c", "select count(*) from tx_test"])
        #expect(transaction.stdout.hasSuffix("2\n"), "\(transaction.stdout) \(transaction.stderr)")

        let failing = try gateway.psql("orders", token: developer, ["-At", "-c", "select 1/0", "-c", "select 'still usable'"])
        #expect(failing.stderr.contains("division by zero"))
        #expect(failing.stdout.contains("still usable"))
        let outcomes = try gateway.events(["--subject", "alice", "--type", "command.outcome", "--text", "22012"])
        #expect(!outcomes.isEmpty, "the failed statement's SQLSTATE is in the trail")
    }

    @Test func metaCommandsAndCopyBothWays() throws {
        let describe = try gateway.psql("orders", token: developer, ["-c", "create table if not exists copy_test(a int, b text)", "-c", "\\d copy_test"])
        #expect(describe.status == 0, "\(describe.stderr)")
        #expect(describe.stdout.contains("copy_test"))

        let input = gateway.directory.file("in.csv")
        try (1...500).map { "\($0),row \($0)" }.joined(separator: "\n").appending("\n").write(toFile: input, atomically: true, encoding: .utf8)
        let copyIn = try gateway.psql("orders", token: developer, ["-c", "truncate copy_test", "-c", "\\copy copy_test from '\(input)' with csv"])
        #expect(copyIn.status == 0, "\(copyIn.stderr)")
        #expect(copyIn.stdout.contains("COPY 500"))
        let output = gateway.directory.file("out.csv")
        let copyOut = try gateway.psql("orders", token: developer, ["-c", "\\copy (select * from copy_test order by a) to '\(output)' with csv"])
        #expect(copyOut.status == 0, "\(copyOut.stderr)")
        #expect(try String(contentsOfFile: output, encoding: .utf8) == String(contentsOfFile: input, encoding: .utf8))
        let copies = try gateway.events(["--subject", "alice", "--type", "command", "--text", "copy_test from STDIN"])
        #expect(!copies.isEmpty, "\\copy is audited as its COPY statement")
    }

    @Test func cancelReachesTheUpstreamStatement() throws {
        // The test runner's threads block SIGINT and children inherit the mask: unblock it
        // before exec'ing psql, as an interactive shell would have it.
        let unblockThenExec = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT]); os.execvp(sys.argv[1], sys.argv[1:])"
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["python3", "-c", unblockThenExec, "psql", "-X", "-d", gateway.dsn("orders"), "-c", "select pg_sleep(30)"],
                                          environment: ["PGPASSWORD": developer])
        // Interrupt only once the statement really runs upstream (seen from the target side).
        let running = Date().addingTimeInterval(20)
        while Date() < running {
            let active = try gateway.superuser("select count(*) from pg_stat_activity where state = 'active' and query = 'select pg_sleep(30)'")
            if active.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1" { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        let started = Date()
        psql.signal(SIGINT)
        let status = psql.wait(timeout: 15)
        #expect(status != 0)
        #expect(psql.stderr.contains("canceling statement due to user request"), "stderr: \(psql.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
    }

    @Test func tlsIsRequiredAndVerifiable() throws {
        let plain = try gateway.psql("orders", token: developer, sslmode: "disable", ["-c", "select 1"])
        #expect(plain.status != 0)
        #expect(plain.stderr.contains("requires TLS"))
        let verified = try gateway.psql("orders", token: developer, sslmode: "verify-full", extra: "sslrootcert=\(gateway.certificate)", ["-At", "-c", "select 'verified'"])
        #expect(verified.status == 0, "\(verified.stderr)")
        #expect(verified.stdout == "verified\n")
        let byName = try ChildProcess.runTool("psql", ["-X", "-At", "-d", "host=localhost port=\(gateway.port) user=orders sslmode=verify-full sslrootcert=\(gateway.certificate)", "-c", "select 1"],
                                              environment: ["PGPASSWORD": developer])
        #expect(byName.status == 0, "\(byName.stderr)")
    }

    @Test func tokenErrorsAreClearAndNeverEchoTheToken() throws {
        let expired = try gateway.token("alice", groups: ["developers"], ttl: "1s")
        Thread.sleep(forTimeInterval: 2.2)
        let wrongAudience = try gateway.token("alice", groups: ["developers"], audience: "someone-else")
        var badSignature = developer
        badSignature.removeLast(3)
        badSignature += badSignature.hasSuffix("AAA") ? "BBB" : "AAA"
        let cases: [(String, String)] = [
            (expired, "expired"),
            (wrongAudience, "audience"),
            (TokenForge.foreignIssuerToken(), "issuer"),
            (badSignature, "signature"),
            ("garbage-not-a-token", "not a jwt"),
        ]
        for (token, expectation) in cases {
            let result = try gateway.psql("orders", token: token, ["-c", "select 1"])
            #expect(result.status != 0)
            #expect(result.stderr.contains("token rejected"), "\(expectation): \(result.stderr)")
            #expect(result.stderr.lowercased().contains(expectation), "\(expectation): \(result.stderr)")
            #expect(!result.stderr.contains(token), "the token is never echoed")
        }
    }

    @Test func policyDeniesWritesForReadOnlyGroupsAndTheSessionStaysUsable() throws {
        let setup = try gateway.psql("orders", token: developer, ["-c", "drop table if exists policy_test; create table policy_test(id int); insert into policy_test values (1)"])
        #expect(setup.status == 0, "\(setup.stderr)")
        let contractor = try gateway.token("carol", groups: ["contractors"])
        let result = try gateway.psql("orders", token: contractor, ["-At", "-c", "delete from policy_test", "-c", "select count(*) from policy_test"])
        #expect(result.stderr.contains("permission denied by policy"), "\(result.stderr)")
        #expect(result.stdout == "1\n", "the DELETE never ran and the session still answers: \(result.stdout)")
        let denials = try gateway.events(["--subject", "carol", "--type", "policy.decision"])
        #expect(denials.contains { (($0["event"] as? [String: Any])?["fields"] as? [String: Any])?["statement"] as? String == "delete from policy_test" })

        let outsider = try gateway.token("mallory", groups: ["sales"])
        let refused = try gateway.psql("orders", token: outsider, ["-c", "select 1"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("access denied by policy"))
    }

    @Test func maskedColumnsNeverReachTheClient() throws {
        let setup = try gateway.psql("orders", token: developer, ["-c", "drop table if exists customers; create table customers(id int, name text, email text, credit_card text); insert into customers values (1, 'Ann', 'ann@example.com', '4111111111111111')"])
        #expect(setup.status == 0, "\(setup.stderr)")
        let result = try gateway.psql("orders", token: developer, ["-At", "-F", ",", "-c", "select id, name, email, credit_card from customers"])
        #expect(result.stdout == "1,Ann,****,****\n", "\(result.stdout) \(result.stderr)")
        let outcome = try gateway.events(["--subject", "alice", "--type", "command.outcome", "--text", "masked_values"])
        #expect(!outcome.isEmpty, "masking is counted in the outcome")
    }

    @Test func terminateEndsALiveSessionWithAReason() throws {
        let psql = try ChildProcess.start(path: "/usr/bin/env", ["psql", "-X", "-d", gateway.dsn("orders"), "-c", "select pg_sleep(20)"],
                                          environment: ["PGPASSWORD": developer])
        var sessionID: String?
        let deadline = Date().addingTimeInterval(10)
        while sessionID == nil, Date() < deadline {
            let list = try gateway.auditctl(["sessions", "list", "--active", "--json", "--subject", "alice"])
            let sessions = (try? JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]) ?? []
            sessionID = sessions.first { ($0["endedAt"] == nil) && ($0["connection"] as? String == "orders") }?["id"] as? String
            if sessionID == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        let id = try #require(sessionID)
        let terminate = try gateway.auditctl(["terminate", id, "--reason", "incident 42"])
        #expect(terminate.status == 0, "\(terminate.stderr)")
        #expect(psql.wait(timeout: 10) != 0)
        #expect(psql.stderr.contains("incident 42"), "\(psql.stderr)")
        var reason: String?
        let recorded = Date().addingTimeInterval(10)
        while reason == nil, Date() < recorded {
            let ends = try gateway.events(["--session", id, "--type", "session.end"])
            reason = ((ends.first?["event"] as? [String: Any])?["fields"] as? [String: Any])?["reason"] as? String
            if reason == nil { Thread.sleep(forTimeInterval: 0.2) }
        }
        #expect(reason == "terminated")
    }

    @Test func pgbenchInEveryQueryModeLosesNothing() throws {
        let bench = try gateway.token("bench", groups: ["developers"])
        let initialize = try ChildProcess.runTool("pgbench", ["-i", "-s", "1", "-q", gateway.dsn("orders")], environment: ["PGPASSWORD": bench], timeout: 120)
        #expect(initialize.status == 0, "pgbench -i: \(initialize.stderr)")
        var transactions = 0
        for mode in ["simple", "extended", "prepared"] {
            // A fixed transaction count ends deterministically on a loaded 2-core debug build.
            let run = try ChildProcess.runTool("pgbench", ["-c", "8", "-j", "2", "-t", "40", "-M", mode, "-n", gateway.dsn("orders")],
                                               environment: ["PGPASSWORD": bench], timeout: 240)
            #expect(run.status == 0, "pgbench -M \(mode): \(run.stderr)")
            #expect(run.stdout.contains("number of failed transactions: 0"), "\(mode): \(run.stdout)")
            let processed = run.stdout.split(separator: "\n").first { $0.contains("number of transactions actually processed") }
            transactions += processed.flatMap { Int($0.split(separator: ":").last?.split(separator: "/").first?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 0
        }
        #expect(transactions == 3 * 8 * 40)
        // TPC-B-like: one INSERT INTO pgbench_history per transaction, each in the trail under the token's subject.
        let commands = try gateway.events(["--subject", "bench", "--type", "command", "--text", "INSERT INTO pgbench_history", "--limit", "10000"])
        #expect(commands.count == transactions, "every INSERT INTO pgbench_history is in the trail")
        let verify = try gateway.auditctl(["verify"])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
    }

    @Test func upstreamPasswordsAppearNowhere() throws {
        _ = try gateway.psql("orders", token: developer, ["-c", "select 'secret check'"])
        _ = try gateway.psql("orders-md5", token: developer, ["-c", "select 1"])
        _ = try gateway.psql("orders-plain", token: developer, ["-c", "select 1"])
        let bad = try gateway.psql("nonexistent", token: developer, ["-c", "select 1"])
        var haystacks = [gateway.process.stderr, gateway.process.stdout, bad.stderr]
        haystacks.append(try gateway.auditctl(["events", "search", "--json", "--limit", "10000"]).stdout)
        for file in try FileManager.default.subpathsOfDirectory(atPath: gateway.dataDirectory) where !file.hasSuffix(".key") {
            if let data = FileManager.default.contents(atPath: gateway.dataDirectory + "/" + file) {
                haystacks.append(String(decoding: data, as: UTF8.self))
            }
        }
        for secret in PostgresGateway.upstreamPasswords {
            for (index, haystack) in haystacks.enumerated() {
                #expect(!haystack.contains(secret), "upstream password found in haystack \(index)")
            }
        }
        #expect(!gateway.process.stderr.contains(developer), "tokens never reach the logs")
    }
}
