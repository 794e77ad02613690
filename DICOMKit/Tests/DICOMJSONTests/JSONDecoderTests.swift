import DICOM
import DICOMCore
import DICOMJSON
import Foundation
import NIOCore
import Testing

/// `DICOMJSONDecoder`: how JSON values become DICOM encodings, and what it does with hostile input.
@Suite struct JSONDecoderTests {
    private func decodeElement(_ attribute: String, tag: String = "00100010") throws -> DataElement {
        let dataSet = try DICOMJSONDecoder().decode(#"{"\#(tag)":\#(attribute)}"#)
        return try #require(dataSet.first { $0.tag != StructuralTag.specificCharacterSet })
    }

    private func text(_ element: DataElement) -> String? {
        element.bytes.map { String(buffer: $0) }
    }

    // MARK: - Values

    @Test func personNameObjectsBecomeComponentGroups() throws {
        let element = try decodeElement(
            #"{"vr":"PN","Value":[{"Alphabetic":"Doe^John"},{"Ideographic":"山田","Phonetic":"やまだ"},null,"Plain^String",{"Phonetic":"x"}]}"#
        )
        #expect(text(element) == "Doe^John\\=山田=やまだ\\\\Plain^String\\==x")
    }

    @Test(arguments: [
        ("0.5", "0.5"), ("-0", "-0"), ("1E+5", "1E+5"), ("1e-400", "1e-400"),
        ("0.1234567890123456789", "0.12345678901235"), ("123456789012345.6", "123456789012346"),
        ("12345678901234567890", nil), ("-1.5e-300", "-1.5e-300"), ("3.141592653589793238", nil),
    ] as [(String, String?)])
    func decimalStringNumbersFitSixteenBytes(_ number: String, _ expected: String?) throws {
        let element = try decodeElement(#"{"vr":"DS","Value":[\#(number)]}"#, tag: "00280030")
        let value = try #require(text(element)).trimmingCharacters(in: .whitespaces)
        if let expected { #expect(value == expected) }
        #expect(value.utf8.count <= 16)
        let decimal = try #require(try element.decimal())
        let exact = try #require(Double(number))
        #expect(abs(decimal - exact) <= abs(exact) * 1e-11)
    }

    @Test func decimalAndIntegerStringsAreKeptAsWritten() throws {
        let element = try decodeElement(#"{"vr":"DS","Value":["+1.50", null, "NaN"]}"#, tag: "00280030")
        #expect(text(element) == "+1.50\\\\NaN")
        let integers = try decodeElement(#"{"vr":"IS","Value":[1.2e3, -0, "007", 2147483647]}"#, tag: "00200013")
        #expect(text(integers) == "1200\\0\\007\\2147483647 ")
    }

    @Test func binaryNumbersAreLittleEndian() throws {
        #expect(try decodeElement(#"{"vr":"US","Value":[1,"65535",1.0e2]}"#).integers(as: UInt16.self) == [1, 65535, 100])
        #expect(try decodeElement(#"{"vr":"SS","Value":[-32768]}"#).bytes == ByteBuffer(bytes: [0x00, 0x80]))
        #expect(
            try decodeElement(#"{"vr":"UV","Value":["18446744073709551615",9007199254740993]}"#).integers(as: UInt64.self)
                == [UInt64.max, 9_007_199_254_740_993])
        #expect(try decodeElement(#"{"vr":"SV","Value":["-9223372036854775808"]}"#).integers(as: Int64.self) == [Int64.min])
        let floats = try decodeElement(#"{"vr":"FL","Value":[0.1,"NaN","Infinity","-Infinity",-0.0]}"#).float32s()
        #expect(floats[0] == Float(0.1))
        #expect(floats[1].isNaN)
        #expect(floats[2] == .infinity && floats[3] == -.infinity)
        #expect(floats[4] == 0 && floats[4].sign == .minus)
        #expect(try decodeElement(#"{"vr":"FD","Value":[1e308, 5e-324]}"#).float64s() == [1e308, .leastNonzeroMagnitude])
        #expect(try decodeElement(#"{"vr":"AT","Value":["7fe00010","00100010"]}"#).tags() == [Tag(0x7FE0_0010), Tag(0x0010_0010)])
    }

    @Test func textIsPaddedByVR() throws {
        #expect(text(try decodeElement(#"{"vr":"UI","Value":["1.2.3"]}"#, tag: "00080016")) == "1.2.3\0")
        #expect(text(try decodeElement(#"{"vr":"CS","Value":["A",null,"B"]}"#, tag: "00080008")) == "A\\\\B")
        #expect(text(try decodeElement(#"{"vr":"LO","Value":[""]}"#, tag: "00100020")) == "")
        #expect(text(try decodeElement(#"{"vr":"LO","Value":[]}"#, tag: "00100020")) == "")
        #expect(text(try decodeElement(#"{"vr":"LO"}"#, tag: "00100020")) == "")
        #expect(text(try decodeElement(#"{"vr":"OB","InlineBinary":"AQID"}"#, tag: "00091010")) == "\u{1}\u{2}\u{3}\0")
    }

    @Test func characterSetInTheObjectEncodesTextWhereverItIs() throws {
        // (0008,0005) after the name, and inherited by an item.
        let json = """
            {"00100010":{"vr":"PN","Value":[{"Alphabetic":"Müller"}]},
             "00081110":{"vr":"SQ","Value":[{"00081030":{"vr":"LO","Value":["Café"]}}]},
             "00080005":{"vr":"CS","Value":["ISO_IR 100"]}}
            """
        let dataSet = try DICOMJSONDecoder().decode(json)
        #expect(dataSet[Tag(0x0010_0010)]?.bytes == ByteBuffer(bytes: [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]))
        let item = try #require(dataSet[Tag(0x0008_1110)]?.items?.first)
        #expect(item[Tag(0x0008_1030)]?.bytes == ByteBuffer(bytes: [0x43, 0x61, 0x66, 0xE9]))
        #expect(item.characterSet == SpecificCharacterSet(terms: ["ISO_IR 100"]))
    }

    @Test func withoutACharacterSetNonASCIITextIsUTF8AndSaysSo() throws {
        let dataSet = try DICOMJSONDecoder().decode(#"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"山田"}]}}"#)
        #expect(dataSet[Tag(0x0010_0010)]?.bytes == ByteBuffer(string: "山田"))
        #expect(dataSet[Tag(0x0008_0005)]?.bytes == ByteBuffer(string: "ISO_IR 192"))
        #expect(dataSet.personNames(Tag(0x0010_0010))?.first?.alphabetic.familyName == "山田")
    }

    @Test func nonASCIITextInAnItemAloneNamesUTF8AtTheTopLevel() throws {
        let json = """
            {"00080060":{"vr":"CS","Value":["CT"]},
             "00081110":{"vr":"SQ","Value":[{"00081030":{"vr":"LO","Value":["Café"]}}]}}
            """
        let dataSet = try DICOMJSONDecoder().decode(json)
        #expect(dataSet.map(\.tag) == [Tag(0x0008_0005), Tag(0x0008_0060), Tag(0x0008_1110)])
        #expect(dataSet[Tag(0x0008_0005)]?.bytes == ByteBuffer(string: "ISO_IR 192"))
        let item = try #require(dataSet[Tag(0x0008_1110)]?.items?.first)
        #expect(item.characterSet == SpecificCharacterSet(terms: ["ISO_IR 192"]))
        #expect(item.strings(Tag(0x0008_1030)) == ["Café"])
    }

    @Test func asciiTextOrAGivenCharacterSetAddsNone() throws {
        let ascii = try DICOMJSONDecoder().decode(#"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"Doe^John"}]}}"#)
        #expect(ascii[Tag(0x0008_0005)] == nil)
        let latin = try DICOMJSONDecoder().decode(
            #"{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":["Müller"]}}"#)
        #expect(latin.strings(Tag(0x0008_0005)) == ["ISO_IR 100"])
    }

    @Test func attributesMayComeInAnyOrderAndVRMayBeMissingForKnownTags() throws {
        let dataSet = try DICOMJSONDecoder().decode(
            #"{"0020000d":{"Value":["1.2"]},"00080060":{"vr":"CS","Value":["CT"],"extra":{"ignored":[1]}}}"#)
        #expect(dataSet.map(\.tag) == [Tag(0x0008_0060), Tag(0x0020_000D)])
        #expect(dataSet[Tag(0x0020_000D)]?.vr == .UI)
    }

    @Test func pydicomsTestJSONIsRead() throws {
        guard let path = Pydicom.testFile("test_PN.json"), let other = Pydicom.testFile("test1.json") else {
            print("skipped: pydicom's test JSON files not found (pip install pydicom)")
            return
        }
        let dataSet = try DICOMJSONDecoder().decode(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path))))
        #expect(dataSet[Tag(0x0010_0010)]?.bytes == ByteBuffer(string: "Prostate^Volunteer"))
        #expect(try DICOMJSONDecoder().decode(DICOMJSONEncoder().encode(dataSet)) == dataSet)

        // test1.json has a null among the numbers of a US value, which PS3.5 cannot encode: rejected, with the place.
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMJSONDecoder().decode(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: other))))
        }
        #expect(error?.tagPath == [Tag(0x0018_1310)])
        // Without it, the rest reads, unordered attributes, empty items and bulk data URIs included.
        var text = try String(contentsOfFile: other, encoding: .utf8)
        text = text.replacingOccurrences(of: "32,\n            null\n", with: "32\n")
        let rest = try DICOMJSONDecoder().decode(text)
        #expect(try rest[Tag(0x0018_1310)]?.integers(as: UInt16.self) == [128, 0, 0, 32])
        #expect(rest[Tag(0x0012_0064)]?.items?.count == 9)
        #expect(try DICOMJSONDecoder().decode(DICOMJSONEncoder().encode(rest)) == rest)
    }

    // MARK: - Hostile input

    struct Hostile: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let code: DICOMParseError.Code
        var testDescription: String { name }
    }

    static let hostile: [Hostile] = [
        Hostile(name: "empty input", json: "", code: .truncated),
        Hostile(name: "only whitespace", json: " \n\t", code: .truncated),
        Hostile(name: "open object", json: "{", code: .truncated),
        Hostile(name: "name without value", json: #"{"00100010":"#, code: .truncated),
        Hostile(name: "unterminated string", json: #"{"00100010"#, code: .truncated),
        Hostile(name: "missing closing brace", json: #"{"00100010":{"vr":"PN"}"#, code: .truncated),
        Hostile(name: "trailing data", json: "{} {}", code: .unexpectedToken),
        Hostile(name: "trailing comma", json: #"{"00080060":{"vr":"CS","Value":["CT",]}}"#, code: .unexpectedToken),
        Hostile(name: "single quotes", json: "{'00080060':{}}", code: .unexpectedToken),
        Hostile(name: "comment", json: "/* x */ {}", code: .unexpectedToken),
        Hostile(name: "bare NaN", json: #"{"00189087":{"vr":"FD","Value":[NaN]}}"#, code: .unexpectedToken),
        Hostile(name: "leading zero", json: #"{"00280010":{"vr":"US","Value":[01]}}"#, code: .unexpectedToken),
        Hostile(name: "lone minus", json: #"{"00280010":{"vr":"US","Value":[-]}}"#, code: .unexpectedToken),
        Hostile(name: "bad literal", json: #"{"00280010":{"vr":"US","Value":[nul]}}"#, code: .unexpectedToken),
        Hostile(name: "raw control character", json: "{\"00100020\":{\"vr\":\"LO\",\"Value\":[\"a\u{1}\"]}}", code: .unexpectedToken),
        Hostile(name: "bad escape", json: #"{"00100020":{"vr":"LO","Value":["\x41"]}}"#, code: .unexpectedToken),
        Hostile(name: "lone high surrogate", json: #"{"00100020":{"vr":"LO","Value":["\ud800"]}}"#, code: .invalidValue),
        Hostile(name: "lone low surrogate", json: #"{"00100020":{"vr":"LO","Value":["\udc00x"]}}"#, code: .invalidValue),
        Hostile(name: "top-level array for decode", json: "[]", code: .invalidValue),
        Hostile(name: "not a tag", json: #"{"PatientName":{"vr":"PN"}}"#, code: .invalidTag),
        Hostile(name: "seven digits", json: #"{"0010001":{"vr":"PN"}}"#, code: .invalidTag),
        Hostile(name: "parenthesised tag", json: #"{"(0010,0010)":{"vr":"PN"}}"#, code: .invalidTag),
        Hostile(name: "duplicate attribute", json: #"{"00100010":{"vr":"PN"},"00100010":{"vr":"PN"}}"#, code: .invalidTag),
        Hostile(name: "unknown VR", json: #"{"00100010":{"vr":"XX"}}"#, code: .invalidVR),
        Hostile(name: "VR not a string", json: #"{"00100010":{"vr":5}}"#, code: .invalidVR),
        Hostile(name: "no VR for a private tag", json: #"{"00091010":{"Value":["x"]}}"#, code: .invalidVR),
        Hostile(name: "attribute not an object", json: #"{"00100010":"Doe"}"#, code: .invalidValue),
        Hostile(name: "Value not an array", json: #"{"00100020":{"vr":"LO","Value":"x"}}"#, code: .invalidValue),
        Hostile(name: "Value and InlineBinary", json: #"{"00091010":{"vr":"OB","Value":[],"InlineBinary":""}}"#, code: .invalidValue),
        Hostile(name: "Value twice", json: #"{"00100020":{"vr":"LO","Value":[],"Value":[]}}"#, code: .invalidValue),
        Hostile(name: "number for a string VR", json: #"{"00100020":{"vr":"LO","Value":[5]}}"#, code: .invalidValue),
        Hostile(name: "object for a string VR", json: #"{"00100020":{"vr":"LO","Value":[{}]}}"#, code: .invalidValue),
        Hostile(name: "number for PN", json: #"{"00100010":{"vr":"PN","Value":[5]}}"#, code: .invalidValue),
        Hostile(name: "PN group not a string", json: #"{"00100010":{"vr":"PN","Value":[{"Alphabetic":1}]}}"#, code: .invalidValue),
        Hostile(name: "PN group with =", json: #"{"00100010":{"vr":"PN","Value":[{"Alphabetic":"a=b"}]}}"#, code: .invalidValue),
        Hostile(name: "backslash in CS", json: #"{"00080008":{"vr":"CS","Value":["A\\B"]}}"#, code: .invalidValue),
        Hostile(name: "two values of LT", json: #"{"00204000":{"vr":"LT","Value":["a","b"]}}"#, code: .invalidValue),
        Hostile(name: "string for US", json: #"{"00280010":{"vr":"US","Value":["abc"]}}"#, code: .invalidValue),
        Hostile(name: "null for US", json: #"{"00280010":{"vr":"US","Value":[null]}}"#, code: .invalidValue),
        Hostile(name: "boolean for US", json: #"{"00280010":{"vr":"US","Value":[true]}}"#, code: .invalidValue),
        Hostile(name: "negative US", json: #"{"00280010":{"vr":"US","Value":[-1]}}"#, code: .invalidValue),
        Hostile(name: "US too large", json: #"{"00280010":{"vr":"US","Value":[65536]}}"#, code: .invalidValue),
        Hostile(name: "fraction for UL", json: #"{"00280107":{"vr":"UL","Value":[1.5]}}"#, code: .invalidValue),
        Hostile(name: "huge UV", json: #"{"00720083":{"vr":"UV","Value":[18446744073709551616]}}"#, code: .invalidValue),
        Hostile(name: "huge exponent US", json: #"{"00280010":{"vr":"US","Value":[1e400]}}"#, code: .invalidValue),
        Hostile(name: "FD overflow", json: #"{"00189087":{"vr":"FD","Value":[1e400]}}"#, code: .invalidValue),
        Hostile(name: "FL overflow", json: #"{"00189089":{"vr":"FL","Value":[1e39]}}"#, code: .invalidValue),
        Hostile(name: "DS overflow", json: #"{"00280030":{"vr":"DS","Value":[1e400]}}"#, code: .invalidValue),
        Hostile(name: "IS fraction", json: #"{"00200013":{"vr":"IS","Value":[1.5]}}"#, code: .invalidValue),
        Hostile(name: "IS out of range", json: #"{"00200013":{"vr":"IS","Value":[99999999999999999999]}}"#, code: .invalidValue),
        Hostile(name: "IS object", json: #"{"00200013":{"vr":"IS","Value":[{}]}}"#, code: .invalidValue),
        Hostile(name: "non-ASCII DS string", json: #"{"00280030":{"vr":"DS","Value":["１"]}}"#, code: .invalidValue),
        Hostile(name: "bad AT", json: #"{"00209165":{"vr":"AT","Value":["0010001G"]}}"#, code: .invalidValue),
        Hostile(name: "AT number", json: #"{"00209165":{"vr":"AT","Value":[1048592]}}"#, code: .invalidValue),
        Hostile(name: "Value for OB", json: #"{"00091010":{"vr":"OB","Value":[1,2]}}"#, code: .invalidValue),
        Hostile(name: "base64 bad character", json: #"{"00091010":{"vr":"OB","InlineBinary":"AQ$D"}}"#, code: .invalidValue),
        Hostile(name: "base64 one character over", json: #"{"00091010":{"vr":"OB","InlineBinary":"AQIDB"}}"#, code: .invalidValue),
        Hostile(name: "base64 padding inside", json: #"{"00091010":{"vr":"OB","InlineBinary":"AQ==AQID"}}"#, code: .invalidValue),
        Hostile(name: "base64 whitespace", json: #"{"00091010":{"vr":"OB","InlineBinary":"AQ ID"}}"#, code: .invalidValue),
        Hostile(name: "base64 URL alphabet", json: #"{"00091010":{"vr":"OB","InlineBinary":"-_-_"}}"#, code: .invalidValue),
        Hostile(name: "InlineBinary not a string", json: #"{"00091010":{"vr":"OB","InlineBinary":[1]}}"#, code: .invalidValue),
        Hostile(name: "InlineBinary for SQ", json: #"{"00081110":{"vr":"SQ","InlineBinary":"AA=="}}"#, code: .invalidValue),
        Hostile(name: "BulkDataURI not a string", json: #"{"7FE00010":{"vr":"OW","BulkDataURI":5}}"#, code: .invalidValue),
        Hostile(name: "item not an object", json: #"{"00081110":{"vr":"SQ","Value":[1]}}"#, code: .invalidValue),
        Hostile(name: "item null", json: #"{"00081110":{"vr":"SQ","Value":[null]}}"#, code: .invalidValue),
        Hostile(
            name: "unencodable in the character set",
            json: #"{"00080005":{"vr":"CS","Value":["ISO_IR 100"]},"00100010":{"vr":"PN","Value":[{"Alphabetic":"山田"}]}}"#,
            code: .invalidValue),
    ]

    @Test(arguments: hostile)
    func hostileInputThrows(_ testCase: Hostile) {
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMJSONDecoder().decode(testCase.json)
        }
        #expect(error?.code == testCase.code, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(error?.offset != nil)
    }

    @Test func errorsPointAtTheOffendingValueAndTag() throws {
        let json = #"{"00081110":{"vr":"SQ","Value":[{"00280010":{"vr":"US","Value":[1,"x"]}}]}}"#
        let error = #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decode(json) }
        let offset = json.utf8.count - #""x"]}}]}}"#.utf8.count
        #expect(error?.offset == offset)
        #expect(error?.tagPath == [Tag(0x0008_1110), Tag(0x0028_0010)])

        let syntax = #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decode("{\"00100010\" 1}") }
        #expect(syntax?.offset == 12)
    }

    @Test func invalidUTF8Throws() {
        var bytes = ByteBuffer(string: #"{"00100020":{"vr":"LO","Value":[""#)
        bytes.writeBytes([0xC3, 0x28])
        bytes.writeString(#""]}}"#)
        let error = #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decode(bytes) }
        #expect(error?.code == .invalidValue)
    }

    @Test func tenThousandNestedArraysThrowWithoutRecursingThatDeep() {
        for json in [String(repeating: "[", count: 10_000), String(repeating: "{\"a\":", count: 10_000)] {
            let error = #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decode(json) }
            #expect(error?.code == .nestingTooDeep)
            let arrayError = #expect(throws: DICOMParseError.self) {
                try DICOMJSONDecoder().decodeArray(ByteBuffer(string: json))
            }
            #expect(arrayError?.code == .nestingTooDeep)
        }
    }

    @Test func sequencesDeeperThanTheLimitThrow() throws {
        func nested(_ depth: Int) -> String {
            var json = #"{"00080100":{"vr":"SH","Value":["leaf"]}}"#
            for _ in 0..<depth { json = #"{"0040A730":{"vr":"SQ","Value":[\#(json)]}}"# }
            return json
        }
        #expect(try DICOMJSONDecoder(maximumNestingDepth: 5).decode(nested(5)).count == 1)
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMJSONDecoder(maximumNestingDepth: 5).decode(nested(6))
        }
        #expect(error?.code == .nestingTooDeep)
        #expect(try DICOMJSONDecoder().decode(nested(64)).count == 1)
        #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decode(nested(65)) }
    }

    @Test func everyTruncationOfAValidDocumentThrows() throws {
        let json = compactJSON(JSONEncoderTests.exampleJSON)
        let bytes = Array(json.utf8)
        for length in 0..<bytes.count {
            var buffer = ByteBuffer()
            buffer.writeBytes(bytes[..<length])
            #expect(throws: DICOMParseError.self) { try DICOMJSONDecoder().decodeArray(buffer) }
        }
        #expect(try DICOMJSONDecoder().decodeArray(ByteBuffer(bytes: bytes)).count == 2)
    }

    /// Random corruptions of a valid document never trap: each either decodes or throws `DICOMParseError`.
    @Test func mutatedDocumentsNeverTrap() throws {
        let original = Array(compactJSON(JSONEncoderTests.exampleJSON).utf8)
        var generator = SplitMix64(seed: 0x5EED)
        let interesting: [UInt8] = Array(#"{}[]",:\"0123456789eE.-+nulltruefalse"#.utf8) + [0x00, 0x1F, 0x80, 0xFF, 0xC3]
        var decoded = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0...Int(generator.next() % 4) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = interesting[Int(generator.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(interesting[Int(generator.next() % UInt64(interesting.count))], at: position)
                }
            }
            do {
                _ = try DICOMJSONDecoder().decodeArray(ByteBuffer(bytes: bytes))
                decoded += 1
            } catch {
                #expect(error.offset != nil)
            }
        }
        #expect(decoded < 3000)
    }

    @Test func hugeNumbersAndStringsDoNotTrap() throws {
        let digits = String(repeating: "9", count: 100_000)
        for vr in ["US", "SV", "UV", "FL", "FD", "IS", "DS"] {
            #expect(throws: DICOMParseError.self) {
                try DICOMJSONDecoder().decode(#"{"00280010":{"vr":"\#(vr)","Value":[\#(digits)]}}"#)
            }
        }
        let long = String(repeating: "x", count: 1_000_000)
        let element = try decodeElement(#"{"vr":"UT","Value":["\#(long)"]}"#, tag: "00404000")
        #expect(element.bytes?.readableBytes == 1_000_000)
    }
}

/// A small deterministic generator for the mutation test (SplitMix64).
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
