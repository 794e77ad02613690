import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore
import Testing

@Suite("File meta layout")
struct FileMetaLayoutTests {
    private static func sample() throws -> (file: ByteBuffer, dataSet: ByteBuffer) {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: ["1.2.840.10008.5.1.4.1.1.7"]))
        dataSet.insert(DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: ["2.25.42"]))
        dataSet.insert(DataElement(tag: .patientID, vr: .LO, asciiStrings: ["P1"]))
        let file = DICOMFile(dataSet: dataSet, transferSyntax: .implicitVRLittleEndian)
        return (try file.encoded(), try file.encodedDataSet())
    }

    @Test func findsTheDataSetAfterPreambleAndMetaGroup() throws {
        let (file, dataSet) = try Self.sample()
        let offset = try #require(try FileMetaInformation.dataSetOffset(in: file))
        #expect(offset == file.readableBytes - dataSet.readableBytes)
        #expect(file.getSlice(at: offset, length: dataSet.readableBytes) == dataSet)
    }

    @Test func asksForMoreWhileTheMetaGroupIsIncomplete() throws {
        let (file, dataSet) = try Self.sample()
        let metaEnd = file.readableBytes - dataSet.readableBytes
        for length in [0, 1, 100, 131, 140, metaEnd - 1] {
            #expect(try FileMetaInformation.dataSetOffset(in: file.getSlice(at: 0, length: length) ?? ByteBuffer()) == nil)
        }
        #expect(try FileMetaInformation.dataSetOffset(in: file.getSlice(at: 0, length: metaEnd + 8) ?? ByteBuffer()) == metaEnd)
    }

    @Test func readsAMetaGroupWithoutPreambleAndABareDataSet() throws {
        let (file, dataSet) = try Self.sample()
        let withoutPreamble = file.getSlice(at: 132, length: file.readableBytes - 132) ?? ByteBuffer()
        #expect(try FileMetaInformation.dataSetOffset(in: withoutPreamble) == withoutPreamble.readableBytes - dataSet.readableBytes)
        var padded = dataSet
        padded.writeRepeatingByte(0, count: 200)
        #expect(try FileMetaInformation.dataSetOffset(in: padded) == 0)
    }

    @Test func refusesAHostileMetaElementLength() throws {
        var bytes = ByteBuffer(repeating: 0, count: 128)
        bytes.writeString("DICM")
        bytes.writeBytes([0x02, 0x00, 0x01, 0x00, UInt8(ascii: "O"), UInt8(ascii: "B"), 0, 0])
        bytes.writeInteger(UInt32.max, endianness: .little)
        #expect(throws: DICOMParseError.self) { try FileMetaInformation.dataSetOffset(in: bytes) }
    }
}
