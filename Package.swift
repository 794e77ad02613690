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
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
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
                "Archive", "ArchiveSQLite", "ArchivePostgres",
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
            ],
            path: "Tests/NuageTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ArchiveTests",
            dependencies: [
                "Archive", "ArchiveSQLite", "ArchivePostgres", "NuageTestSupport",
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
    ]
)
