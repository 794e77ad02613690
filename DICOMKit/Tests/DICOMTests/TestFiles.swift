import DICOMCore
import Foundation

/// Locates pydicom's test files (pydicom from PyPI, installed by scripts/bootstrap) for conformance tests.
enum TestFiles {
    /// The folder of pydicom's test files, or nil when pydicom is not installed.
    static let pydicomDirectory: URL? = {
        if let override = ProcessInfo.processInfo.environment["NUAGE_PYDICOM_TEST_FILES"] {
            return URL(fileURLWithPath: override)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c", "import pydicom, os; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        let path = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return URL(fileURLWithPath: path)
    }()

    /// Every regular file under pydicom's test folder, sorted by path.
    static let pydicomFiles: [String] = {
        guard let directory = pydicomDirectory,
            let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])
        else { return [] }
        var paths: [String] = []
        for case let url as URL in enumerator where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            paths.append(url.path)
        }
        return paths.sorted()
    }()
}

/// Swift Testing also declares a `Tag` (for tagging tests); in this module the name means the DICOM tag.
typealias Tag = DICOMCore.Tag
