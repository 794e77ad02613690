// swift-tools-version: 6.1
// The Nuage DICOM toolkit: data model, dictionary, Part 10 and data set codecs, character sets and the
// PS3.18/PS3.19 JSON and XML models. It builds on SwiftNIO's NIOCore alone so that it compiles and tests
// in a few minutes on its own, apart from the server.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "DICOMKit",
    products: [
        .library(name: "DICOMCore", targets: ["DICOMCore"]),
        .library(name: "DICOMDictionary", targets: ["DICOMDictionary"]),
        .library(name: "DICOM", targets: ["DICOM"]),
        .library(name: "DICOMJSON", targets: ["DICOMJSON"]),
        .library(name: "DICOMImaging", targets: ["DICOMImaging"]),
        .library(name: "DICOMNetwork", targets: ["DICOMNetwork"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "DICOMCore",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DICOMDictionary",
            dependencies: ["DICOMCore"],
            swiftSettings: swiftSettings
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(
            name: "DICOM",
            dependencies: [
                "DICOMCore", "DICOMDictionary", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "DICOMJSON",
            dependencies: ["DICOMCore", "DICOMDictionary", "DICOM", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Pixel data (issue 6): the C codecs through Debian's -dev packages, a small C shim that turns their error
        // handling (libjpeg's longjmp, OpenJPEG's callbacks) into return codes, and the Swift imaging target.
        .systemLibrary(name: "CJPEGTurbo", pkgConfig: "libjpeg", providers: [.apt(["libjpeg62-turbo-dev"])]),
        .systemLibrary(name: "COpenJPEG", pkgConfig: "libopenjp2", providers: [.apt(["libopenjp2-7-dev"])]),
        .systemLibrary(name: "CCharLS", pkgConfig: "charls", providers: [.apt(["libcharls-dev"])]),
        .target(name: "CImagingCodecs", dependencies: ["CJPEGTurbo", "COpenJPEG", "CCharLS"]),
        .target(
            name: "DICOMImaging",
            dependencies: [
                "DICOMCore", "DICOMDictionary", "DICOM", "CImagingCodecs", "CZlib",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // PS3.8 Upper Layer PDUs and state machine, DIMSE messages: sans-I/O (the sockets are DICOMNetworkNIO's).
        .target(
            name: "DICOMNetwork",
            dependencies: ["DICOMCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // `make bench` (scripts/bench): parse throughput. `make fuzz` (scripts/fuzz): libFuzzer, built with
        // -sanitize=fuzzer,address -DNUAGE_LIBFUZZER; a plain build of it only replays inputs.
        .executableTarget(
            name: "DICOMBench",
            dependencies: ["DICOM", "DICOMCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // `make bench` (scripts/bench-pixel): decode throughput, compression ratios, thumbnail time.
        .executableTarget(
            name: "PixelBench",
            dependencies: ["DICOMImaging", "DICOM", "DICOMCore", "DICOMDictionary", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "DICOMFuzzer",
            dependencies: [
                "DICOM", "DICOMCore", "DICOMJSON", "DICOMNetwork", "DICOMImaging",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DICOMCoreTests", dependencies: ["DICOMCore"], swiftSettings: swiftSettings),
        .testTarget(name: "DICOMDictionaryTests", dependencies: ["DICOMDictionary"], swiftSettings: swiftSettings),
        .testTarget(
            name: "DICOMTests",
            dependencies: ["DICOM", "DICOMDictionary", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DICOMImagingTests",
            dependencies: [
                "DICOMImaging", "DICOM", "DICOMCore", "DICOMDictionary", .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DICOMNetworkTests",
            dependencies: ["DICOMNetwork", "DICOMCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "DICOMJSONTests", dependencies: ["DICOMJSON", "DICOM"], swiftSettings: swiftSettings),
    ]
)
