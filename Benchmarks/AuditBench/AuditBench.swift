import ArgumentParser

/// Micro-benchmarks for the audit spine, apart from the test suite.
///
/// `audit-bench appends` measures durable appends per second (group commit vs one
/// transaction per event); `audit-bench tokens` measures token verifications per second;
/// `audit-bench masking` measures masking throughput in MB/s.
@main
struct AuditBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit-bench",
        abstract: "Benchmarks for AuditGateway's audit store, token verification and masking.",
        subcommands: [AppendBench.self, TokenBench.self, MaskingBench.self]
    )
}
