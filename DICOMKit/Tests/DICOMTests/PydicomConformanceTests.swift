import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import Testing

// The conformance test against pydicom: for every file that pydicom reads, our decoded elements agree with
// pydicom's, element by element, character sets included. Any deliberate difference is listed, with its reason, in
// `PydicomConformanceTests.knownDifferences`; anything else that differs fails the file's test case.
//
// pydicom's view comes from scripts/pydicom-reference.py (run once, through python3), which normalises every value
// so that we can compute the same thing from our own reading: text as decoded values (padding dropped by the VR's
// rules on both sides), numbers exactly, binary values and fragments as SHA-256 digests.

/// pydicom's test files: the `test_files` and `charset_files` folders of the installed pydicom package.
enum PydicomTestData {
    /// pydicom's `data` folder; nil when pydicom is not installed.
    static let dataDirectory: URL? = TestFiles.pydicomDirectory?.deletingLastPathComponent()

    /// The folders of test files that exist.
    static let folders: [URL] = {
        guard let testFiles = TestFiles.pydicomDirectory, let dataDirectory else { return [] }
        let charsetFiles = dataDirectory.appendingPathComponent("charset_files")
        return FileManager.default.fileExists(atPath: charsetFiles.path) ? [testFiles, charsetFiles] : [testFiles]
    }()

    /// Every regular file in the folders, named by its path under `dataDirectory` ("test_files/CT_small.dcm").
    static let fileNames: [String] = {
        guard let dataDirectory else { return [] }
        var names: [String] = []
        for folder in folders {
            guard
                let enumerator = FileManager.default.enumerator(
                    at: folder, includingPropertiesForKeys: [.isRegularFileKey])
            else { continue }
            for case let url as URL in enumerator
            where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                names.append(relativeName(of: url.path, under: dataDirectory.path))
            }
        }
        return names.sorted()
    }()

    /// Stands in for the file list when pydicom is missing, so that the parameterised tests fail instead of running
    /// no case at all.
    static let missingMarker = "<pydicom is not installed: run scripts/bootstrap>"

    /// The arguments of the per-file tests.
    static let arguments: [String] = fileNames.isEmpty ? [missingMarker] : fileNames

    /// The absolute path of a file named by `fileNames`; fails the test when pydicom is missing.
    static func path(of name: String) throws -> String {
        guard name != missingMarker, let dataDirectory else {
            throw ReferenceError(
                "pydicom is not installed, so its test files cannot be found: run scripts/bootstrap (`make test` does)")
        }
        return dataDirectory.appendingPathComponent(name).path
    }

    static func relativeName(of path: String, under directory: String) -> String {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

struct ReferenceError: Error, Sendable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - pydicom's view, as the script writes it

/// One file as pydicom reads it (see scripts/pydicom-reference.py for the format).
struct ReferenceFile: Decodable, Sendable {
    var path: String
    var pydicom: String
    var readable: Bool
    var readableWithForce: Bool
    var error: String?
    var forceError: String?
    var transferSyntax: String?
    var isLittleEndian: Bool?
    var isImplicitVR: Bool?
    var hasPreamble: Bool
    var warnings: [String]
    var meta: [ReferenceElement]
    var dataSet: [ReferenceElement]
}

struct ReferenceElement: Decodable, Sendable {
    var tag: String
    /// The VR pydicom reports, after it replaced UN by the dictionary's VR and resolved ambiguous VRs.
    var vr: String?
    /// The VR as encoded; nil in implicit VR data.
    var rawVR: String?
    var vm: Int?
    var undefinedLength: Bool
    var value: ReferenceValue
}

struct Digest: Decodable, Hashable, Sendable, CustomStringConvertible {
    var length: Int
    var sha256: String

    init(length: Int, sha256: String) {
        self.length = length
        self.sha256 = sha256
    }

    init(_ buffer: ByteBuffer) {
        self.init(length: buffer.readableBytes, sha256: SHA256.hexDigest(Array(buffer.readableBytesView)))
    }

    var description: String { "\(length) bytes, sha256 \(sha256.prefix(16))…" }
}

/// A value normalised for comparison.
enum ReferenceValue: Decodable, Sendable {
    case strings([String])
    case integers([String])
    case floats([String])
    case tags([String])
    case bytes(Digest)
    case items([[ReferenceElement]])
    case fragments([Digest])
    case error(String)

    private enum Key: String, CodingKey {
        case strings, integers, floats, tags, bytes, items, fragments, error
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        if let values = try container.decodeIfPresent([String].self, forKey: .strings) {
            self = .strings(values)
        } else if let values = try container.decodeIfPresent([String].self, forKey: .integers) {
            self = .integers(values)
        } else if let values = try container.decodeIfPresent([String].self, forKey: .floats) {
            self = .floats(values)
        } else if let values = try container.decodeIfPresent([String].self, forKey: .tags) {
            self = .tags(values)
        } else if let digest = try container.decodeIfPresent(Digest.self, forKey: .bytes) {
            self = .bytes(digest)
        } else if let items = try container.decodeIfPresent([[ReferenceElement]].self, forKey: .items) {
            self = .items(items)
        } else if let fragments = try container.decodeIfPresent([Digest].self, forKey: .fragments) {
            self = .fragments(fragments)
        } else if let message = try container.decodeIfPresent(String.self, forKey: .error) {
            self = .error(message)
        } else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "no known value key"))
        }
    }
}

/// Runs scripts/pydicom-reference.py once over pydicom's test folders.
enum PydicomReference {
    static let requiredVersion = "3.0.2"

    static let scriptPath: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DICOMTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // DICOMKit
        .deletingLastPathComponent()  // the repository
        .appendingPathComponent("scripts/pydicom-reference.py").path

    /// The documents by file name (as `PydicomTestData.fileNames` names them), or why they could not be made.
    static let documents: Result<[String: ReferenceFile], ReferenceError> = Result { () throws(ReferenceError) in
        try run()
    }

    static func document(named name: String) throws -> ReferenceFile {
        let documents = try documents.get()
        guard let document = documents[name] else {
            throw ReferenceError("pydicom-reference.py wrote nothing for \(name)")
        }
        return document
    }

    private static func run() throws(ReferenceError) -> [String: ReferenceFile] {
        guard let dataDirectory = PydicomTestData.dataDirectory, !PydicomTestData.folders.isEmpty else {
            throw ReferenceError(
                "python3 cannot import pydicom: run scripts/bootstrap (`make test` does), which installs pydicom "
                    + requiredVersion)
        }
        let output = FileManager.default.temporaryDirectory
            .appendingPathComponent("pydicom-reference-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, "--output", output.path] + PydicomTestData.folders.map(\.path)
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ReferenceError("cannot run python3 \(scriptPath): \(error)")
        }
        let errorOutput = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReferenceError(
                "pydicom-reference.py exited with status \(process.terminationStatus): "
                    + String(decoding: errorOutput, as: UTF8.self))
        }
        let data: Data
        do {
            data = try Data(contentsOf: output)
        } catch {
            throw ReferenceError("cannot read the script's output: \(error)")
        }
        var documents: [String: ReferenceFile] = [:]
        let decoder = JSONDecoder()
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            do {
                let document = try decoder.decode(ReferenceFile.self, from: Data(line))
                documents[PydicomTestData.relativeName(of: document.path, under: dataDirectory.path)] = document
            } catch {
                throw ReferenceError("cannot decode a line of the script's output: \(error)")
            }
        }
        return documents
    }
}

// MARK: - Differences

/// One way in which our reading of a file differs from pydicom's.
struct Difference: Sendable, CustomStringConvertible {
    enum Kind: String, Sendable {
        /// We could not read a file that pydicom reads.
        case rejected
        /// pydicom has an element that we do not.
        case missingElement
        /// We have an element that pydicom does not.
        case extraElement
        /// The element's VR differs; its value is then compared under pydicom's VR.
        case vr
        /// The values differ under the same normalisation.
        case value
        /// A sequence against a primitive value, a different item count, fragments against bytes.
        case structure
    }

    var kind: Kind
    /// The tags from the top level down to the element, sequences included (empty for `rejected`).
    var tagPath: [DICOMCore.Tag]
    var ours: String
    var pydicom: String
    /// The VR as encoded, as pydicom read it; nil in implicit VR data.
    var rawVR: String?
    /// The error code when we rejected the file.
    var errorCode: DICOMParseError.Code?
    /// Whether pydicom read the element with an undefined length (a sequence or encapsulated pixel data).
    var hasUndefinedLength = false

    var tag: DICOMCore.Tag? { tagPath.last }

    var description: String {
        let location = tagPath.isEmpty ? "file" : tagPath.map(\.description).joined(separator: " > ")
        return "\(location): \(kind.rawValue): ours \(ours); pydicom \(pydicom)"
    }
}

/// A difference from pydicom that we make on purpose.
struct KnownDifference: Sendable {
    /// The files it is expected in, named as in `PydicomTestData.fileNames`; nil when it may occur in any file.
    var files: Set<String>?
    var reason: String
    var matches: @Sendable (Difference, ReferenceFile) -> Bool

    init(
        files: Set<String>? = nil, _ reason: String, matches: @escaping @Sendable (Difference, ReferenceFile) -> Bool
    ) {
        self.files = files
        self.reason = reason
        self.matches = matches
    }

    func explains(_ difference: Difference, in name: String, _ reference: ReferenceFile) -> Bool {
        (files?.contains(name) ?? true) && matches(difference, reference)
    }
}

@Suite("Pydicom conformance")
struct PydicomConformanceTests {
    /// Every deliberate difference from pydicom 3.0.2, with its reason. An entry naming files must be met in each.
    static let knownDifferences: [KnownDifference] = [
        KnownDifference(
            """
            Elements encoded as UN keep VR UN, where pydicom replaces it by its dictionary's VR: an archive writes \
            back what it received, and the bytes are unchanged. Values are compared after interpreting our bytes with \
            pydicom's VR.
            """
        ) { difference, _ in
            difference.kind == .vr && difference.ours == "UN" && difference.rawVR == "UN"
        },
        KnownDifference(
            """
            An undefined-length UN value, or an undefined-length element of a tag no dictionary knows, is read as an \
            Implicit VR Little Endian sequence by both (PS3.5 §6.2.2); we keep its VR UN, pydicom calls it SQ. The \
            items are compared element by element.
            """
        ) { difference, _ in
            difference.kind == .vr && difference.ours == "UN" && difference.pydicom == "SQ"
                && difference.hasUndefinedLength
        },
        KnownDifference(
            """
            Attributes with an ambiguous VR (US or SS, OB or OW, US or OW) in implicit VR data keep PS3.6's first VR, \
            and native Pixel Data is OW as PS3.5 §A.1 says; pydicom resolves them from Pixel Representation and Bits \
            Allocated. Resolving them is left to the decoders that need to; the bytes are the same and values are \
            compared under pydicom's VR.
            """
        ) { difference, _ in
            guard difference.kind == .vr, difference.rawVR == nil || difference.rawVR?.contains(" or ") == true,
                let tag = difference.tag, let ours = VR(rawValue: difference.ours),
                let theirs = VR(rawValue: difference.pydicom)
            else { return false }
            if tag == StructuralTag.pixelData { return ours == .OW && theirs == .OB && !difference.hasUndefinedLength }
            guard let entry = DataDictionary.entry(for: tag) else { return false }
            return entry.vrs.count > 1 && entry.vr == ours && entry.vrs.contains(theirs)
        },
        KnownDifference(
            """
            pydicom with force=True reads any bytes as an implicit VR data set (text, JSON, an ICC profile, gzip); we \
            reject input that has neither a DICM prefix nor a plausible first data element.
            """
        ) { difference, reference in
            difference.kind == .rejected && !reference.readable && difference.errorCode == .notDICOM
        },
        KnownDifference(
            files: ["test_files/MR_truncated.dcm", "test_files/rtplan_truncated.dcm"],
            """
            We reject truncated files that pydicom reads, keeping the partial last value: an archive must not accept a \
            truncated instance.
            """
        ) { difference, _ in
            difference.kind == .rejected && difference.errorCode == .truncated
        },
    ]

    @Test("pydicom and its reference script are available")
    func referenceIsAvailable() throws {
        let documents = try PydicomReference.documents.get()
        #expect(
            PydicomTestData.fileNames.count > 100, "found only \(PydicomTestData.fileNames.count) pydicom test files")
        #expect(Set(documents.keys) == Set(PydicomTestData.fileNames))
        let versions = Set(documents.values.map(\.pydicom))
        #expect(
            versions == [PydicomReference.requiredVersion],
            "the reference is pydicom \(PydicomReference.requiredVersion), not \(versions)")
    }

    @Test("our elements agree with pydicom's", arguments: PydicomTestData.arguments)
    func agreesWithPydicom(_ name: String) throws {
        guard case (let reference, let differences)? = try Self.differences(in: name) else { return }
        var unexplained: [Difference] = []
        var used = Set<Int>()
        for difference in differences {
            if let index = Self.knownDifference(explaining: difference, in: name, reference) {
                used.insert(index)
            } else {
                unexplained.append(difference)
            }
        }
        let report = unexplained.prefix(40).map { "  " + $0.description }.joined(separator: "\n")
        #expect(unexplained.isEmpty, "\(name): \(unexplained.count) difference(s) from pydicom:\n\(report)")
        for (index, known) in Self.knownDifferences.enumerated() where known.files?.contains(name) == true {
            let reason = known.reason.prefix(60)
            #expect(used.contains(index), "\(name): the known difference \"\(reason)…\" no longer occurs")
        }
    }

    @Test("every known difference still occurs")
    func knownDifferencesAreCurrent() throws {
        _ = try PydicomReference.documents.get()
        var used = Set<Int>()
        for name in PydicomTestData.fileNames {
            guard case (let reference, let differences)? = try Self.differences(in: name) else { continue }
            for difference in differences {
                if let index = Self.knownDifference(explaining: difference, in: name, reference) { used.insert(index) }
            }
        }
        for (index, known) in Self.knownDifferences.enumerated() {
            #expect(used.contains(index), "the known difference \"\(known.reason.prefix(60))…\" no longer occurs")
        }
    }

    /// pydicom's reading of the file and how ours differs from it; nil for a file pydicom cannot read at all, which
    /// is out of scope.
    static func differences(in name: String) throws -> (ReferenceFile, [Difference])? {
        let path = try PydicomTestData.path(of: name)
        let reference = try PydicomReference.document(named: name)
        guard reference.readable || reference.readableWithForce else { return nil }
        do {
            let file = try DICOMFile(contentsOf: path)
            var comparison = Comparison()
            comparison.compare(file.fileMetaInformation, reference.meta, path: [])
            comparison.compare(file.dataSet, reference.dataSet, path: [])
            return (reference, comparison.differences)
        } catch {
            var code: DICOMParseError.Code?
            if case .parse(_, let parseError) = error { code = parseError.code }
            let pydicom = reference.readable ? "reads it" : "reads it with force=True"
            return (
                reference,
                [Difference(kind: .rejected, tagPath: [], ours: "\(error)", pydicom: pydicom, errorCode: code)]
            )
        }
    }

    static func knownDifference(explaining difference: Difference, in name: String, _ reference: ReferenceFile) -> Int?
    {
        knownDifferences.firstIndex { $0.explains(difference, in: name, reference) }
    }

    @Test("the SHA-256 helper gives the FIPS 180-4 test vectors")
    func sha256TestVectors() {
        #expect(SHA256.hexDigest([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            SHA256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hexDigest(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}

// MARK: - Comparing a data set with pydicom's elements

/// Compares our data sets with pydicom's elements, level by level, and collects the differences.
struct Comparison {
    var differences: [Difference] = []

    mutating func compare(_ dataSet: DataSet, _ reference: [ReferenceElement], path: [DICOMCore.Tag]) {
        var theirs: [DICOMCore.Tag: ReferenceElement] = [:]
        for element in reference {
            guard let tag = DICOMCore.Tag(hexString: element.tag) else {
                record(.structure, path, ours: "-", pydicom: "unreadable tag \(element.tag)")
                continue
            }
            theirs[tag] = element
        }
        for element in dataSet.elements where theirs[element.tag] == nil {
            record(
                .extraElement, path + [element.tag], ours: "\(element.vr) \(Self.describe(element))", pydicom: "absent")
        }
        for (tag, referenceElement) in theirs.sorted(by: { $0.key < $1.key }) {
            guard let element = dataSet[tag] else {
                record(
                    .missingElement, path + [tag], ours: "absent",
                    pydicom: "\(referenceElement.vr ?? "?") \(Self.describe(referenceElement.value))",
                    rawVR: referenceElement.rawVR)
                continue
            }
            compare(element, in: dataSet, referenceElement, path: path + [tag])
        }
    }

    private mutating func compare(
        _ element: DataElement, in dataSet: DataSet, _ reference: ReferenceElement, path: [DICOMCore.Tag]
    ) {
        var vr = element.vr
        if reference.vr != element.vr.rawValue {
            record(
                .vr, path, ours: element.vr.rawValue, pydicom: reference.vr ?? "none", rawVR: reference.rawVR,
                hasUndefinedLength: reference.undefinedLength)
            if let theirs = reference.vr.flatMap(VR.init(rawValue:)) { vr = theirs }
        }
        switch reference.value {
        case .items(let referenceItems):
            guard let items = element.items ?? Self.implicitSequence(element) else {
                record(.structure, path, ours: Self.describe(element), pydicom: "\(referenceItems.count) item(s)")
                return
            }
            if items.count != referenceItems.count {
                record(.structure, path, ours: "\(items.count) item(s)", pydicom: "\(referenceItems.count) item(s)")
            }
            for (item, referenceItem) in zip(items, referenceItems) {
                compare(item, referenceItem, path: path)
            }
        case .fragments(let referenceFragments):
            guard let fragments = element.fragments else {
                record(.structure, path, ours: Self.describe(element), pydicom: "\(referenceFragments.count) item(s)")
                return
            }
            let ours = ([fragments.offsetTable] + fragments.fragments).map(Digest.init)
            if ours != referenceFragments {
                record(
                    .value, path, ours: "items " + ours.map(\.description).joined(separator: ", "),
                    pydicom: "items " + referenceFragments.map(\.description).joined(separator: ", "))
            }
        case .bytes(let referenceDigest):
            guard let bytes = element.bytes else {
                record(.structure, path, ours: Self.describe(element), pydicom: referenceDigest.description)
                return
            }
            let digest = Digest(bytes)
            if digest != referenceDigest {
                record(.value, path, ours: digest.description, pydicom: referenceDigest.description)
            }
        case .strings(let referenceStrings):
            let ours = Self.strings(element, in: dataSet, as: vr).map { Self.normalised($0, vr: vr) }
            let theirs = Self.normalised(referenceStrings, vr: vr)
            if ours != theirs {
                record(
                    .value, path, ours: ours.map { Self.quoted($0) } ?? Self.describe(element),
                    pydicom: Self.quoted(theirs))
            }
        case .integers(let referenceIntegers):
            compareValues(Self.integers(element, as: vr), referenceIntegers, element: element, path: path)
        case .floats(let referenceFloats):
            compareValues(Self.floatBitPatterns(element, as: vr), referenceFloats, element: element, path: path)
        case .tags(let referenceTags):
            compareValues(
                Result { () throws(DICOMParseError) in try element.tags().map(\.hexString) }.mapError {
                    ReferenceError("\($0)")
                },
                referenceTags, element: element, path: path)
        case .error(let message):
            record(.value, path, ours: Self.describe(element), pydicom: "could not convert the value: \(message)")
        }
    }

    private mutating func compareValues(
        _ ours: Result<[String], ReferenceError>, _ theirs: [String], element: DataElement, path: [DICOMCore.Tag]
    ) {
        switch ours {
        case .success(let values) where values == theirs:
            return
        case .success(let values):
            record(.value, path, ours: Self.quoted(values), pydicom: Self.quoted(theirs))
        case .failure(let error):
            record(.value, path, ours: "\(Self.describe(element)): \(error)", pydicom: Self.quoted(theirs))
        }
    }

    private mutating func record(
        _ kind: Difference.Kind, _ path: [DICOMCore.Tag], ours: String, pydicom: String, rawVR: String? = nil,
        hasUndefinedLength: Bool = false
    ) {
        differences.append(
            Difference(
                kind: kind, tagPath: path, ours: ours, pydicom: pydicom, rawVR: rawVR,
                hasUndefinedLength: hasUndefinedLength))
    }

    // MARK: Our values, normalised as the script normalises pydicom's

    /// The text values of the element read as `vr`, decoded with the data set's character set.
    static func strings(_ element: DataElement, in dataSet: DataSet, as vr: VR) -> [String]? {
        if element.vr == vr { return dataSet.strings(element.tag) }
        guard let bytes = element.bytes else { return nil }
        var copy = dataSet
        copy[element.tag] = DataElement(tag: element.tag, vr: vr, bytes: bytes)
        return copy.strings(element.tag)
    }

    /// Both sides' text values with the padding the VR makes insignificant dropped, and for PN the empty trailing
    /// component groups (PS3.5 §6.2.1.1), which pydicom's `str(PersonName)` drops; no values for an empty one.
    static func normalised(_ values: [String], vr: VR) -> [String] {
        var trimmed = values.map { ValueText.trimmed($0, vr: vr) }
        if vr == .PN {
            trimmed = trimmed.map { value in
                var value = Substring(value)
                while value.hasSuffix("=") { value = value.dropLast() }
                return String(value)
            }
        }
        return trimmed == [""] ? [] : trimmed
    }

    static func integers(_ element: DataElement, as vr: VR) -> Result<[String], ReferenceError> {
        guard let bytes = element.bytes else { return .failure(ReferenceError("not a primitive value")) }
        let typed = DataElement(tag: element.tag, vr: vr, bytes: bytes)
        do {
            switch vr {
            case .US: return .success(try typed.integers(as: UInt16.self).map { String($0) })
            case .SS: return .success(try typed.integers(as: Int16.self).map { String($0) })
            case .UL: return .success(try typed.integers(as: UInt32.self).map { String($0) })
            case .SL: return .success(try typed.integers(as: Int32.self).map { String($0) })
            case .UV: return .success(try typed.integers(as: UInt64.self).map { String($0) })
            case .SV: return .success(try typed.integers(as: Int64.self).map { String($0) })
            default: return .failure(ReferenceError("\(vr) is not an integer VR"))
            }
        } catch {
            return .failure(ReferenceError("\(error)"))
        }
    }

    /// FL and FD values as the bit patterns of binary64 numbers, in 16 hexadecimal digits.
    static func floatBitPatterns(_ element: DataElement, as vr: VR) -> Result<[String], ReferenceError> {
        guard let bytes = element.bytes else { return .failure(ReferenceError("not a primitive value")) }
        let typed = DataElement(tag: element.tag, vr: vr, bytes: bytes)
        func hex(_ value: Double) -> String {
            let digits = String(value.bitPattern, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        do {
            switch vr {
            case .FL: return .success(try typed.float32s().map { hex(Double($0)) })
            case .FD: return .success(try typed.float64s().map(hex))
            default: return .failure(ReferenceError("\(vr) is not a floating point VR"))
            }
        } catch {
            return .failure(ReferenceError("\(error)"))
        }
    }

    /// The items of a defined-length UN value that pydicom reads as a sequence: implicit VR little endian items
    /// (PS3.5 §6.2.2), parsed by wrapping the value in an implicit VR SQ header.
    static func implicitSequence(_ element: DataElement) -> [DataSet]? {
        guard element.vr == .UN, let bytes = element.bytes, DataDictionary.vr(for: element.tag) == .SQ,
            let length = UInt32(exactly: bytes.readableBytes)
        else { return nil }
        var buffer = ByteBuffer()
        buffer.writeInteger(element.tag.group, endianness: .little)
        buffer.writeInteger(element.tag.element, endianness: .little)
        buffer.writeInteger(length, endianness: .little)
        buffer.writeImmutableBuffer(bytes)
        guard let file = try? DICOMFile(bytes: buffer), let items = file.dataSet[element.tag]?.items else { return nil }
        return items
    }

    // MARK: Descriptions for failure messages

    static func describe(_ element: DataElement) -> String {
        switch element.value {
        case .bytes(let bytes):
            let text = String(decoding: bytes.readableBytesView.prefix(64), as: UTF8.self)
            return "\(Digest(bytes)) \(quoted([text]))"
        case .sequence(let items): return "sequence of \(items.count) item(s)"
        case .fragments(let fragments): return "\(fragments.fragments.count + 1) pixel data item(s)"
        case .bulkData: return "bulk data"
        }
    }

    static func describe(_ value: ReferenceValue) -> String {
        switch value {
        case .strings(let values), .integers(let values), .floats(let values), .tags(let values): quoted(values)
        case .bytes(let digest): digest.description
        case .items(let items): "sequence of \(items.count) item(s)"
        case .fragments(let fragments): "\(fragments.count) pixel data item(s)"
        case .error(let message): "error \(message)"
        }
    }

    static func quoted(_ values: [String]) -> String {
        let shown = values.prefix(8).map { value in
            let short = value.count > 80 ? value.prefix(80) + "…" : Substring(value)
            return "\"" + short.unicodeScalars.map(printable).joined() + "\""
        }
        return "[" + shown.joined(separator: ", ") + (values.count > 8 ? ", … \(values.count) values" : "") + "]"
    }

    /// Printable ASCII as it is, anything else as a Swift escape, so that messages show exactly what differs.
    private static func printable(_ scalar: Unicode.Scalar) -> String {
        scalar.isASCII && scalar.value >= 0x20 ? String(scalar) : scalar.escaped(asASCII: true)
    }
}

// MARK: - SHA-256

/// SHA-256 (FIPS 180-4), for comparing values with the digests the reference script writes. A test helper: DICOMKit
/// does not depend on a cryptography package.
enum SHA256 {
    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The digest of the message as 64 lower-case hexadecimal digits.
    static func hexDigest(_ message: [UInt8]) -> String {
        var state: [UInt32] = [
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
        ]
        var padded = message
        padded.append(0x80)
        padded.append(contentsOf: repeatElement(0, count: (119 - message.count % 64) % 64))
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) {
            padded.append(UInt8(truncatingIfNeeded: bitLength >> shift))
        }

        var schedule = [UInt32](repeating: 0, count: 64)
        for block in stride(from: 0, to: padded.count, by: 64) {
            for index in 0..<16 {
                let byte = block + 4 * index
                schedule[index] =
                    UInt32(padded[byte]) << 24 | UInt32(padded[byte + 1]) << 16 | UInt32(padded[byte + 2]) << 8
                    | UInt32(padded[byte + 3])
            }
            for index in 16..<64 {
                let w15 = schedule[index - 15]
                let w2 = schedule[index - 2]
                let s0 = rotate(w15, 7) ^ rotate(w15, 18) ^ (w15 >> 3)
                let s1 = rotate(w2, 17) ^ rotate(w2, 19) ^ (w2 >> 10)
                schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
            }
            var (a, b, c, d, e, f, g, h) = (
                state[0], state[1], state[2], state[3], state[4], state[5], state[6], state[7]
            )
            for index in 0..<64 {
                let t1 =
                    h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g))
                    &+ roundConstants[index] &+ schedule[index]
                let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
            }
            for (index, value) in [a, b, c, d, e, f, g, h].enumerated() { state[index] &+= value }
        }
        return state.map { word in
            let digits = String(word, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }.joined()
    }

    @inline(__always)
    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        value >> count | value << (32 - count)
    }
}
