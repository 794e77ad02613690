import DICOMCore
import Testing

// `DICOMCore.Tag` is spelled in full: Swift Testing has a `Tag` of its own.
@Suite("DataElement and DataSet typed value accessors")
struct DataElementValuesTests {
    static let studyDate = DICOMCore.Tag(group: 0x0008, element: 0x0020)
    static let studyTime = DICOMCore.Tag(group: 0x0008, element: 0x0030)
    static let acquisitionDateTime = DICOMCore.Tag(group: 0x0008, element: 0x002A)
    static let sopInstanceUID = DICOMCore.Tag(group: 0x0008, element: 0x0018)
    static let relatedUIDs = DICOMCore.Tag(group: 0x0040, element: 0xA124)
    static let patientAge = DICOMCore.Tag(group: 0x0010, element: 0x1010)
    static let pixelSpacing = DICOMCore.Tag(group: 0x0028, element: 0x0030)
    static let instanceNumber = DICOMCore.Tag(group: 0x0020, element: 0x0013)
    static let windowCenter = DICOMCore.Tag(group: 0x0028, element: 0x1050)
    static let referencedSequence = DICOMCore.Tag(group: 0x0008, element: 0x1140)

    static func dataSet(_ elements: [(DICOMCore.Tag, VR, [String])]) -> DataSet {
        DataSet(elements.map { DataElement(tag: $0.0, vr: $0.1, asciiStrings: $0.2) })
    }

    @Test func readsEachVR() throws {
        let dataSet = Self.dataSet([
            (Self.studyDate, .DA, ["20200315"]),
            (Self.studyTime, .TM, ["083000.25"]),
            (Self.acquisitionDateTime, .DT, ["20200315083000.25-0500"]),
            (Self.sopInstanceUID, .UI, ["1.2.840.10008.5.1.4.1.1.2"]),
            (Self.patientAge, .AS, ["045Y"]),
            (Self.pixelSpacing, .DS, ["0.5", " 0.625 "]),
            (Self.instanceNumber, .IS, [" 12 "]),
        ])
        #expect(try dataSet.date(Self.studyDate) == DICOMDate("20200315"))
        #expect(try dataSet.dates(Self.studyDate) == [DICOMDate("20200315")].compactMap { $0 })
        #expect(try dataSet.time(Self.studyTime)?.description == "083000.25")
        #expect(try dataSet.dateTime(Self.acquisitionDateTime)?.utcOffsetMinutes == -300)
        #expect(try dataSet.uid(Self.sopInstanceUID) == UID("1.2.840.10008.5.1.4.1.1.2"))
        #expect(try dataSet.ageString(Self.patientAge) == AgeString(value: 45, unit: .years))
        #expect(try dataSet.decimals(Self.pixelSpacing) == [0.5, 0.625])
        #expect(try dataSet.decimal(Self.pixelSpacing) == 0.5)
        #expect(try dataSet.integerString(Self.instanceNumber) == 12)
        #expect(try dataSet.integerStrings(Self.instanceNumber) == [12])
    }

    @Test func readsMultipleValues() throws {
        let dataSet = Self.dataSet([
            (Self.studyDate, .DA, ["20200101", "20201231"]),
            (Self.studyTime, .TM, ["08", "0830", "083015"]),
            (Self.acquisitionDateTime, .DT, ["2020", "202001"]),
            (Self.relatedUIDs, .UI, ["1.2.3", "1.2.4"]),
            (Self.windowCenter, .DS, ["40", "-600", "1.5E2"]),
            (Self.instanceNumber, .IS, ["1", "-2", "+3"]),
        ])
        #expect(try dataSet.dates(Self.studyDate).map(\.description) == ["20200101", "20201231"])
        #expect(try dataSet.date(Self.studyDate)?.description == "20200101")
        #expect(try dataSet.times(Self.studyTime).map(\.description) == ["08", "0830", "083015"])
        #expect(try dataSet.dateTimes(Self.acquisitionDateTime).map(\.description) == ["2020", "202001"])
        #expect(try dataSet.uids(Self.relatedUIDs) == [UID("1.2.3"), UID("1.2.4")])
        #expect(try dataSet.decimals(Self.windowCenter) == [40, -600, 150])
        #expect(try dataSet.integerStrings(Self.instanceNumber) == [1, -2, 3])
    }

    @Test func absentElementsGiveNothing() throws {
        let dataSet = DataSet()
        #expect(try dataSet.date(Self.studyDate) == nil)
        #expect(try dataSet.dates(Self.studyDate).isEmpty)
        #expect(try dataSet.time(Self.studyTime) == nil)
        #expect(try dataSet.times(Self.studyTime).isEmpty)
        #expect(try dataSet.dateTime(Self.acquisitionDateTime) == nil)
        #expect(try dataSet.dateTimes(Self.acquisitionDateTime).isEmpty)
        #expect(try dataSet.uid(Self.sopInstanceUID) == nil)
        #expect(try dataSet.uids(Self.sopInstanceUID).isEmpty)
        #expect(try dataSet.ageString(Self.patientAge) == nil)
        #expect(try dataSet.decimal(Self.pixelSpacing) == nil)
        #expect(try dataSet.decimals(Self.pixelSpacing).isEmpty)
        #expect(try dataSet.integerString(Self.instanceNumber) == nil)
        #expect(try dataSet.integerStrings(Self.instanceNumber).isEmpty)
    }

    @Test(arguments: [[String](), [""], ["  "], ["\0"]])
    func emptyOrPaddingOnlyValuesGiveNothing(values: [String]) throws {
        let dataSet = Self.dataSet([
            (Self.studyDate, .DA, values), (Self.studyTime, .TM, values), (Self.acquisitionDateTime, .DT, values),
            (Self.sopInstanceUID, .UI, values), (Self.patientAge, .AS, values), (Self.pixelSpacing, .DS, values),
            (Self.instanceNumber, .IS, values),
        ])
        #expect(try dataSet.date(Self.studyDate) == nil)
        #expect(try dataSet.time(Self.studyTime) == nil)
        #expect(try dataSet.dateTime(Self.acquisitionDateTime) == nil)
        #expect(try dataSet.uid(Self.sopInstanceUID) == nil)
        #expect(try dataSet.ageString(Self.patientAge) == nil)
        #expect(try dataSet.decimals(Self.pixelSpacing).isEmpty)
        #expect(try dataSet.integerStrings(Self.instanceNumber).isEmpty)
    }

    @Test func uidPaddingIsRemovedButIdentifiersAreNotValidated() throws {
        // An odd-length UID is padded with a NUL; a leading-zero component breaks PS3.5 §9.1 but is kept as is.
        let dataSet = Self.dataSet([(Self.sopInstanceUID, .UI, ["1.2.03"])])
        let uid = try #require(try dataSet.uid(Self.sopInstanceUID))
        #expect(uid.rawValue == "1.2.03")
        #expect(!uid.isValid)
    }

    @Test(arguments: [
        (DataElementValuesTests.studyDate, VR.DA, ["20200230"]),
        (DataElementValuesTests.studyDate, .DA, ["2020-01-01"]),
        (DataElementValuesTests.studyDate, .DA, ["20200101", "", "20200102"]),
        (DataElementValuesTests.studyTime, .TM, ["2500"]),
        (DataElementValuesTests.acquisitionDateTime, .DT, ["20200101+1500"]),
        (DataElementValuesTests.sopInstanceUID, .UI, ["1.2.3", ""]),
        (DataElementValuesTests.patientAge, .AS, ["45Y"]),
        (DataElementValuesTests.pixelSpacing, .DS, ["0.5", "abc"]),
        (DataElementValuesTests.pixelSpacing, .DS, ["0.12345678901234567"]),
        (DataElementValuesTests.instanceNumber, .IS, ["2147483648"]),
        (DataElementValuesTests.instanceNumber, .IS, ["1.5"]),
    ])
    func malformedValuesThrowInvalidValueWithTheTag(tag: DICOMCore.Tag, vr: VR, values: [String]) throws {
        let dataSet = Self.dataSet([(tag, vr, values)])
        let error = #expect(throws: DICOMParseError.self) {
            switch vr {
            case .DA: _ = try dataSet.dates(tag)
            case .TM: _ = try dataSet.times(tag)
            case .DT: _ = try dataSet.dateTimes(tag)
            case .UI: _ = try dataSet.uids(tag)
            case .AS: _ = try dataSet.ageString(tag)
            case .DS: _ = try dataSet.decimals(tag)
            case .IS: _ = try dataSet.integerStrings(tag)
            default: Issue.record("unexpected VR \(vr)")
            }
        }
        #expect(error?.code == .invalidValue)
        #expect(error?.tagPath == [tag])
        // The reason names the position, never the text, which may identify a patient.
        for value in values where !value.isEmpty {
            #expect(error?.reason.contains(value) == false)
        }
    }

    @Test func singularAccessorsThrowWhenAnyValueIsMalformed() {
        let dataSet = Self.dataSet([(Self.studyDate, .DA, ["20200101", "20201301"])])
        #expect(throws: DICOMParseError.self) { try dataSet.date(Self.studyDate) }
    }

    @Test func sequenceElementsThrow() {
        let element = DataElement(tag: Self.referencedSequence, items: [DataSet()])
        let error = #expect(throws: DICOMParseError.self) { try element.dates() }
        #expect(error?.code == .invalidValue)
        #expect(error?.tagPath == [Self.referencedSequence])
    }

    @Test func elementAccessorsMatchDataSetAccessors() throws {
        let element = DataElement(tag: Self.studyDate, vr: .DA, asciiStrings: ["20200101"])
        #expect(try element.date() == DICOMDate(year: 2020, month: 1, day: 1))
        #expect(try element.dates().count == 1)
    }
}

@Suite struct ExtendedOffsetTableTests {
    @Test func readsMatchingOffsetsAndLengths() throws {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: DICOMCore.Tag(rawValue: 0x7FE0_0001), vr: .OV, integers: [UInt64(0), 1000]))
        dataSet.insert(DataElement(tag: DICOMCore.Tag(rawValue: 0x7FE0_0002), vr: .OV, integers: [UInt64(992), 500]))
        let table = try #require(try dataSet.extendedOffsetTable())
        #expect(table.offsets == [0, 1000])
        #expect(table.lengths == [992, 500])
    }

    @Test func rejectsMismatchedLengths() throws {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: DICOMCore.Tag(rawValue: 0x7FE0_0001), vr: .OV, integers: [UInt64(0), 1000]))
        #expect(throws: DICOMParseError.self) { try dataSet.extendedOffsetTable() }
        #expect(try DataSet().extendedOffsetTable() == nil)
    }
}

@Suite struct UIDShapeTests {
    @Test(arguments: ["1.2.840.10008.1.2", "1.2.03.4", "0"])
    func wellFormedAcceptsDigitsAndDotsWithLeadingZeros(_ text: String) {
        #expect(UID(text).isWellFormed)
    }

    @Test(arguments: ["", ".1.2", "1.2.", "1..2", "1.2.a", String(repeating: "1", count: 65)])
    func wellFormedRejectsEmptyComponentsLettersAndLength(_ text: String) {
        #expect(!UID(text).isWellFormed)
    }

    @Test func validRejectsLeadingZerosThatWellFormedTolerates() {
        #expect(!UID("1.2.03.4").isValid)
        #expect(UID("1.2.3.4").isValid)
    }
}
