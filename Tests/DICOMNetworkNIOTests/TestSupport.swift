import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import NuageTestSupport

typealias Tag = DICOMCore.Tag

let testLogger: Logger = {
    var logger = Logger(label: "nuage.test.dimse")
    logger.logLevel = .warning
    return logger
}()

let ctImageStorage: UID = "1.2.840.10008.5.1.4.1.1.2"
let secondaryCaptureStorage: UID = "1.2.840.10008.5.1.4.1.1.7"
let studyRootFind: UID = "1.2.840.10008.5.1.4.1.2.2.1"
let studyRootMove: UID = "1.2.840.10008.5.1.4.1.2.2.2"
let studyRootGet: UID = "1.2.840.10008.5.1.4.1.2.2.3"
let uncompressedSyntaxes: [UID] = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

/// A fresh temporary directory.
func makeTemporaryDirectory(_ name: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-dimse-\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// A synthetic CT instance (no real patient data): a few attributes and `pixelBytes` of pixel data.
func syntheticInstance(index: Int, study: String = "2.25.1000", pixelBytes: Int = 70_000) -> DataSet {
    var dataSet = DataSet()
    func text(_ tag: Tag, _ vr: VR, _ value: String) { dataSet.insert(DataElement(tag: tag, vr: vr, asciiStrings: [value])) }
    text(.sopClassUID, .UI, ctImageStorage.rawValue)
    text(.sopInstanceUID, .UI, "2.25.\(424_242_000 + index)")
    text(.studyInstanceUID, .UI, study)
    text(.seriesInstanceUID, .UI, study + ".1")
    text(.patientName, .PN, "SYNTHETIC^PATIENT\(index)")
    text(.patientID, .LO, "SYN\(index)")
    text(.modality, .CS, "CT")
    dataSet.insert(DataElement(tag: .rows, vr: .US, integers: [UInt16(1)]))
    dataSet.insert(DataElement(tag: .columns, vr: .US, integers: [UInt16(pixelBytes / 2)]))
    var pixels = ByteBuffer()
    for byte in 0..<pixelBytes { pixels.writeInteger(UInt8(truncatingIfNeeded: byte &* 7 &+ index)) }
    dataSet.insert(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
    return dataSet
}

/// Writes synthetic instances as Part 10 files; returns their paths.
func writeSyntheticFiles(count: Int, in directory: String, syntax: TransferSyntax = .explicitVRLittleEndian) throws -> [String] {
    try (0..<count).map { index in
        let path = directory + "/instance\(index).dcm"
        try DICOMFile(dataSet: syntheticInstance(index: index), transferSyntax: syntax).write(to: path)
        return path
    }
}

/// The bare data set bytes of a Part 10 file.
func dataSetBytes(ofFile path: String) throws -> [UInt8] {
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let header = try Part10Header(bytes: ByteBuffer(bytes: bytes.prefix(65536)))
    return Array(bytes[header.dataSetOffset...])
}

/// Runs a DIMSEServer on a free loopback port for the duration of `body`.
func withServer<Provider: DIMSEServiceProvider, Result: Sendable>(
    _ provider: Provider, configure: (inout DIMSEServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (Int) async throws -> Result
) async throws -> Result {
    var configuration = DIMSEServerConfiguration(host: "127.0.0.1", port: 0, artimTimeout: .seconds(10))
    configure(&configuration)
    let server = try DIMSEServer(configuration: configuration, provider: provider, logger: testLogger)
    return try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask {
            try await server.run()
            return nil
        }
        let port = try await server.listeningAddress().port ?? 0
        group.addTask { try await body(port) }
        while let result = try await group.next() {
            if let result {
                group.cancelAll()
                return result
            }
        }
        throw CancellationError()
    }
}
