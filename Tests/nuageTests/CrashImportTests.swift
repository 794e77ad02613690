import Crypto
import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import Testing

/// Runs the `nuage` executable built next to the tests (or the one named by NUAGE_EXECUTABLE).
enum NuageExecutable {
    static var path: String? {
        if let path = ProcessInfo.processInfo.environment["NUAGE_EXECUTABLE"] { return path }
        // The test bundle lives in the build products folder, next to the executable.
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = folder.appendingPathComponent("nuage").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return nil
    }

    /// Runs to completion; returns the exit status, standard output and standard error.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = arguments
        let output = Pipe()
        // Standard error goes to a file, so that neither pipe can fill up while the other is read.
        let errorPath = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errorPath.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorPath) }
        let errorHandle = try FileHandle(forWritingTo: errorPath)
        process.standardOutput = output
        process.standardError = errorHandle
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errorData = try Data(contentsOf: errorPath)
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }
}

@Suite("Crash safety of nuage import", .serialized)
struct CrashImportTests {
    static let fileCount = 3000

    /// Writes `count` small synthetic instances (distinct SOP Instance UIDs over 30 studies) and a few files that
    /// are not DICOM; returns the SHA-256 of each instance's file by SOP Instance UID.
    static func writeInstances(count: Int, to folder: String) throws -> [String: String] {
        var digests: [String: String] = [:]
        for number in 0..<count {
            let study = "2.25.99.\(number % 30)"
            let sop = "\(study).1.\(number)"
            var dataSet = DataSet()
            dataSet.insert(DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: ["1.2.840.10008.5.1.4.1.1.2"]))
            dataSet.insert(DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: [sop]))
            dataSet.insert(DataElement(tag: .modality, vr: .CS, asciiStrings: ["CT"]))
            dataSet.insert(DataElement(tag: .patientName, vr: .PN, asciiStrings: ["Synthetic^\(number % 30)"]))
            dataSet.insert(DataElement(tag: .patientID, vr: .LO, asciiStrings: ["SYN\(number % 30)"]))
            dataSet.insert(DataElement(tag: .studyInstanceUID, vr: .UI, asciiStrings: [study]))
            dataSet.insert(DataElement(tag: .seriesInstanceUID, vr: .UI, asciiStrings: ["\(study).1"]))
            dataSet.insert(DataElement(tag: .instanceNumber, vr: .IS, asciiStrings: [String(number)]))
            dataSet.insert(
                DataElement(
                    tag: StructuralTag.pixelData, vr: .OW,
                    bytes: ByteBuffer(repeating: UInt8(truncatingIfNeeded: number), count: 2048)))
            let bytes = try DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).encoded()
            let data = Data(bytes.readableBytesView)
            let subfolder = folder + "/s\(number % 30)"
            try FileManager.default.createDirectory(atPath: subfolder, withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: subfolder + "/\(number).dcm"))
            digests[sop] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        try Data("not an image\n".utf8).write(to: URL(fileURLWithPath: folder + "/README.txt"))
        return digests
    }

    /// Every committed object file under the blobs folder (temporaries excluded).
    static func committedObjects(in blobs: String) throws -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: blobs) else { return [] }
        var objects: [String] = []
        for case let relative as String in enumerator {
            let parts = relative.split(separator: "/")
            if parts.count == 4 && parts[1] != "tmp" { objects.append(blobs + "/" + relative) }
        }
        return objects
    }

    @Test("SIGKILL mid-import: every instance reported stored is present and verifies; nothing half-written shows")
    func killedImport() async throws {
        try #require(NuageExecutable.path != nil, "build the nuage executable first (swift build)")
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("nuage-crash-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let source = root + "/source"
        let data = root + "/data"
        let digests = try Self.writeInstances(count: Self.fileCount, to: source)

        // First run: killed once a good part of the files is reported stored.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(NuageExecutable.path))
        process.arguments = ["import", source, "--data", data, "--log-stored", "--jobs", "16"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var reported = Data()
        let killAfter = Self.fileCount / 3
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            reported.append(chunk)
            if reported.count(where: { $0 == UInt8(ascii: "\n") }) >= killAfter {
                kill(process.processIdentifier, SIGKILL)
                break
            }
        }
        reported.append(output.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal, "the import finished before it could be killed")

        // Only complete lines count: a line is written after its instance is durable.
        let text = String(decoding: reported, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        var storedBeforeKill: [String: String] = [:]
        for line in lines {
            let fields = line.split(separator: "\t").map(String.init)
            try #require(fields.count == 4, "malformed line \(line)")
            #expect(fields[0] == "stored")
            storedBeforeKill[fields[1]] = fields[2]
        }
        #expect(storedBeforeKill.count >= killAfter)
        #expect(storedBeforeKill.count < Self.fileCount)

        // Before any repair: every visible object is a complete file of one of the sources.
        let knownDigests = Set(digests.values)
        for object in try Self.committedObjects(in: data + "/blobs") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: object))
            let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
            #expect(knownDigests.contains(digest), "half-written or foreign object \(object)")
        }

        // Restart: the import reconciles, then stores the rest and skips what is stored.
        let second = try NuageExecutable.run(["import", source, "--data", data, "--log-stored", "--jobs", "16"])
        #expect(second.status == 0, "second import failed: \(second.error)")
        var dispositions: [String: (String, String)] = [:]
        for line in second.output.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            guard fields.count == 4 else { continue }
            dispositions[fields[1]] = (fields[0], fields[2])
        }
        #expect(dispositions.count == Self.fileCount)
        for (sop, digest) in storedBeforeKill {
            #expect(digest == digests[sop])
            // Found in the index with the same SHA-256, so nothing was written again.
            #expect(dispositions[sop]?.0 == "alreadyStored", "instance \(sop) reported stored was lost")
            #expect(dispositions[sop]?.1 == digest)
        }
        #expect(second.error.contains("skipped (not DICOM):    1"))

        let verify = try NuageExecutable.run(["verify", "--data", data])
        #expect(verify.status == 0, "verify failed: \(verify.output) \(verify.error)")
        let stats = try NuageExecutable.run(["stats", "--json", "--data", data])
        #expect(stats.output.contains("\"instances\":\(Self.fileCount)"))
        #expect(stats.output.contains("\"studies\":30"))
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: data + "/blobs/default/tmp")
        #expect(temporaries.isEmpty)
        #expect(try Self.committedObjects(in: data + "/blobs").count == Self.fileCount)
    }
}
