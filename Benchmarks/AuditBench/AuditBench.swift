import ArgumentParser

/// Micro-benchmarks for the audit spine, apart from the test suite.
///
/// `audit-bench appends` measures durable appends per second (group commit vs one
/// transaction per event); `audit-bench tokens` measures token verifications per second.
@main
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-bench",
        abstract: "Benchmarks for AuditGateway's audit store and token verification.",
        subcommands: [AppendBench.self, TokenBench.self]
    )
}
