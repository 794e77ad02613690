import DICOM
import DICOMCore
import DICOMJSON
import Foundation
import NIOCore
import Testing

/// DataSet → JSON → DataSet gives the same elements, byte for byte, for values written the canonical way.
@Suite struct JSONRoundTripTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let element: DataElement
        var testDescription: String { "\(element.vr) \(element.tag)" }
    }

    /// One element of every VR, with values that exercise its range.
    static let everyVR: [Case] = [
        Build.text(0x0008_0054, .AE, "STORESCP\\ANY-SCP"),
        Build.text(0x0010_1010, .AS, "042Y"),
        Build.integers(0x0020_5000, .AT, [UInt16(0x0010), 0x0010, 0xFFFE, 0xE000]),
        Build.text(0x0008_0008, .CS, "ORIGINAL\\\\AXIAL"),
        Build.text(0x0008_0020, .DA, "20240229"),
        Build.text(0x0028_0030, .DS, "1.5\\-0.25\\1E-5\\0.33333333333333"),
        Build.text(0x0008_002A, .DT, "20240229123456.123456+0100"),
        Build.floats(0x0018_9089, [1.5, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan, .infinity]),
        Build.doubles(0x0018_9087, [0.1, -1e300, .pi, .leastNonzeroMagnitude, -.infinity]),
        Build.text(0x0020_0013, .IS, "42\\-7\\0\\2147483647\\-2147483648"),
        Build.text(0x0008_0080, .LO, "Hôpital Saint-Éloi"),
        Build.text(0x0020_4000, .LT, "line 1\r\nline 2 \\ with a backslash, \"quotes\" and \u{1}"),
        Build.bytes(0x0009_1010, .OB, [0x00, 0xFF, 0x10, 0x00, 0x7F, 0x80]),
        Build.doubles(0x7FE0_0009, [1.25, -3], vr: .OD),
        Build.integers(0x7FE0_0008, .OF, [Float(2.5).bitPattern]),
        Build.integers(0x0066_0040, .OL, [UInt32(1), 0xDEAD_BEEF]),
        Build.integers(0x0066_0042, .OV, [UInt64.max, 0]),
        Build.integers(0x0028_1201, .OW, [UInt16(0x0102), 0xFFFF]),
        Build.text(0x0010_0010, .PN, "Yamada^Tarou=山田^太郎=やまだ^たろう\\Doe^John^^Dr.^Jr.\\\\=Li"),
        Build.text(0x0010_0020, .SH, "ABC\\DEF"),
        Build.integers(0x0018_6020, .SL, [Int32.min, -1, Int32.max]),
        Build.integers(0x0028_0106, .SS, [Int16.min, 0, Int16.max]),
        Build.text(0x0008_1030, .ST, "Short text, ünïcödé 😀"),
        Build.integers(0x0072_0082, .SV, [Int64.min, -(1 << 53), 1 << 53, Int64.max]),
        Build.text(0x0008_0030, .TM, "123456.789"),
        Build.text(0x0018_9424, .UC, "Unlimited\\Characters"),
        Build.text(0x0008_0016, .UI, "1.2.840.10008.1.2.1"),
        Build.integers(0x0028_0107, .UL, [UInt32(0), UInt32.max]),
        Build.bytes(0x0009_1011, .UN, [0xDE, 0xAD, 0xBE, 0xEF]),
        Build.text(0x0008_1190, .UR, "http://example.com/studies?a=b&c=%20d"),
        Build.integers(0x0028_0010, .US, [UInt16(0), 512, 65535]),
        Build.text(0x0040_A160, .UT, "Unlimited text \\ with a backslash\n"),
        Build.integers(0x0072_0083, .UV, [UInt64(0), 1 << 53 + 1, UInt64.max]),
    ].map(Case.init)

    private func roundTrip(_ dataSet: DataSet) throws -> DataSet {
        try DICOMJSONDecoder().decode(DICOMJSONEncoder().encode(dataSet))
    }

    @Test(arguments: everyVR)
    func everyVRRoundTrips(_ testCase: Case) throws {
        let dataSet = DataSet([Build.characterSet("ISO_IR 192"), testCase.element])
        #expect(try roundTrip(dataSet) == dataSet)
    }

    @Test(arguments: VR.allCases)
    func emptyValuesRoundTrip(_ vr: VR) throws {
        let element =
            vr == .SQ
            ? DataElement(tag: Tag(0x0040_0275), items: [])
            : DataElement(tag: Tag(0x0011_1010), vr: vr, bytes: ByteBuffer())
        let dataSet = DataSet([Build.text(0x0011_0010, .LO, "CREATOR"), element])
        let json = try DICOMJSONEncoder().encodeString(dataSet)
        #expect(json.contains(#""\#(element.tag.hexString)":{"vr":"\#(vr)"}"#))
        #expect(try DICOMJSONDecoder().decode(json) == dataSet)
    }

    @Test func everyVRTogetherRoundTripsInOneDataSet() throws {
        var dataSet = DataSet([Build.characterSet("ISO_IR 192")])
        for testCase in Self.everyVR { dataSet.insert(testCase.element) }
        #expect(try roundTrip(dataSet) == dataSet)
    }

    @Test func sequencesNestedThreeDeepRoundTrip() throws {
        let level3 = DataSet([
            Build.text(0x0008_0100, .SH, "T-A0100"),
            Build.text(0x0008_0104, .LO, "Brain"),
            Build.text(0x0010_0010, .PN, "Deep^Name=深^名=ふか^な"),
            Build.doubles(0x0018_9087, [2.5]),
        ])
        let level2 = DataSet([
            Build.sequence(0x0008_2228, [level3, DataSet(), level3]),
            Build.text(0x0008_0100, .SH, "L2"),
        ])
        let level1 = DataSet([
            Build.sequence(0x0040_A730, [level2]),
            Build.integers(0x0040_A0B0, .US, [UInt16(1), 2]),
        ])
        let dataSet = DataSet([
            Build.characterSet("ISO_IR 192"),
            Build.sequence(0x0040_A730, [level1, level1]),
            Build.text(0x0040_A040, .CS, "CONTAINER"),
        ])
        #expect(try roundTrip(dataSet) == dataSet)
    }

    @Test func privateTagsRoundTrip() throws {
        let dataSet = DataSet([
            Build.text(0x0009_0010, .LO, "Vendor A"),
            Build.text(0x0009_0011, .LO, "Vendor B"),
            Build.bytes(0x0009_1002, .UN, [207, 76, 125, 115, 203, 251]),
            Build.text(0x0009_1003, .SH, "private"),
            Build.integers(0x0009_1104, .US, [UInt16(9)]),
            Build.sequence(0x0009_1105, [DataSet([Build.text(0x0010_0020, .LO, "in a private sequence")])]),
        ])
        #expect(try roundTrip(dataSet) == dataSet)
    }

    @Test func characterSetsRoundTrip() throws {
        let latin1 = SpecificCharacterSet(terms: ["ISO_IR 100"])
        let japanese = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        let dataSet = DataSet([
            Build.characterSet("ISO_IR 100"),
            try Build.text(0x0010_0010, .PN, "Müller^José", characterSet: latin1),
            Build.sequence(
                0x0008_1110,
                [
                    DataSet([try Build.text(0x0008_1030, .LO, "Hôpital", characterSet: latin1)]),
                    DataSet([
                        Build.characterSet("\\ISO 2022 IR 87"),
                        try Build.text(0x0010_0010, .PN, "Yamada^Tarou=山田^太郎=やまだ^たろう", characterSet: japanese),
                    ]),
                ]),
        ])
        let decoded = try roundTrip(dataSet)
        #expect(decoded == dataSet)
        #expect(decoded[Tag(0x0008_1110)]?.items?.first?.inheritedCharacterSet == latin1)
    }

    @Test func encapsulatedPixelDataRoundTripsInline() throws {
        let fragments = PixelFragments(
            offsetTable: ByteBuffer(bytes: [0, 0, 0, 0, 8, 0, 0, 0]),
            fragments: [ByteBuffer(bytes: [0xFF, 0xD8, 0xFF, 0xD9]), ByteBuffer(bytes: [1, 2, 3, 4, 5, 6])])
        let dataSet = DataSet([DataElement(tag: Tag(0x7FE0_0010), vr: .OB, value: .fragments(fragments))])
        #expect(try roundTrip(dataSet) == dataSet)
        // With the Sequence Delimitation Item that some writers keep, too.
        var delimited: [UInt8] = []
        for item in [fragments.offsetTable] + fragments.fragments {
            delimited += [0xFE, 0xFF, 0x00, 0xE0, UInt8(item.readableBytes), 0, 0, 0] + Array(item.readableBytesView)
        }
        delimited += [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
        let base64 = Data(delimited).base64EncodedString()
        let json = #"{"7FE00010":{"vr":"OB","InlineBinary":"\#(base64)"}}"#
        #expect(try DICOMJSONDecoder().decode(json) == dataSet)
        // Native OB pixel data that merely starts like an item stays bytes.
        let native = DataSet([Build.bytes(0x7FE0_0010, .OB, [0xFE, 0xFF, 0x00, 0xE0, 0x02, 0x00, 0x00, 0x00, 1, 2])])
        #expect(try roundTrip(native) == native)
    }

    @Test func bulkDataURIsRoundTrip() throws {
        let dataSet = DataSet([
            DataElement(tag: Tag(0x7FE0_0010), vr: .OW, value: .bulkData(BulkDataReference(.uri("http://h/b/1")))),
            DataElement(tag: Tag(0x0042_0011), vr: .OB, value: .bulkData(BulkDataReference(.uri("../doc.pdf")))),
        ])
        #expect(try roundTrip(dataSet) == dataSet)
    }

    /// Real files: whatever the reader makes of them, JSON → DataSet → JSON is stable, and the values that the JSON
    /// model keeps exactly come back unchanged.
    @Test(arguments: [
        "CT_small.dcm", "MR_small.dcm", "rtplan.dcm", "rtstruct.dcm", "test-SR.dcm", "reportsi.dcm",
        "nested_priv_SQ.dcm", "priv_SQ.dcm", "UN_sequence.dcm", "waveform_ecg.dcm", "JPEG2000.dcm",
        "MR_small_bigendian.dcm", "rtdose.dcm", "GDCMJ2K_TextGBR.dcm",
        "SC_rgb_rle.dcm", "liver_1frame.dcm", "examples_ybr_color.dcm",
    ])
    func realFilesAreStable(_ name: String) throws {
        guard let path = Pydicom.testFile(name) else {
            print("skipped: pydicom test file \(name) not found (pip install pydicom)")
            return
        }
        let file = try DICOMFile(contentsOf: path)
        let encoder = DICOMJSONEncoder()
        let first = try encoder.encode(file.dataSet)
        let decoded = try DICOMJSONDecoder().decode(first)
        let second = try encoder.encode(decoded)
        // Reading pads odd-length values (PS3.18 §F.1), so only files without them give the same JSON at once;
        // after one round trip the JSON is a fixed point for every file.
        if !Self.hasOddLengthValue(file.dataSet) {
            #expect(String(buffer: first) == String(buffer: second))
        }
        #expect(String(buffer: try encoder.encode(try DICOMJSONDecoder().decode(second))) == String(buffer: second))
        // Binary values come back byte-identical.
        for element in file.dataSet where !element.tag.isGroupLength && element.items == nil {
            guard let copy = decoded[element.tag] else {
                Issue.record("\(element.tag) is missing after the round trip")
                continue
            }
            if case .binary = AttributeKind(element.vr), (element.bytes?.readableBytes ?? 0) % 2 == 0 {
                #expect(copy == element, "\(element.tag) \(element.vr)")
            }
        }
    }

    private static func hasOddLengthValue(_ dataSet: DataSet) -> Bool {
        dataSet.contains { element in
            switch element.value {
            case .bytes(let bytes): bytes.readableBytes % 2 == 1
            case .sequence(let items): items.contains(where: hasOddLengthValue)
            case .fragments, .bulkData: false
            }
        }
    }

    private enum AttributeKind {
        case binary, text, sequence
        init(_ vr: VR) {
            switch vr {
            case .OB, .OD, .OF, .OL, .OV, .OW, .UN, .US, .SS, .UL, .SL, .FL, .FD, .SV, .UV, .AT: self = .binary
            case .SQ: self = .sequence
            default: self = .text
            }
        }
    }
}
