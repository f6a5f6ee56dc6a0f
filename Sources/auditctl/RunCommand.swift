import ArgumentParser
import Foundation
import GatewayKit
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a command as an agent: exchange your token for a child token, run the command with it, renew its lease.",
        discussion: """
        Exchanges the token in $AUDIT_TOKEN (or --token-file) for a child token for ACTOR, then
        runs CMD with the child token in its environment: AUDIT_TOKEN and AUDIT_TOKEN_ID always,
        and PGPASSWORD / MYSQL_PWD / SSHPASS when the token's connections speak PostgreSQL,
        MySQL or SSH. While CMD runs, the lease is renewed every third of its period; if
        auditctl dies, the lease lapses and the gateway ends every session of the child token
        and of tokens derived from it (reason lease_expired). Signals sent to auditctl (TERM,
        HUP, USR1, USR2, and INT/QUIT when standard input is not a terminal) are passed on to
        CMD. The exit code is CMD's (128+N when a signal N killed it; 127 when CMD cannot be run).

        Nesting gives a chain, root first: alice → etl → loader.
          auditctl run --actor etl -- sh -c 'auditctl run --actor loader -- psql "host=gw user=warehouse"'
        """
    )

    @OptionGroup var server: ServerOptions
    @Option(help: "The agent CMD runs as.")
    var actor: String
    @Option(name: .customLong("connection"), help: "Limit the child token to this connection; repeat for more. Default: the parent's.")
    var connections: [String] = []
    @Option(help: "Lifetime of the child token (15m, 2h). Default: the parent's remaining lifetime, capped by the gateway.")
    var ttl: String?
    @Option(help: "Lease period, renewed while CMD runs (e.g. 15s, 1m); 'none' for no lease.")
    var lease: String = "15s"
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command to run after --, e.g. auditctl run --actor etl -- psql ...") }
        if let ttl, (TimeArgument.duration(ttl) ?? 0) < 1 { throw ValidationError("--ttl '\(ttl)' must be a duration like 15m or 2h") }
        if lease != "none", (TimeArgument.duration(lease) ?? 0) < 1 { throw ValidationError("--lease '\(lease)' must be a duration like 15s, or none") }
    }

    func run() async throws {
        let parent = AdminClient(server: server.baseURL, token: nil)
        let leasePeriod = lease == "none" ? nil : TimeArgument.duration(lease)
        let child = try await Exit.reporting {
            try await parent.exchange(parentToken: try server.token(), actor: actor, connections: connections.isEmpty ? nil : connections,
                                      ttl: ttl.flatMap(TimeArgument.duration), lease: leasePeriod)
        }

        var environment = ProcessInfo.processInfo.environment
        environment["AUDIT_TOKEN"] = child.accessToken
        environment["AUDIT_TOKEN_ID"] = child.tokenID
        for (proto, variable) in [("postgres", "PGPASSWORD"), ("mysql", "MYSQL_PWD"), ("ssh", "SSHPASS")] where child.protocols.contains(proto) {
            environment[variable] = child.accessToken
        }

        let pid: pid_t
        do {
            pid = try ChildSpawn.spawn(command, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("auditctl: cannot run \(command[0]): \(error)\n".utf8))
            throw ExitCode(127)
        }

        let renewer = Task {
            guard let leasePeriod else { return }
            await Self.renew(tokenID: child.tokenID, client: AdminClient(server: server.baseURL, token: child.accessToken), every: leasePeriod / 3)
        }
        let forwarder = Task {
            let interactive = isatty(STDIN_FILENO) == 1
            for await signal in await UnixSignalsSequence(trapping: .sigterm, .sighup, .sigint, .sigquit, .sigusr1, .sigusr2) {
                // A terminal already sends INT and QUIT to the whole foreground group, CMD included.
                if interactive, signal == .sigint || signal == .sigquit { continue }
                kill(pid, signal.rawValue)
            }
        }
        let status = await ChildSpawn.wait(pid)
        renewer.cancel()
        forwarder.cancel()
        if status != 0 { throw ExitCode(status) }
    }

    /// Renews the lease until cancelled. Gives up when the gateway says the token cannot be
    /// renewed (revoked, lapsed); keeps trying while it cannot be reached.
    static func renew(tokenID: String, client: AdminClient, every interval: TimeInterval) async {
        var unreachable = false
        while (try? await Task.sleep(for: .milliseconds(Int64(max(interval, 0.5) * 1000)))) != nil {
            do {
                _ = try await client.renew(tokenID: tokenID)
                unreachable = false
            } catch let error as AdminClientError {
                switch error.kind {
                case .unreachable, .server:
                    if !unreachable { FileHandle.standardError.write(Data("auditctl: cannot renew the lease of \(tokenID) yet: \(error.message)\n".utf8)) }
                    unreachable = true
                default:
                    FileHandle.standardError.write(Data("auditctl: the lease of \(tokenID) cannot be renewed: \(error.message)\n".utf8))
                    return
                }
            } catch {
                return
            }
        }
    }
}

extension UnixSignal {
    var rawValue: Int32 {
        switch self {
        case .sigterm: SIGTERM
        case .sighup: SIGHUP
        case .sigint: SIGINT
        case .sigquit: SIGQUIT
        case .sigusr1: SIGUSR1
        case .sigusr2: SIGUSR2
        default: 0
        }
    }
}

/// Spawns a command that shares auditctl's terminal, standard streams and process group,
/// with default signal dispositions and an empty signal mask.
enum ChildSpawn {
    struct SpawnError: Error, CustomStringConvertible {
        var code: Int32
        var description: String { String(cString: strerror(code)) }
    }

    static func spawn(_ arguments: [String], environment: [String: String]) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, arguments[0], nil, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(code: result) }
        return pid
    }

    /// Waits for `pid` off the cooperative pool; returns its exit code, or 128+N when
    /// signal N ended it, as shells report.
    static func wait(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                var status: Int32 = 0
                while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
        }
    }
}
