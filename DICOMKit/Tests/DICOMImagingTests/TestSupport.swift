import DICOM
import DICOMCore
import DICOMImaging
import Foundation

/// Swift Testing also declares a `Tag` (for tagging tests); in this module the name means the DICOM tag.
typealias Tag = DICOMCore.Tag

/// pydicom's test files (installed by scripts/bootstrap) and reference decodes by scripts/pixel-reference.py.
enum PixelTestFiles {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The folder of pydicom's test files, or nil when pydicom is not installed.
    static let pydicomDirectory: String? = {
        let output = run(["python3", "-c", "import pydicom, os; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))"])
        return output?.trimmingCharacters(in: .whitespacesAndNewlines)
    }()

    static func path(_ name: String) -> String? { pydicomDirectory.map { $0 + "/" + name } }

    /// Runs a command; its standard output when it exits 0.
    static func run(_ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// One frame as the reference decoded it.
    struct ReferenceFrame: Sendable {
        var sha256: String
        var dtype: String
        var bytes: [UInt8]
    }

    /// The reference decodes of the files (by name): frames in order, or the reference's error.
    static func referenceDecodes(_ names: [String]) -> [String: Result<[ReferenceFrame], ReferenceError>] {
        guard let directory = pydicomDirectory else { return [:] }
        let dump = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-pixel-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dump, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dump) }
        let script = repositoryRoot.appendingPathComponent("scripts/pixel-reference.py").path
        let paths = names.map { directory + "/" + $0 }
        guard let output = run(["python3", script, "--rgb", "--dump", dump.path] + paths) else { return [:] }
        var results: [String: Result<[ReferenceFrame], ReferenceError>] = [:]
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let file = object["file"] as? String
            else { continue }
            let name = String(file.dropFirst(directory.count + 1))
            if let error = object["error"] as? String {
                results[name] = .failure(ReferenceError(message: error))
                continue
            }
            guard let frame = object["frame"] as? Int, let sha = object["sha256"] as? String,
                let dtype = object["dtype"] as? String, let number = paths.firstIndex(of: file)
            else { continue }
            let raw = (try? Data(contentsOf: dump.appendingPathComponent("\(number)-\(frame).raw"))) ?? Data()
            var frames = (try? results[name]?.get()) ?? []
            frames.append(ReferenceFrame(sha256: sha, dtype: dtype, bytes: [UInt8](raw)))
            results[name] = .success(frames)
        }
        return results
    }

    struct ReferenceError: Error, Sendable {
        var message: String
    }

    static func read(_ name: String) throws -> DICOMFile {
        guard let path = path(name) else { throw ReferenceError(message: "pydicom is not installed") }
        return try DICOMFile(contentsOf: path)
    }
}
