import DICOM
import DICOMCore
import DICOMJSON
import NIOCore
import Synchronization
import Testing

/// Exact output of `DICOMJSONEncoder`, against JSON written by hand from PS3.18 Annex F.
@Suite struct JSONEncoderTests {
    /// The study of PS3.18 §F.2.1.1.2's example (a QIDO-RS response), with a second, minimal one.
    static let exampleStudy = DataSet([
        Build.characterSet("ISO_IR 192"),
        Build.text(0x0008_0020, .DA, "20130409"),
        Build.text(0x0008_0030, .TM, "131600.0000"),
        Build.text(0x0008_0050, .SH, "11235813"),
        Build.text(0x0008_0056, .CS, "ONLINE"),
        Build.text(0x0008_0061, .CS, "CT\\PET"),
        Build.text(0x0008_0090, .PN, "^Bob^^Dr."),
        Build.text(
            0x0008_1190, .UR,
            "http://wado.nema.org/studies/1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873"),
        Build.text(0x0009_0010, .LO, "Vendor A"),
        Build.bytes(0x0009_1002, .UN, [207, 76, 125, 115, 203, 251]),
        Build.text(0x0010_0010, .PN, "Wang^XiaoDong=王^小東="),
        Build.text(0x0010_0020, .LO, "12345"),
        Build.text(0x0010_0021, .LO, "Hospital A"),
        Build.text(0x0010_0030, .DA, "19670701"),
        Build.text(0x0010_0040, .CS, "M"),
        Build.sequence(
            0x0010_1002,
            [
                DataSet([Build.text(0x0010_0020, .LO, "54321"), Build.text(0x0010_0021, .LO, "Hospital B")]),
                DataSet([Build.text(0x0010_0020, .LO, "24680"), Build.text(0x0010_0021, .LO, "Hospital C")]),
            ]),
        Build.text(0x0020_000D, .UI, "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873"),
        Build.text(0x0020_1206, .IS, "4"),
        Build.text(0x0020_1208, .IS, "942"),
    ])

    static let exampleJSON = """
        [
          {
            "00080005": { "vr": "CS", "Value": [ "ISO_IR 192" ] },
            "00080020": { "vr": "DA", "Value": [ "20130409" ] },
            "00080030": { "vr": "TM", "Value": [ "131600.0000" ] },
            "00080050": { "vr": "SH", "Value": [ "11235813" ] },
            "00080056": { "vr": "CS", "Value": [ "ONLINE" ] },
            "00080061": { "vr": "CS", "Value": [ "CT", "PET" ] },
            "00080090": { "vr": "PN", "Value": [ { "Alphabetic": "^Bob^^Dr." } ] },
            "00081190": {
              "vr": "UR",
              "Value": [ "http://wado.nema.org/studies/1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ]
            },
            "00090010": { "vr": "LO", "Value": [ "Vendor A" ] },
            "00091002": { "vr": "UN", "InlineBinary": "z0x9c8v7" },
            "00100010": { "vr": "PN", "Value": [ { "Alphabetic": "Wang^XiaoDong", "Ideographic": "王^小東" } ] },
            "00100020": { "vr": "LO", "Value": [ "12345" ] },
            "00100021": { "vr": "LO", "Value": [ "Hospital A" ] },
            "00100030": { "vr": "DA", "Value": [ "19670701" ] },
            "00100040": { "vr": "CS", "Value": [ "M" ] },
            "00101002": {
              "vr": "SQ",
              "Value": [
                {
                  "00100020": { "vr": "LO", "Value": [ "54321" ] },
                  "00100021": { "vr": "LO", "Value": [ "Hospital B" ] }
                },
                {
                  "00100020": { "vr": "LO", "Value": [ "24680" ] },
                  "00100021": { "vr": "LO", "Value": [ "Hospital C" ] }
                }
              ]
            },
            "0020000D": { "vr": "UI", "Value": [ "1.2.392.200036.9116.2.2.2.1762893313.1029997326.945873" ] },
            "00201206": { "vr": "IS", "Value": [ 4 ] },
            "00201208": { "vr": "IS", "Value": [ 942 ] }
          },
          {
            "0020000D": { "vr": "UI", "Value": [ "1.2.392.200036.9116.2.2.2.2162893313.1029997326.945876" ] }
          }
        ]
        """

    static let secondStudy = DataSet([
        Build.text(0x0020_000D, .UI, "1.2.392.200036.9116.2.2.2.2162893313.1029997326.945876")
    ])

    @Test func ps3_18ExampleIsWrittenExactly() throws {
        let output = try DICOMJSONEncoder().encode([Self.exampleStudy, Self.secondStudy])
        #expect(String(buffer: output) == compactJSON(Self.exampleJSON))
    }

    @Test func ps3_18ExampleReadsBackToTheSameJSON() throws {
        let dataSets = try DICOMJSONDecoder().decodeArray(ByteBuffer(string: Self.exampleJSON))
        #expect(dataSets.count == 2)
        #expect(dataSets[1] == Self.secondStudy)
        let again = try DICOMJSONEncoder().encode(dataSets)
        #expect(String(buffer: again) == compactJSON(Self.exampleJSON))
        // Everything but the PN whose trailing empty group the decoder leaves out comes back byte for byte.
        var expected = Self.exampleStudy
        expected[Tag(0x0010_0010)] = Build.text(0x0010_0010, .PN, "Wang^XiaoDong=王^小東")
        #expect(dataSets[0] == expected)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let element: DataElement
        /// The attribute's JSON, whitespace insignificant.
        let expected: String
        var characterSet = "ISO_IR 192"
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "AE", element: Build.text(0x0008_0054, .AE, " STORESCP "), expected: #"{"vr":"AE","Value":["STORESCP"]}"#),
        Case(name: "AS", element: Build.text(0x0010_1010, .AS, "042Y"), expected: #"{"vr":"AS","Value":["042Y"]}"#),
        Case(
            name: "AT", element: Build.integers(0x0020_5000, .AT, [UInt16(0x0010), 0x0010, 0x7FE0, 0x0010]),
            expected: #"{"vr":"AT","Value":["00100010","7FE00010"]}"#),
        Case(
            name: "CS with an empty value", element: Build.text(0x0008_0008, .CS, "ORIGINAL\\\\AXIAL"),
            expected: #"{"vr":"CS","Value":["ORIGINAL",null,"AXIAL"]}"#),
        Case(name: "CS of spaces", element: Build.text(0x0008_0008, .CS, "  "), expected: #"{"vr":"CS"}"#),
        Case(name: "DA empty", element: Build.text(0x0008_0020, .DA, ""), expected: #"{"vr":"DA"}"#),
        Case(
            name: "DS", element: Build.text(0x0028_0030, .DS, "0.5\\+1.50\\.25\\-.5\\007\\1.\\1e5\\-0"),
            expected: #"{"vr":"DS","Value":[0.5,1.50,0.25,-0.5,7,1,1E5,-0]}"#),
        Case(
            name: "DS not numbers", element: Build.text(0x0028_0030, .DS, "NaN\\1E999\\1,5\\\\abc"),
            expected: #"{"vr":"DS","Value":["NaN","1E999","1,5",null,"abc"]}"#),
        Case(
            name: "DS padded", element: Build.text(0x0028_1050, .DS, " 40 \\ -1E-3"),
            expected: #"{"vr":"DS","Value":[40,-1E-3]}"#),
        Case(
            name: "IS", element: Build.text(0x0020_0013, .IS, "42\\+7\\-007\\-0\\1.0\\1234567890123456\\x"),
            expected: #"{"vr":"IS","Value":[42,7,-7,0,"1.0","1234567890123456","x"]}"#),
        Case(
            name: "FL", element: Build.floats(0x0018_9089, [1.5, -0.0, 0.1, .nan, .infinity, -.infinity]),
            expected: #"{"vr":"FL","Value":[1.5,-0.0,0.1,"NaN","Infinity","-Infinity"]}"#),
        Case(
            name: "FD", element: Build.doubles(0x0018_9087, [0.1, 1e300, -2.5e-300, .leastNonzeroMagnitude]),
            expected: #"{"vr":"FD","Value":[0.1,1e+300,-2.5e-300,5e-324]}"#),
        Case(
            name: "US", element: Build.integers(0x0028_0010, .US, [UInt16(0), 512, 65535]),
            expected: #"{"vr":"US","Value":[0,512,65535]}"#),
        Case(
            name: "SS", element: Build.integers(0x0028_0106, .SS, [Int16.min, -1, Int16.max]),
            expected: #"{"vr":"SS","Value":[-32768,-1,32767]}"#),
        Case(
            name: "UL", element: Build.integers(0x0028_0107, .UL, [UInt32(0), UInt32.max]),
            expected: #"{"vr":"UL","Value":[0,4294967295]}"#),
        Case(
            name: "SL", element: Build.integers(0x0018_6020, .SL, [Int32.min, 0, Int32.max]),
            expected: #"{"vr":"SL","Value":[-2147483648,0,2147483647]}"#),
        Case(
            name: "SV", element: Build.integers(0x0072_0082, .SV, [Int64.min, -(1 << 53) + 1, 1 << 53, Int64.max]),
            expected: #"{"vr":"SV","Value":["-9223372036854775808",-9007199254740991,"9007199254740992","9223372036854775807"]}"#
        ),
        Case(
            name: "UV", element: Build.integers(0x0072_0083, .UV, [UInt64(0), (1 << 53) - 1, UInt64.max]),
            expected: #"{"vr":"UV","Value":[0,9007199254740991,"18446744073709551615"]}"#),
        Case(
            name: "OB", element: Build.bytes(0x0009_1010, .OB, [0x00, 0xFF, 0x10, 0x00]),
            expected: #"{"vr":"OB","InlineBinary":"AP8QAA=="}"#),
        Case(
            name: "OW", element: Build.integers(0x0028_1201, .OW, [UInt16(0x0102), 0x0304, 0x0506]),
            expected: #"{"vr":"OW","InlineBinary":"AgEEAwYF"}"#),
        Case(
            name: "PN with three groups",
            element: Build.text(0x0010_0010, .PN, "Yamada^Tarou=山田^太郎=やまだ^たろう"),
            expected: #"{"vr":"PN","Value":[{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"}]}"#),
        Case(
            name: "PN with only an ideographic group and an empty value",
            element: Build.text(0x0010_1001, .PN, "=山田^太郎\\\\Doe^John"),
            expected: #"{"vr":"PN","Value":[{"Ideographic":"山田^太郎"},null,{"Alphabetic":"Doe^John"}]}"#),
        Case(
            name: "LT escapes",
            element: Build.text(0x0020_4000, .LT, "a\"b\\c\u{01}\t\n\r\u{08}\u{0C}\u{7F} 😀 é  "),
            expected: #"{"vr":"LT","Value":["a\"b\\c\u0001\t\n\r\b\f\#u{7F} 😀 é"]}"#),
        Case(
            name: "UT keeps backslashes", element: Build.text(0x0040_A160, .UT, "C:\\path\\file"),
            expected: #"{"vr":"UT","Value":["C:\\path\\file"]}"#),
        Case(
            name: "UI padded with NUL", element: Build.text(0x0008_0016, .UI, "1.2.840.10008.5.1.4.1.1.2"),
            expected: #"{"vr":"UI","Value":["1.2.840.10008.5.1.4.1.1.2"]}"#),
        Case(
            name: "Latin-1 under ISO_IR 100",
            element: DataElement(tag: Tag(0x0010_0010), vr: .PN, bytes: ByteBuffer(bytes: Array("M".utf8) + [0xFC] + Array("ller^Jos".utf8) + [0xE9, 0x20])),
            expected: #"{"vr":"PN","Value":[{"Alphabetic":"Müller^José"}]}"#, characterSet: "ISO_IR 100"),
        Case(
            name: "empty sequence", element: Build.sequence(0x0040_0275, []), expected: #"{"vr":"SQ"}"#),
        Case(
            name: "sequence with an empty item",
            element: Build.sequence(0x0040_0275, [DataSet(), DataSet([Build.text(0x0040_0009, .SH, "SPS1")])]),
            expected: #"{"vr":"SQ","Value":[{},{"00400009":{"vr":"SH","Value":["SPS1"]}}]}"#),
        Case(
            name: "UN sequence written as SQ",
            element: DataElement(
                tag: Tag(0x0029_1010), vr: .UN, value: .sequence([DataSet([Build.text(0x0008_0100, .SH, "X")])])),
            expected: #"{"vr":"SQ","Value":[{"00080100":{"vr":"SH","Value":["X"]}}]}"#),
        Case(
            name: "private creator read as UN", element: Build.bytes(0x0029_0010, .UN, Array("SIEMENS ".utf8)),
            expected: #"{"vr":"LO","Value":["SIEMENS"]}"#),
        Case(
            name: "bulk data URI",
            element: DataElement(
                tag: Tag(0x7FE0_0010), vr: .OW,
                value: .bulkData(BulkDataReference(.uri("https://pacs.example/bulk/1?a=b&c=\"d\"")))),
            expected: #"{"vr":"OW","BulkDataURI":"https://pacs.example/bulk/1?a=b&c=\"d\""}"#),
        Case(
            name: "encapsulated pixel data inline",
            element: DataElement(
                tag: Tag(0x7FE0_0010), vr: .OB,
                value: .fragments(PixelFragments(fragments: [ByteBuffer(bytes: [1, 2, 3, 4])]))),
            expected: #"{"vr":"OB","InlineBinary":"/v8A4AAAAAD+/wDgBAAAAAECAwQ="}"#),
    ]

    @Test(arguments: cases)
    func attributeIsWrittenExactly(_ testCase: Case) throws {
        let dataSet = DataSet([Build.characterSet(testCase.characterSet), testCase.element])
        let output = try DICOMJSONEncoder().encodeString(dataSet)
        let key = testCase.element.tag.hexString
        let expected = compactJSON(
            #"{"00080005":{"vr":"CS","Value":["\#(testCase.characterSet)"]},"\#(key)":\#(testCase.expected)}"#)
        #expect(output == expected)
    }

    @Test func groupLengthsAndFileMetaInformationAreLeftOut() throws {
        let dataSet = DataSet([
            Build.integers(0x0002_0000, .UL, [UInt32(100)]),
            Build.text(0x0002_0010, .UI, "1.2.840.10008.1.2.1"),
            Build.integers(0x0008_0000, .UL, [UInt32(10)]),
            Build.text(0x0008_0060, .CS, "CT"),
            Build.integers(0x0009_0000, .UL, [UInt32(10)]),
        ])
        #expect(try DICOMJSONEncoder().encodeString(dataSet) == #"{"00080060":{"vr":"CS","Value":["CT"]}}"#)
    }

    @Test func itemsInheritTheCharacterSetUnlessTheyHaveTheirOwn() throws {
        let latin1Name = ByteBuffer(bytes: [0x43, 0x61, 0x66, 0xE9])  // "Café" in ISO 8859-1
        let utf8Name = ByteBuffer(string: "Caf\u{E9} ")
        let dataSet = DataSet([
            Build.characterSet("ISO_IR 100"),
            Build.sequence(
                0x0008_1110,
                [
                    DataSet([DataElement(tag: Tag(0x0008_1030), vr: .LO, bytes: latin1Name)]),
                    DataSet([
                        Build.characterSet("ISO_IR 192"),
                        DataElement(tag: Tag(0x0008_1030), vr: .LO, bytes: utf8Name),
                    ]),
                ]),
        ])
        let expected = compactJSON(
            """
            {"00080005":{"vr":"CS","Value":["ISO_IR 100"]},
             "00081110":{"vr":"SQ","Value":[
               {"00081030":{"vr":"LO","Value":["Café"]}},
               {"00080005":{"vr":"CS","Value":["ISO_IR 192"]},"00081030":{"vr":"LO","Value":["Café"]}}]}}
            """)
        #expect(try DICOMJSONEncoder().encodeString(dataSet) == expected)
    }

    @Test func iso2022JapaneseIsDecoded() throws {
        let characterSet = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        let name = "Yamada^Tarou=山田^太郎=やまだ^たろう"
        let dataSet = DataSet([
            Build.characterSet("\\ISO 2022 IR 87"),
            try Build.text(0x0010_0010, .PN, name, characterSet: characterSet),
        ])
        let output = try DICOMJSONEncoder().encodeString(dataSet)
        #expect(output.contains(#"{"Alphabetic":"Yamada^Tarou","Ideographic":"山田^太郎","Phonetic":"やまだ^たろう"}"#))
        // Reading the JSON back encodes the name with the same escape sequences.
        #expect(try DICOMJSONDecoder().decode(output) == dataSet)
    }

    @Test func bulkDataThresholdOffersLongValuesToTheClosure() throws {
        let lut = Build.integers(0x0028_3006, .US, [UInt16](repeating: 7, count: 100))
        let icon = DataSet([Build.integers(0x7FE0_0010, .OW, [UInt16](repeating: 1, count: 64))])
        let dataSet = DataSet([
            Build.text(0x0010_0010, .PN, String(repeating: "A", count: 200)),  // PN never goes to bulk data
            Build.sequence(0x0088_0200, [icon]),
            lut,
        ])
        let encoder = DICOMJSONEncoder(bulkDataThreshold: 64) { tagPath, element in
            element.vr == .US ? nil : "bulk/" + tagPath.map(\.hexString).joined(separator: "/")
        }
        let output = try encoder.encodeString(dataSet)
        #expect(output.contains(#""00880200":{"vr":"SQ","Value":[{"7FE00010":{"vr":"OW","BulkDataURI":"bulk/00880200/7FE00010"}}]}"#))
        #expect(output.contains(#""00100010":{"vr":"PN","Value":[{"Alphabetic":"AAAA"#))
        #expect(output.contains(#""00283006":{"vr":"US","Value":[7,7,"#))  // nil from the closure: inline

        let decoded = try DICOMJSONDecoder().decode(output)
        let decodedIcon = try #require(decoded[Tag(0x0088_0200)]?.items?.first?[Tag(0x7FE0_0010)])
        #expect(decodedIcon.value == .bulkData(BulkDataReference(.uri("bulk/00880200/7FE00010"))))
    }

    /// The same tag in two items of a sequence gets two URIs: the path names the item taken in each sequence.
    @Test func bulkDataPathsNameTheItemInEachSequence() throws {
        let icon = { (value: UInt16) in
            DataSet([Build.integers(0x7FE0_0010, .OW, [UInt16](repeating: value, count: 64))])
        }
        let dataSet = DataSet([
            Build.sequence(0x0040_A730, [DataSet([Build.sequence(0x0088_0200, [icon(1), icon(2)])]), icon(3)])
        ])
        let paths = PathRecorder()
        let encoder = DICOMJSONEncoder(bulkDataThreshold: 64) { path, _ in
            paths.append(path)
            return "bulk/\(path)"
        }
        let output = try encoder.encodeString(dataSet)
        #expect(
            paths.all.map(\.itemIndices) == [[0, 0], [0, 1], [1]],
            "\(paths.all.map(String.init(describing:)))")
        #expect(paths.all.map(\.tags) == [
            [Tag(0x0040_A730), Tag(0x0088_0200), Tag(0x7FE0_0010)],
            [Tag(0x0040_A730), Tag(0x0088_0200), Tag(0x7FE0_0010)], [Tag(0x0040_A730), Tag(0x7FE0_0010)],
        ])
        #expect(output.contains(#""BulkDataURI":"bulk/0040A730/0/00880200/1/7FE00010""#))
        #expect(output.contains(#""BulkDataURI":"bulk/0040A730/1/7FE00010""#))

        let xmlPaths = PathRecorder()
        let xml = try DICOMXMLEncoder(bulkDataThreshold: 64) { path, _ in
            xmlPaths.append(path)
            return "b/\(path)"
        }.encodeString(dataSet)
        #expect(xmlPaths.all == paths.all)
        #expect(xml.contains(#"<BulkData uri="b/0040A730/0/00880200/0/7FE00010"/>"#))
    }

    @Test func encapsulatedPixelDataGoesToTheClosureWhateverItsSize() throws {
        let pixelData = DataElement(
            tag: Tag(0x7FE0_0010), vr: .OB, value: .fragments(PixelFragments(fragments: [ByteBuffer(bytes: [1, 2])])))
        let encoder = DICOMJSONEncoder { _, _ in "frames" }
        #expect(try encoder.encodeString(DataSet([pixelData])) == #"{"7FE00010":{"vr":"OB","BulkDataURI":"frames"}}"#)
    }

    @Test func fileBulkDataWithoutAURIThrowsAndLeavesTheBufferAlone() throws {
        let element = DataElement(
            tag: Tag(0x7FE0_0010), vr: .OW,
            value: .bulkData(BulkDataReference(.file(path: "/tmp/x.dcm", offset: 1024, length: 2048))))
        var buffer = ByteBuffer(string: "[")
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMJSONEncoder().encode(DataSet([Build.text(0x0008_0060, .CS, "CT"), element]), into: &buffer)
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.tagPath == [Tag(0x7FE0_0010)])
        #expect(String(buffer: buffer) == "[")

        let withURI = DICOMJSONEncoder { _, element in
            if case .bulkData(let reference) = element.value, case .file(_, let offset, let length) = reference.location {
                return "x.dcm?offset=\(offset)&length=\(length)"
            }
            return nil
        }
        #expect(
            try withURI.encodeString(DataSet([element]))
                == #"{"7FE00010":{"vr":"OW","BulkDataURI":"x.dcm?offset=1024&length=2048"}}"#)
    }

    @Test(arguments: [
        Build.bytes(0x0028_0010, .US, [1, 2, 3]), Build.bytes(0x0018_9089, .FL, [1, 2]),
        Build.bytes(0x0020_5000, .AT, [0x10, 0, 0x10, 0, 0, 0]),
        DataElement(tag: Tag(0x0040_0275), vr: .SQ, bytes: ByteBuffer(bytes: [1, 2])),
    ])
    func malformedBinaryValuesThrowWithTheirTag(_ element: DataElement) {
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMJSONEncoder().encode(DataSet([Build.sequence(0x0008_1115, [DataSet([element])])]))
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.tagPath == [Tag(0x0008_1115), element.tag])
    }

    @Test func streamingIntoABufferAppends() throws {
        var buffer = ByteBuffer()
        buffer.writeString("[")
        let encoder = DICOMJSONEncoder()
        try encoder.encode(Self.secondStudy, into: &buffer)
        buffer.writeString(",")
        try encoder.encode(DataSet(), into: &buffer)
        buffer.writeString("]")
        #expect(
            String(buffer: buffer)
                == #"[{"0020000D":{"vr":"UI","Value":["1.2.392.200036.9116.2.2.2.2162893313.1029997326.945876"]}},{}]"#)
        #expect(String(buffer: try encoder.encode([])) == "[]")
    }
}

/// Collects the paths an encoder offers its `bulkDataURI` closure, which is `@Sendable`.
private final class PathRecorder: Sendable {
    private let paths = Mutex<[AttributePath]>([])

    func append(_ path: AttributePath) { paths.withLock { $0.append(path) } }

    var all: [AttributePath] { paths.withLock { $0 } }
}
