import ArgumentParser

/// Micro-benchmarks for the audit spine, apart from the test suite.
///
/// `audit-bench appends` measures durable appends per second (group commit vs one
/// transaction per event); `audit-bench tokens` measures token verifications per second;
/// `audit-bench masking` measures masking throughput in MB/s; `audit-bench policy` measures
/// SQL classification and policy evaluation per statement.
@main
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-bench",
        abstract: "Benchmarks for AuditGateway's audit store, token verification, masking and policy.",
        subcommands: [AppendBench.self, QueryBench.self, TokenBench.self, MaskingBench.self, PolicyBench.self]
    )
}
