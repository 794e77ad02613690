import DICOM
import DICOMCore
import DICOMDictionary
import DICOMJSON
import Foundation
import NIOCore
import Testing

#if canImport(FoundationXML)
import FoundationXML
#endif

/// `DICOMXMLEncoder`: exact output against PS3.19 §A.1, and well-formedness checked by an XML parser.
@Suite struct XMLEncoderTests {
    static let sample = DataSet([
        Build.characterSet("ISO_IR 192"),
        Build.text(0x0008_0008, .CS, "ORIGINAL\\\\AXIAL"),
        Build.text(0x0009_0010, .LO, "Vendor A"),
        Build.integers(0x0009_1001, .US, [UInt16(7)]),
        Build.bytes(0x0009_1002, .OB, [1, 2, 3, 0]),
        Build.text(0x0010_0010, .PN, "Yamada^Tarou=山田^太郎=やまだ^たろう\\^^^Dr.^Jr.^extra"),
        Build.text(0x0010_0020, .LO, ""),
        Build.doubles(0x0018_9087, [.nan, 1.5, -.infinity]),
        Build.text(0x0020_4000, .LT, "a<b & c>d \"q\" 'x' \r\n\u{1}\u{FFFF}é"),
        Build.integers(0x0028_0009, .AT, [UInt16(0x0018), 0x1063]),
        Build.sequence(0x0040_A730, [DataSet([Build.text(0x0008_0100, .SH, "X")]), DataSet()]),
        DataElement(tag: Tag(0x7FE0_0010), vr: .OB, value: .bulkData(BulkDataReference(.uri("http://h/b?x=1&y=\"2\"")))),
    ])

    @Test func sampleIsWrittenExactly() throws {
        let expected =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + #"<NativeDicomModel xmlns="http://dicom.nema.org/PS3.19/models/NativeDICOM" xml:space="preserve">"#
            + #"<DicomAttribute tag="00080005" vr="CS" keyword="SpecificCharacterSet"><Value number="1">ISO_IR 192</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="00080008" vr="CS" keyword="ImageType"><Value number="1">ORIGINAL</Value><Value number="2"/><Value number="3">AXIAL</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="00090010" vr="LO"><Value number="1">Vendor A</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="00091001" vr="US" privateCreator="Vendor A"><Value number="1">7</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="00091002" vr="OB" privateCreator="Vendor A"><InlineBinary>AQIDAA==</InlineBinary></DicomAttribute>"#
            + #"<DicomAttribute tag="00100010" vr="PN" keyword="PatientName">"#
            + #"<PersonName number="1"><Alphabetic><FamilyName>Yamada</FamilyName><GivenName>Tarou</GivenName></Alphabetic>"#
            + #"<Ideographic><FamilyName>山田</FamilyName><GivenName>太郎</GivenName></Ideographic>"#
            + #"<Phonetic><FamilyName>やまだ</FamilyName><GivenName>たろう</GivenName></Phonetic></PersonName>"#
            + #"<PersonName number="2"><Alphabetic><NamePrefix>Dr.</NamePrefix><NameSuffix>Jr.^extra</NameSuffix></Alphabetic></PersonName>"#
            + #"</DicomAttribute>"#
            + #"<DicomAttribute tag="00100020" vr="LO" keyword="PatientID"/>"#
            + #"<DicomAttribute tag="00189087" vr="FD" keyword="DiffusionBValue"><Value number="1">NaN</Value><Value number="2">1.5</Value><Value number="3">-INF</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="00204000" vr="LT" keyword="ImageComments"><Value number="1">a&lt;b &amp; c&gt;d "q" 'x' &#xD;"#
            + "\n\u{FFFD}\u{FFFD}é</Value></DicomAttribute>"
            + #"<DicomAttribute tag="00280009" vr="AT" keyword="FrameIncrementPointer"><Value number="1">00181063</Value></DicomAttribute>"#
            + #"<DicomAttribute tag="0040A730" vr="SQ" keyword="ContentSequence"><Item number="1"><DicomAttribute tag="00080100" vr="SH" keyword="CodeValue"><Value number="1">X</Value></DicomAttribute></Item><Item number="2"></Item></DicomAttribute>"#
            + #"<DicomAttribute tag="7FE00010" vr="OB" keyword="PixelData"><BulkData uri="http://h/b?x=1&amp;y=&quot;2&quot;"/></DicomAttribute>"#
            + "</NativeDicomModel>\n"
        let output = try DICOMXMLEncoder().encodeString(Self.sample)
        #expect(output == expected)
    }

    @Test func namespaceDeclarationCanBeLeftOut() throws {
        let output = try DICOMXMLEncoder(includesNamespaceDeclaration: false).encodeString(DataSet())
        #expect(output == "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel xml:space=\"preserve\"></NativeDicomModel>\n")
    }

    @Test func bulkDataFollowsTheSameRulesAsJSON() throws {
        let dataSet = DataSet([
            Build.integers(0x0028_1201, .OW, [UInt16](repeating: 3, count: 256)),
            DataElement(
                tag: Tag(0x7FE0_0010), vr: .OB, value: .fragments(PixelFragments(fragments: [ByteBuffer(bytes: [9, 9])]))),
        ])
        let encoder = DICOMXMLEncoder(bulkDataThreshold: 100) { path, _ in "b/\(path.last?.hexString ?? "")" }
        let output = try encoder.encodeString(dataSet)
        #expect(output.contains(#"<DicomAttribute tag="00281201" vr="OW" keyword="RedPaletteColorLookupTableData"><BulkData uri="b/00281201"/></DicomAttribute>"#))
        #expect(output.contains(#"<DicomAttribute tag="7FE00010" vr="OB" keyword="PixelData"><BulkData uri="b/7FE00010"/></DicomAttribute>"#))
        let inline = try DICOMXMLEncoder().encodeString(dataSet)
        #expect(inline.contains("<InlineBinary>/v8A4AAAAAD+/wDgAgAAAAkJ</InlineBinary>"))
    }

    #if canImport(FoundationXML)
    /// Parses the document and collects what a reader sees.
    private final class Reader: NSObject, XMLParserDelegate {
        var attributeCount = 0
        var values: [String] = []
        private var text: String?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
            attributes: [String: String] = [:]
        ) {
            if elementName == "DicomAttribute" { attributeCount += 1 }
            if elementName == "Value" { text = "" }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text? += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if elementName == "Value", let text {
                values.append(text)
                self.text = nil
            }
        }
    }

    private func parse(_ document: ByteBuffer) throws -> Reader {
        let parser = XMLParser(data: Data(document.readableBytesView))
        let reader = Reader()
        parser.delegate = reader
        let succeeded = parser.parse()
        #expect(succeeded, "\(parser.parserError.map(String.init(describing:)) ?? "")")
        return reader
    }

    @Test func outputIsWellFormedAndEscapesReadBack() throws {
        let reader = try parse(try DICOMXMLEncoder().encode(Self.sample))
        #expect(reader.attributeCount == 13)
        #expect(reader.values.contains("a<b & c>d \"q\" 'x' \r\n\u{FFFD}\u{FFFD}é"))
        #expect(reader.values.contains("ORIGINAL"))
    }

    @Test func everyVRIsWellFormed() throws {
        var dataSet = DataSet([Build.characterSet("ISO_IR 192")])
        for testCase in JSONRoundTripTests.everyVR { dataSet.insert(testCase.element) }
        let reader = try parse(try DICOMXMLEncoder().encode(dataSet))
        #expect(reader.attributeCount == dataSet.count)
    }

    @Test(arguments: ["CT_small.dcm", "rtplan.dcm", "test-SR.dcm", "nested_priv_SQ.dcm", "JPEG2000.dcm", "GDCMJ2K_TextGBR.dcm"])
    func realFilesAreWellFormed(_ name: String) throws {
        guard let path = Pydicom.testFile(name) else {
            print("skipped: pydicom test file \(name) not found (pip install pydicom)")
            return
        }
        let file = try DICOMFile(contentsOf: path)
        let reader = try parse(try DICOMXMLEncoder().encode(file.dataSet))
        #expect(reader.attributeCount > 0)
    }
    #endif
}
