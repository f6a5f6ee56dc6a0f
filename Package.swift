// swift-tools-version:6.2
import PackageDescription

/// AuditGateway: a Swift access gateway that audits every command with the original
/// identity and the whole chain of agents in between.
///
/// Dependencies point one way: ProtocolParsers ← AuditCore/PolicyEngine ← GatewayKit ← executables.
let package = Package(
    name: "AuditGateway",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "AuditCore", targets: ["AuditCore"]),
        .library(name: "ProtocolParsers", targets: ["ProtocolParsers"]),
        .library(name: "PolicyEngine", targets: ["PolicyEngine"]),
        .library(name: "GatewayKit", targets: ["GatewayKit"]),
        .executable(name: "gatewayd", targets: ["gatewayd"]),
        .executable(name: "auditctl", targets: ["auditctl"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Wire codecs and SQL lexing: pure value code over ByteBuffer, no I/O.
        .target(
            name: "ProtocolParsers",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        // Identities, token verification, the hash-chained audit store, recordings.
        .target(
            name: "AuditCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Policy documents, decisions, guardrails and masking.
        .target(
            name: "PolicyEngine",
            dependencies: [
                "AuditCore",
                "ProtocolParsers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // Listeners, session handlers, admin API and service wiring.
        .target(
            name: "GatewayKit",
            dependencies: [
                "AuditCore",
                "ProtocolParsers",
                "PolicyEngine",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .executableTarget(
            name: "gatewayd",
            dependencies: [
                "GatewayKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "auditctl",
            dependencies: [
                "GatewayKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Benchmarks live apart from tests; `audit-bench` also serves as the writer
        // process the crash test kills.
        .executableTarget(
            name: "audit-bench",
            dependencies: [
                "AuditCore",
                "PolicyEngine",
                "ProtocolParsers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/AuditBench"
        ),
        // The bare SwiftNIO relay the PostgreSQL benchmark measures as the floor for a NIO proxy.
        .executableTarget(
            name: "tcp-relay",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/TCPRelay"
        ),
        .testTarget(name: "ProtocolParsersTests", dependencies: ["ProtocolParsers"]),
        .testTarget(name: "PolicyEngineTests", dependencies: ["PolicyEngine", "AuditCore", "ProtocolParsers"]),
        .testTarget(
            name: "AuditCoreTests",
            dependencies: [
                "AuditCore",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "GatewayKitTests",
            dependencies: [
                "GatewayKit",
                "AuditCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                // The admin API's router takes a metrics registry; in-process API tests make one.
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // Scripts the end-to-end tests run with real clients (read from the source tree).
            exclude: ["Postgres/Fixtures"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
