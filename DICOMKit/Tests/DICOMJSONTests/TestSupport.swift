import DICOM
import DICOMCore
import DICOMJSON
import Foundation
import NIOCore

/// Builders for elements with exactly the bytes a conforming writer produces.
enum Build {
    /// A text element: the UTF-8 bytes of `text`, padded to even length with the VR's padding byte.
    static func text(_ tag: UInt32, _ vr: VR, _ text: String) -> DataElement {
        var bytes = ByteBuffer(string: text)
        if bytes.readableBytes % 2 == 1 { bytes.writeInteger(vr.paddingByte) }
        return DataElement(tag: Tag(tag), vr: vr, bytes: bytes)
    }

    /// A text element encoded with a character set, padded.
    static func text(_ tag: UInt32, _ vr: VR, _ text: String, characterSet: SpecificCharacterSet) throws -> DataElement {
        var bytes = try characterSet.encode(text, vr: vr)
        if bytes.readableBytes % 2 == 1 { bytes.writeInteger(vr.paddingByte) }
        return DataElement(tag: Tag(tag), vr: vr, bytes: bytes)
    }

    static func bytes(_ tag: UInt32, _ vr: VR, _ bytes: [UInt8]) -> DataElement {
        DataElement(tag: Tag(tag), vr: vr, bytes: ByteBuffer(bytes: bytes))
    }

    static func integers<T: FixedWidthInteger>(_ tag: UInt32, _ vr: VR, _ values: [T]) -> DataElement {
        DataElement(tag: Tag(tag), vr: vr, integers: values)
    }

    static func floats(_ tag: UInt32, _ values: [Float]) -> DataElement {
        DataElement(tag: Tag(tag), vr: .FL, integers: values.map(\.bitPattern))
    }

    static func doubles(_ tag: UInt32, _ values: [Double], vr: VR = .FD) -> DataElement {
        DataElement(tag: Tag(tag), vr: vr, integers: values.map(\.bitPattern))
    }

    static func sequence(_ tag: UInt32, _ items: [DataSet]) -> DataElement {
        DataElement(tag: Tag(tag), items: items)
    }

    static func characterSet(_ value: String) -> DataElement {
        text(0x0008_0005, .CS, value)
    }
}

/// The JSON text without the whitespace between tokens, so that expected output can be written readably.
func compactJSON(_ text: String) -> String {
    var result = String.UnicodeScalarView()
    var isInString = false
    var isEscaped = false
    for scalar in text.unicodeScalars {
        if isInString {
            result.append(scalar)
            if isEscaped {
                isEscaped = false
            } else if scalar == "\\" {
                isEscaped = true
            } else if scalar == "\"" {
                isInString = false
            }
            continue
        }
        switch scalar {
        case " ", "\n", "\r", "\t": continue
        case "\"": isInString = true
        default: break
        }
        result.append(scalar)
    }
    return String(result)
}

extension DICOMJSONDecoder {
    func decode(_ text: String) throws(DICOMParseError) -> DataSet {
        try decode(ByteBuffer(string: text))
    }
}

/// pydicom, for interoperability tests and its test files; nil when python3 or pydicom is missing.
enum Pydicom {
    /// The folder of pydicom's test files.
    static let testFilesDirectory: String? = {
        if let override = ProcessInfo.processInfo.environment["NUAGE_PYDICOM_TEST_FILES"] { return override }
        guard
            let output = try? run(
                ["-c", "import pydicom, os; print(os.path.join(os.path.dirname(pydicom.__file__), 'data', 'test_files'))"]
            ), output.status == 0
        else { return nil }
        let path = output.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    static var isAvailable: Bool { testFilesDirectory != nil }

    static func testFile(_ name: String) -> String? {
        guard let directory = testFilesDirectory else { return nil }
        let path = directory + "/" + name
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    struct Output {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `python3` with the arguments and collects what it prints (standard error through a temporary file,
    /// so that neither pipe can fill up and block the child).
    static func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let errorPath = temporaryPath("stderr.txt")
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: errorPath) }
        let errorHandle = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        let outputPipe = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputPipe
        process.standardError = errorHandle
        try process.run()
        let output = outputPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try errorHandle.close()
        let errors = (try? Data(contentsOf: URL(fileURLWithPath: errorPath))) ?? Data()
        return Output(
            status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: errors, as: UTF8.self))
    }

    /// A fresh path in the temporary directory.
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("nuage-json-\(UUID().uuidString)-\(name)").path
    }
}
