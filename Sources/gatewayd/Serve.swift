import ArgumentParser
import Foundation
import GatewayKit
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Runs the gateway until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway (the default command).",
        discussion: "Runs until SIGTERM or SIGINT, then stops listeners, finishes pending audit writes and signs a final checkpoint."
    )

    @Option(name: .shortAndLong, help: "The configuration file (YAML).")
    var config: String?

    @Flag(help: "Development mode: a local token issuer, a data directory under /tmp (or --data-dir), and a ready admin token printed on start.")
    var dev = false

    @Option(help: "With --dev: keep data here instead of a new temporary directory.")
    var dataDir: String?

    @Option(help: "With --dev: where the admin API listens.")
    var adminListen: String = "127.0.0.1:18080"

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func validate() throws {
        if dev == (config != nil) {
            throw ValidationError("give either --config FILE or --dev")
        }
        if !dev, dataDir != nil { throw ValidationError("--data-dir goes with --dev; with --config set data_dir in the file") }
        if HostAndPort(parsing: adminListen) == nil { throw ValidationError("--admin-listen '\(adminListen)' is not HOST:PORT") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { label in Logging.make(label: label, format: logFormat, level: logLevel) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "gatewayd")

        let configuration: GatewayConfiguration
        if dev {
            configuration = try DevMode.configuration(dataDirectory: dataDir, adminListen: HostAndPort(parsing: adminListen)!)
        } else {
            do {
                configuration = try ConfigurationLoader.load(path: config!)
            } catch let error as ConfigurationError {
                printError("invalid configuration: \(error)")
                throw ExitCode(2)
            }
        }

        let runtime: GatewayRuntime
        do {
            runtime = try GatewayRuntime(configuration: configuration, logger: logger)
            try await runtime.prepare()
        } catch {
            printError("gatewayd cannot start: \(error)")
            throw ExitCode(1)
        }
        logger.info("gateway starting", metadata: [
            "node": "\(configuration.nodeID)",
            "data_dir": "\(configuration.dataDirectory)",
            "tls_certificate_sha256": "\(runtime.certificate.fingerprint)",
        ])
        let isDev = dev
        let loops = ListenerEventLoops(threads: configuration.listeners.threads)
        do {
            let group = try GatewayService.serviceGroup(runtime: runtime, loops: loops, registry: registry, logger: logger) { port in
                logger.info("admin API listening", metadata: ["address": "http://\(configuration.admin.listen.host):\(port)"])
                if isDev { DevMode.printWelcome(runtime: runtime, adminPort: port) }
            }
            try await group.run()
        } catch {
            await loops.shutdown()
            throw error
        }
        await loops.shutdown()
        logger.info("gateway stopped")
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
