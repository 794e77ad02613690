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

/// Runs a program without blocking the cooperative pool; standard output and error go to one temporary file.
@discardableResult
func runProgram(
    _ path: String, _ arguments: [String], environment: [String: String] = ["TCP_NODELAY": "1"], directory: String? = nil
) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var merged = ProcessInfo.processInfo.environment
    for (key, value) in environment { merged[key] = value }
    process.environment = merged
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-dimse-out-\(UUID().uuidString)").path
    _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: outputPath) }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = handle
    process.standardError = handle
    let status: Int32 = try await withCheckedThrowingContinuation { continuation in
        process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
        do { try process.run() } catch { continuation.resume(throwing: error) }
    }
    try handle.close()
    let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    return (status, output)
}

/// A background program (a DCMTK storescp) for the duration of `body`; terminated by its own process ID after.
func withBackgroundProgram<Result>(
    _ path: String, _ arguments: [String], _ body: () async throws -> Result
) async throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var environment = ProcessInfo.processInfo.environment
    environment["TCP_NODELAY"] = "1"
    process.environment = environment
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // SIGKILL by its own process ID: storescp and pynetdicom's server outlive Foundation's terminate().
    let processID = process.processIdentifier
    defer {
        kill(processID, SIGKILL)
        var status: Int32 = 0
        waitpid(processID, &status, 0)
    }
    return try await body()
}

/// A free TCP port on loopback (bound then released).
func freePort() throws -> Int {
    let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
    defer { try? channel.close().wait() }
    return channel.localAddress?.port ?? 0
}

/// Waits until something listens on the port (a peer program just started).
func waitForListener(port: Int) async throws {
    for _ in 0..<100 {
        if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
            try? await channel.close()
            return
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw DIMSEClientError.aborted("nothing listens on port \(port)")
}

/// Runs a DIMSEServer on a free loopback port for the duration of `body`.
func withServer<Provider: DIMSEServiceProvider, Result: Sendable>(
    _ provider: Provider, configure: (inout DIMSEServerConfiguration) -> Void = { _ in },
    _ body: @escaping @Sendable (Int) async throws -> Result
) async throws -> Result {
    var configuration = DIMSEServerConfiguration(host: "127.0.0.1", port: 0, artimTimeout: .seconds(1))
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
