import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore
import Testing

@testable import nuage

@Suite struct DumpFormatterTests {
    static func sampleFile() -> DICOMFile {
        var item = DataSet()
        item.insert(DataElement(tag: .referencedSOPInstanceUID, vr: .UI, asciiStrings: ["1.2.3.4"]))
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: ["1.2.840.10008.5.1.4.1.1.2"]))
        dataSet.insert(DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: ["1.2.3.5"]))
        dataSet.insert(DataElement(tag: .patientName, vr: .PN, asciiStrings: ["Doe^Jane"]))
        dataSet.insert(DataElement(tag: .referencedImageSequence, items: [item]))
        dataSet.insert(DataElement(tag: .rows, vr: .US, integers: [UInt16(512)]))
        dataSet.insert(DataElement(tag: StructuralTag.pixelData, vr: .OW, bytes: ByteBuffer(repeating: 1, count: 64)))
        return DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian)
    }

    @Test func printsOneLinePerElementWithKeywordLengthAndValue() {
        let text = DumpFormatter.text(of: Self.sampleFile())
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("(0010,0010) PN [Doe^Jane]") && $0.hasSuffix("#    8, 1 PatientName") })
        #expect(lines.contains { $0.hasPrefix("(0008,0016) UI =CTImageStorage") })
        #expect(lines.contains { $0.hasPrefix("(0028,0010) US 512") && $0.hasSuffix("#    2, 1 Rows") })
        #expect(lines.contains { $0.hasPrefix("(0008,1140) SQ (Sequence with undefined length #=1)") })
        #expect(lines.contains { $0.hasPrefix("    (0008,1155) UI [1.2.3.4]") })
        #expect(lines.contains { $0.hasPrefix("(7FE0,0010) OW 0001\\0101") || $0.hasPrefix("(7FE0,0010) OW 01\\01") })
    }

    @Test func headerOnlyReadingStopsBeforePixelData() throws {
        let bytes = try Self.sampleFile().encoded()
        let file = try DICOMFile(bytes: bytes, options: DICOMReadOptions(stopsBeforePixelData: true))
        let text = DumpFormatter.text(of: file)
        #expect(!text.contains("(7FE0,0010)"))
        #expect(text.contains("# (stopped before Pixel Data)"))
    }
}
