import ArgumentParser

/// `auditctl`: the operator's and auditor's command line for AuditGateway.
@main
struct AuditCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auditctl",
        abstract: "Search, follow, verify and replay AuditGateway's audit trail; delegate tokens to agents and revoke them.",
        discussion: """
        Online commands talk to the admin API at $AUDIT_SERVER (default http://127.0.0.1:18080)
        with the token in $AUDIT_TOKEN (or --token-file); the token's identity must be in the
        gateway's admin group. `verify --store` and `policy check|test` work offline.

        Exit codes:
          0   success
          1   verification failed (the chain or a recording was altered)
          2   not found (session, recording)
          3   refused by the gateway (missing, invalid or non-admin token)
          4   gateway unreachable, or it answered with an error
          5   access: nothing to do (already decided, no approval needed)
          6   policy test: a decision denies or needs approval (1: the policy files have problems)
          64  bad command line
          run: the command's own exit code (127: it cannot be run)
        """,
        subcommands: [TokenCommand.self, RunCommand.self, RevokeCommand.self, SSHCertCommand.self, SessionsCommand.self, EventsCommand.self, VerifyCommand.self, ReplayCommand.self, TerminateCommand.self, AccessCommand.self, PolicyCommand.self]
    )
}
