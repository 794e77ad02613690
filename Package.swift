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
    ],
    targets: [
        .executableTarget(
            name: "nuage",
            dependencies: [
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "DICOMJSON", package: "DICOMKit"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "nuageTests",
            dependencies: [
                "nuage",
                .product(name: "DICOMCore", package: "DICOMKit"),
                .product(name: "DICOMDictionary", package: "DICOMKit"),
                .product(name: "DICOM", package: "DICOMKit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
