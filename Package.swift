// swift-tools-version: 6.1
// Nuage: a cloud medical-imaging archive. The DICOM toolkit is the path package DICOMKit (built and tested on its
// own, with SwiftNIO alone); this package holds the archive, its services and the `nuage` command line.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Nuage",
    products: [
        .executable(name: "nuage", targets: ["nuage"]),
    ],
    dependencies: [
        .package(path: "DICOMKit"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        // 3.x or 4.x: jwt-kit 5.7 needs 4.x.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .target(
            name: "Archive",
            dependencies: [
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMJSON", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                // NIOThreadPool: the file blob store's blocking I/O (write, fsync, rename) runs off the cooperative pool.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArchiveSQLite",
            dependencies: [
                "Archive",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ArchivePostgres",
            dependencies: [
                "Archive",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Compression at rest (issue 6): re-encodes opted-in tenants' uncompressed instances losslessly, verified
        // bit-exact, through ArchiveService (`nuage compress`, and a maintenance Service in `nuage serve`).
        .target(
            name: "ArchiveCompression",
            dependencies: [
                "Archive",
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Credentials → AccessContext, shared by the HTTP service and the DIMSE SCP's user identity negotiation.
        .target(
            name: "Authentication",
            dependencies: [
                "Archive",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // DICOMweb (PS3.18) and the admin API as Hummingbird routes, and HTTP authentication → AccessContext.
        .target(
            name: "WebService",
            dependencies: [
                "Archive", "Authentication",
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMJSON", package: "DICOMKit"),
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The composition root: configuration, the archive's stores, the service group (HTTP; DIMSE later).
        // glibc's mallopt, which the Glibc module does not export (NuageServer's AllocatorTuning).
        .target(name: "CAllocatorTuning"),
        .target(
            name: "NuageServer",
            dependencies: [
                "Archive", "ArchiveSQLite", "ArchivePostgres", "Authentication", "WebService", "DICOMNetworkNIO",
                "DIMSEService", "ArchiveCompression", "CAllocatorTuning",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // DIMSE over SwiftNIO: the DIMSEServer Service and the DIMSEClient around DICOMKit's sans-I/O DICOMNetwork.
        .target(
            name: "DICOMNetworkNIO",
            dependencies: [
                .product(name: "DICOMNetwork", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The archive's DIMSE SCP: association admission through the AE registry, C-STORE into ingest, C-FIND,
        // C-MOVE and C-GET over the archive's use cases.
        .target(
            name: "DIMSEService",
            dependencies: [
                "Archive", "Authentication", "DICOMNetworkNIO",
                .product(name: "DICOMNetwork", package: "DICOMKit"),
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "nuage",
            dependencies: [
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMJSON", package: "DICOMKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DICOMNetwork", package: "DICOMKit"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                "Archive", "ArchiveSQLite", "ArchivePostgres", "NuageServer", "DICOMNetworkNIO", "ArchiveCompression",
            ],
            swiftSettings: swiftSettings
        ),
        // `make bench` (scripts/bench-index): index load and study query latency, SQLite and PostgreSQL.
        .executableTarget(
            name: "IndexBenchmark",
            dependencies: [
                "Archive", "ArchiveSQLite", "ArchivePostgres",
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/IndexBenchmark",
            swiftSettings: swiftSettings
        ),
        // Synthetic DICOM objects, scratch folders and peer programs, shared by the app's test targets.
        .target(
            name: "NuageTestSupport",
            dependencies: [
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/NuageTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiveTests",
            dependencies: [
                "Archive", "ArchiveSQLite", "ArchivePostgres", "NuageTestSupport", "ArchiveCompression",
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DIMSEServiceTests",
            dependencies: [
                "DIMSEService", "DICOMNetworkNIO", "Archive", "ArchiveSQLite", "Authentication", "NuageTestSupport",
                .product(name: "DICOMNetwork", package: "DICOMKit"),
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DICOMNetworkNIOTests",
            dependencies: [
                "DICOMNetworkNIO", "NuageTestSupport",
                .product(name: "DICOMNetwork", package: "DICOMKit"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "nuageTests",
            dependencies: [
                "nuage", "Archive", "ArchiveSQLite",
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WebServiceTests",
            dependencies: [
                "WebService", "NuageServer", "Archive", "ArchiveSQLite", "Authentication", "NuageTestSupport",
                "DICOMNetworkNIO", "DIMSEService", "ArchiveCompression",
                .product(name: "DICOMImaging", package: "DICOMKit"),
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMJSON", package: "DICOMKit"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
