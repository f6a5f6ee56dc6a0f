import ArgumentParser

/// `gatewayd`: the AuditGateway daemon.
@main
struct Gatewayd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gatewayd",
        abstract: "The AuditGateway daemon: every command to your databases and hosts, audited with the original identity.",
        discussion: """
        Start with a configuration file:   gatewayd --config /etc/auditgateway/gatewayd.yaml
        Validate one without starting:      gatewayd check-config --config gatewayd.yaml
        Try it in a minute:                 gatewayd --dev

        Exit codes: 0 clean shutdown; 1 failed at run time; 2 invalid configuration;
        64 bad command line. See Docs/configuration.md for every key.
        """,
        subcommands: [Serve.self, CheckConfig.self],
        defaultSubcommand: Serve.self
    )
}
