import DICOM
import DICOMCore
import Foundation
import NIOCore
import Testing

/// `DICOMFile(contentsOf:)` reads a header in chunks (8 KB, then doubling) and finds the end of the file by a short
/// read, without asking for its size: whatever the chunking, it must read what the same bytes in memory give.
@Suite("Reading files in chunks")
struct FileReadingTests {
    @Test("a header-only read of a file equals the read of its bytes", arguments: PydicomTestData.arguments)
    func chunkedReadEqualsInMemoryRead(_ name: String) throws {
        let path = try PydicomTestData.path(of: name)
        let bytes = ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path)))
        for options in [DICOMReadOptions(stopsBeforePixelData: true), DICOMReadOptions(bulkDataThreshold: 1024)] {
            let fromFile = Result { () throws(DICOMFileError) in try DICOMFile(contentsOf: path, options: options) }
            let inMemory = Result { () throws(DICOMParseError) in
                try DICOMFile(bytes: bytes, options: DICOMReadOptions(stopsBeforePixelData: options.stopsBeforePixelData))
            }
            switch (fromFile, inMemory) {
            case (.success(let file), .success(let memory)):
                #expect(file.stoppedBeforePixelData == memory.stoppedBeforePixelData, "\(name)")
                // With a bulk data threshold, long values (in sequences too) stay in the file: compare the
                // primitive values held in memory, and which tags there are.
                let differing = file.dataSet.elements.filter { element in
                    guard case .bytes = element.value else { return false }
                    return memory.dataSet[element.tag] != element
                }
                #expect(differing.map(\.tag).isEmpty, "\(name): \(differing.map(\.tag))")
                #expect(file.dataSet.map(\.tag) == memory.dataSet.map(\.tag), "\(name)")
            case (.failure(.parse(_, let fileError)), .failure(let memoryError)):
                #expect(fileError.code == memoryError.code, "\(name): \(fileError) vs \(memoryError)")
            default:
                // A bulk data reference past the end of a truncated file is read as a reference, not rejected.
                if case .success = fromFile, options.bulkDataThreshold != nil { continue }
                Issue.record("\(name): from the file \(fromFile), in memory \(inMemory)")
            }
        }
    }
}
