import Archive
import Authentication
import Foundation
import Glibc
import Logging
import NIOCore
import NuageServer
import Testing
import WebService

/// A real server (the composition root of `nuage serve`, on a loopback port) driven by dicomweb-client, a Python
/// DICOMweb peer (Tests/Interop/dicomweb_client_interop.py; scripts/bootstrap installs it).
@Suite(.serialized)
struct InteropTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Interop/dicomweb_client_interop.py").path

    @Test(.timeLimit(.minutes(1))) func dicomwebClientAgainstTheServer() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-interop-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = Self.quietLogger
        let configuration = ServerConfiguration(
            storage: ArchiveStorage(dataFolder: folder, ioThreads: 4), httpHost: "127.0.0.1", httpPort: 0,
            web: WebServiceConfiguration(passwordCost: PasswordHasher.Cost(logRounds: 10)),
            adminPassword: "interop-password-1", dicom: nil)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let (status, output) = try await withThrowingTaskGroup(of: (Int32, String)?.self) { group in
            group.addTask {
                try await NuageServer.run(configuration, logger: logger) { address in
                    continuation.yield(address?.port ?? 0)
                }
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            let result = try await Self.runPython([Self.script, "http://127.0.0.1:\(port)", "admin", "interop-password-1"])
            group.cancelAll()
            while try await group.next() != nil {}
            return result
        }
        #expect(status == 0, "\(output)")
        #expect(output.contains("every dicomweb-client check passed"))
    }

    /// SIGTERM while a STOW-RS body is arriving: the store completes (200), then the server stops and the instance
    /// is in the archive.
    @Test(.timeLimit(.minutes(1))) func sigtermLetsAStoreInFlightComplete() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-shutdown-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let instance = folder + "/instance.dcm"
        let bytes = try SyntheticInstance.make(study: "2.25.900", series: "2.25.900.1", sop: "2.25.900.1.1", frames: 2000)
        _ = FileManager.default.createFile(atPath: instance, contents: Data(bytes.readableBytesView))
        let logger = Self.quietLogger
        let storage = ArchiveStorage(dataFolder: folder + "/data", ioThreads: 4)
        let configuration = ServerConfiguration(
            storage: storage, httpHost: "127.0.0.1", httpPort: 0,
            web: WebServiceConfiguration(passwordCost: PasswordHasher.Cost(logRounds: 10)), adminPassword: "shutdown-password",
            dicom: nil)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let output = try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask {
                try await NuageServer.run(configuration, logger: logger) { continuation.yield($0?.port ?? 0) }
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            let port = await iterator.next() ?? 0
            group.addTask {
                let script = URL(fileURLWithPath: Self.script).deletingLastPathComponent().appendingPathComponent("stow_during_shutdown.py").path
                return try await Self.runPython(
                    [script, "127.0.0.1", "\(port)", "admin", "shutdown-password", "\(getpid())", instance]).1
            }
            var output = ""
            while let result = try await group.next() { if let result { output = result } }  // the server returns on SIGTERM
            return output
        }
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "200", "\(output)")
        let stored = try await storage.withArchive(logger: logger) { archive, _, _ in
            try await archive.instances(.study(studyInstanceUID: "2.25.900"), context: .system(.defaultTenant, task: "test")).count
        }
        #expect(stored == 1)
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "nuage-interop")
        logger.logLevel = .critical  // cancelling the server at the end logs an error on the listening channel
        return logger
    }

    /// Runs python3 with the arguments and returns its exit status and output (standard output and error).
    static func runPython(_ arguments: [String]) async throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { process in
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                continuation.resume(returning: (process.terminationStatus, String(decoding: data, as: UTF8.self)))
            }
            do {
                try process.run()
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}
