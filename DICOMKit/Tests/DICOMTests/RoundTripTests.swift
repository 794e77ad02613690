import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import Testing

// Reading then writing pydicom's test files: what we write reads back as the same data set, and a file written as
// the standard says (preamble, DICM, a correct meta group length, nothing the reader had to repair) comes back byte
// for byte. Files we do not read are the conformance test's business, not this one's.

@Suite("Round trip")
struct RoundTripTests {
    @Test("a written file reads back as the same data set", arguments: PydicomTestData.arguments)
    func encodedFileReadsBack(_ name: String) throws {
        guard let file = try Self.read(name) else { return }
        let encoded = try file.encoded()
        let reread = try DICOMFile(bytes: encoded)
        #expect(reread.transferSyntax == file.transferSyntax)
        #expect(
            reread.dataSet == file.dataSet,
            "\(name): the data set read back differs at \(Self.firstDifference(file.dataSet, reread.dataSet) ?? "?")")
        let meta = FileMetaInformation.normalized(file.fileMetaInformation, transferSyntax: file.transferSyntax)
        let metaDifference = Self.firstDifference(meta, reread.fileMetaInformation) ?? "?"
        #expect(reread.fileMetaInformation == meta, "\(name): the meta group read back differs at \(metaDifference)")
    }

    @Test("a well-formed file is written back byte for byte", arguments: PydicomTestData.arguments)
    func encodedBytesEqualOriginal(_ name: String) throws {
        guard let file = try Self.read(name), Self.isByteExactCandidate(file) else { return }
        let original = try Data(contentsOf: URL(fileURLWithPath: try PydicomTestData.path(of: name)))
        let written = Data(try file.encoded().readableBytesView)
        let firstDifference = zip(original, written).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(
            written == original,
            """
            \(name): wrote \(written.count) bytes for \(original.count); first difference at byte offset \
            \(firstDifference ?? min(original.count, written.count))
            """)
    }

    /// Files with a preamble and DICM, a meta group as we would write it (group length, transfer syntax), a syntax
    /// that is not deflated (deflate output depends on the compressor) and no warnings from the reader.
    static func isByteExactCandidate(_ file: DICOMFile) -> Bool {
        guard file.preamble != nil, !file.transferSyntax.isDeflated, file.warnings.isEmpty else { return false }
        return FileMetaInformation.normalized(file.fileMetaInformation, transferSyntax: file.transferSyntax)
            == file.fileMetaInformation
    }

    /// The file as we read it; nil when we do not read it (or pydicom's files are missing, which fails the test).
    static func read(_ name: String) throws -> DICOMFile? {
        let path = try PydicomTestData.path(of: name)
        return try? DICOMFile(contentsOf: path)
    }

    /// The tag path of the first element that differs between two data sets, for failure messages.
    static func firstDifference(_ lhs: DataSet, _ rhs: DataSet, path: [DICOMCore.Tag] = []) -> String? {
        func describe(_ path: [DICOMCore.Tag]) -> String { path.map(\.description).joined(separator: " > ") }
        let tags = Set(lhs.elements.map(\.tag)).union(rhs.elements.map(\.tag)).sorted()
        for tag in tags {
            guard let left = lhs[tag], let right = rhs[tag] else {
                return describe(path + [tag]) + (lhs[tag] == nil ? " (only in the second)" : " (only in the first)")
            }
            guard left != right else { continue }
            if let leftItems = left.items, let rightItems = right.items, leftItems.count == rightItems.count,
                left.vr == right.vr
            {
                for (leftItem, rightItem) in zip(leftItems, rightItems) where leftItem != rightItem {
                    return firstDifference(leftItem, rightItem, path: path + [tag])
                }
            }
            return describe(path + [tag]) + " (\(left.vr) against \(right.vr))"
        }
        return nil
    }
}
