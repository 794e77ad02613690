import Archive
import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore
import Testing

@Suite("Query model")
struct QueryModelTests {
    @Test(arguments: [
        ("", VR.LO), ("*", .LO), ("  ", .PN), ("*", .DA), ("", .UI),
    ])
    func universalMatchingForEmptyValuesAndALoneAsterisk(_ value: String, _ vr: VR) throws {
        #expect(try MatchCondition.parse(value, vr: vr) == nil)
    }

    @Test func singleValuesAndWildcards() throws {
        #expect(try MatchCondition.parse("DOE^JOHN", vr: .PN) == .singleValue("DOE^JOHN"))
        #expect(try MatchCondition.parse("DOE*", vr: .PN) == .wildcard("DOE*"))
        #expect(try MatchCondition.parse("AB?C ", vr: .SH) == .wildcard("AB?C"))
        #expect(try MatchCondition.parse(" CT", vr: .CS) == .singleValue("CT"))
        #expect(try MatchCondition.parse("A\\B", vr: .LO) == .singleValue("A\\B"))
        #expect(try MatchCondition.parse("12", vr: .IS) == .singleValue("12"))
        #expect(throws: InvalidMatchValue.self) { try MatchCondition.parse("1*", vr: .IS) }
    }

    @Test func uidsAndUIDLists() throws {
        #expect(try MatchCondition.parse("1.2.3", vr: .UI) == .singleValue("1.2.3"))
        #expect(try MatchCondition.parse("1.2.3\\4.5", vr: .UI) == .list(["1.2.3", "4.5"]))
        for invalid in ["1.2.*", "1..2", "1.2.", "abc", "1.2\\", String(repeating: "1", count: 65)] {
            #expect(throws: InvalidMatchValue.self, "\(invalid)") { try MatchCondition.parse(invalid, vr: .UI) }
        }
    }

    @Test func dateTimeAndDateTimeRanges() throws {
        let date = try #require(DICOMDate("20200101"))
        let later = try #require(DICOMDate("20201231"))
        #expect(try MatchCondition.parse("20200101", vr: .DA) == .dateRange(DICOMRange(singleValue: date)))
        #expect(
            try MatchCondition.parse("20200101-20201231", vr: .DA) == .dateRange(DICOMRange(lower: date, upper: later)))
        #expect(try MatchCondition.parse("-20201231", vr: .DA) == .dateRange(DICOMRange(lower: nil, upper: later)))
        #expect(try MatchCondition.parse("20200101-", vr: .DA) == .dateRange(DICOMRange(lower: date, upper: nil)))
        #expect(throws: InvalidMatchValue.self) { try MatchCondition.parse("2020*", vr: .DA) }
        #expect(throws: InvalidMatchValue.self) { try MatchCondition.parse("20201231-20200101", vr: .DA) }
        let noon = try #require(DICOMTime("12"))
        #expect(try MatchCondition.parse("-12", vr: .TM) == .timeRange(DICOMRange(lower: nil, upper: noon)))
        #expect(throws: InvalidMatchValue.self) { try MatchCondition.parse("12?", vr: .TM) }
        guard case .dateTimeRange(let range) = try MatchCondition.parse("2020-202106", vr: .DT) else {
            Issue.record("a DT range parses as a date-time range")
            return
        }
        #expect(range.lower?.year == 2020 && range.upper?.month == 6)
    }

    @Test func matchKeysUseTheDictionaryVRAndNameTheTagOnError() throws {
        #expect(try MatchKey(tag: .studyDate, queryValue: "20200101-")?.condition != nil)
        #expect(try MatchKey(tag: .patientName, queryValue: "") == nil)
        #expect(try MatchKey(tag: .modalitiesInStudy, queryValue: "CT\\MR")?.condition == .list(["CT", "MR"]))
        #expect(try MatchKey(tag: .modalitiesInStudy, queryValue: "CT")?.condition == .singleValue("CT"))
        do {
            _ = try MatchKey(tag: .studyDate, queryValue: "yesterday")
            Issue.record("an invalid date is refused")
        } catch {
            #expect(error.tag == .studyDate)
            #expect(!error.description.contains("yesterday"))
        }
    }

    @Test func queriesCollectReturnAndMatchingKeys() throws {
        var query = IndexQuery(level: .study)
        try query.addKey(.patientName, queryValue: "")
        try query.addKey(.studyDate, queryValue: "20200101-")
        #expect(query.returnKeys == [.patientName, .studyDate])
        #expect(query.matchKeys.map(\.tag) == [.studyDate])
    }

    @Test func catalogueLevelsAndMatchableAttributes() {
        #expect(QueryAttributeCatalogue.storageLevel(of: .patientName) == .patient)
        #expect(QueryAttributeCatalogue.storageLevel(of: .patientAge) == .study)
        #expect(QueryAttributeCatalogue.storageLevel(of: .modality) == .series)
        #expect(QueryAttributeCatalogue.storageLevel(of: .imageType) == .instance)
        #expect(QueryAttributeCatalogue.matchableAttribute(.modality, at: .study) == nil)
        #expect(QueryAttributeCatalogue.matchableAttribute(.modalitiesInStudy, at: .study)?.kind == .modalitiesInStudy)
        #expect(QueryAttributeCatalogue.matchableAttribute(.patientName, at: .instance)?.level == .patient)
        #expect(QueryAttributeCatalogue.matchableAttribute(.otherPatientNames, at: .patient) == nil)
        for level in QueryLevel.allCases {
            #expect(
                QueryAttributeCatalogue.requiredReturnKeys(of: level).contains(
                    QueryAttributeCatalogue.uniqueKey(of: level)))
        }
    }

    @Test func likePatternsEscapeTheValueAndKeepTheLiteralPrefix() {
        let pattern = LikePattern(wildcard: "A_%\\B*C?")
        #expect(pattern.pattern == "A\\_\\%\\\\B%C_")
        #expect(pattern.literalPrefix == "A_%\\B")
        #expect(LikePattern(wildcard: "*X").literalPrefix == "")
        #expect(!pattern.isPrefixMatch)
        #expect(LikePattern(wildcard: "DOE*").isPrefixMatch)
        #expect(LikePattern(wildcard: "DOE**").isPrefixMatch)
        #expect(!LikePattern(wildcard: "DOE").isPrefixMatch)
        #expect(!LikePattern(wildcard: "DOE*?").isPrefixMatch)
        #expect(!LikePattern(wildcard: "DOE*X*").isPrefixMatch)
        #expect(LikePattern.successor(of: "DOE") == "DOF")
        #expect(LikePattern.successor(of: "A\u{D7FF}") == "A\u{E000}")
        #expect(LikePattern.successor(of: "") == nil)
    }

    @Test func indexValueFormatsNormaliseDatesAndTimes() throws {
        #expect(IndexValueFormat.date("20200101") == "20200101")
        #expect(IndexValueFormat.date("2020.01.01") == "20200101")
        #expect(IndexValueFormat.date("2020") == nil)
        #expect(IndexValueFormat.time("1230") == "123000.000000")
        #expect(IndexValueFormat.time("12:30:15.5") == "123015.500000")
        #expect(IndexValueFormat.latestInstant(of: try #require(DICOMTime("12"))) == "125959.999999")
        #expect(IndexValueFormat.latestInstant(of: try #require(DICOMTime("1230"))) == "123059.999999")
        #expect(IndexValueFormat.latestInstant(of: try #require(DICOMTime("123015.5"))) == "123015.599999")
    }

    @Test func levelDocumentsSplitTheHeaderAndStoreTextAsUTF8() throws {
        var header = DataSet()
        try header.setStrings(["ISO_IR 100"], for: .specificCharacterSet, vr: .CS)
        try header.setStrings(["MÜLLER^JOSÉ"], for: .patientName, vr: .PN)
        try header.setStrings(["1.2.3"], for: .studyInstanceUID, vr: .UI)
        try header.setStrings(["CT"], for: .modality, vr: .CS)
        try header.setStrings(["ORIGINAL"], for: .imageType, vr: .CS)
        header.insert(DataElement(tag: Tag(group: 0x0009, element: 0x0010), vr: .LO, bytes: ByteBuffer(string: "ACME")))
        header.insert(DataElement(tag: Tag(group: 0x7FE0, element: 0x0010), vr: .OB, bytes: ByteBuffer(bytes: [1, 2])))
        #expect(header[.patientName]?.bytes?.readableBytes == 12)  // Latin-1: one byte per letter

        let documents = LevelDocuments(header: header)
        let patient = try LevelDocuments.decode(documents.patient)
        #expect(patient.string(.patientName) == "MÜLLER^JOSÉ")
        // Stored as UTF-8 whatever the header's character set; decoding says so.
        #expect(patient.string(.specificCharacterSet) == "ISO_IR 192")
        #expect(try LevelDocuments.decode(documents.study).string(.studyInstanceUID) == "1.2.3")
        #expect(try LevelDocuments.decode(documents.series).string(.modality) == "CT")
        let instance = try LevelDocuments.decode(documents.instance)
        #expect(instance.elements.map(\.tag) == [.imageType])
    }

    @Test("level documents encoded for a batch are reused only for the same attributes in the same character set")
    func levelDocumentsAreReusedWithinABatch() throws {
        func header(name: [UInt8], characterSet: String, study: String, sop: String) throws -> DataSet {
            var header = DataSet()
            try header.setStrings([characterSet], for: .specificCharacterSet, vr: .CS)
            header.insert(DataElement(tag: .patientName, vr: .PN, bytes: ByteBuffer(bytes: name)))
            try header.setStrings([study], for: .studyInstanceUID, vr: .UI)
            try header.setStrings(["CT"], for: .modality, vr: .CS)
            try header.setStrings([sop], for: .sopInstanceUID, vr: .UI)
            return header
        }
        // "MÜLLER" in Latin-1; the same bytes read as UTF-8 are not valid text, and must not share a document.
        let latin1Name: [UInt8] = [0x4D, 0xDC, 0x4C, 0x4C, 0x45, 0x52]
        let headers = [
            try header(name: latin1Name, characterSet: "ISO_IR 100", study: "1.2.3", sop: "1.2.3.1"),
            try header(name: latin1Name, characterSet: "ISO_IR 100", study: "1.2.3", sop: "1.2.3.2"),
            try header(name: latin1Name, characterSet: "ISO_IR 100", study: "1.2.4", sop: "1.2.4.1"),
            try header(name: latin1Name, characterSet: "ISO_IR 192", study: "1.2.4", sop: "1.2.4.2"),
        ]
        var encoded = LevelDocuments.EncodedLevels()
        let batch = headers.map { LevelDocuments(header: $0, reusing: &encoded) }
        // Whatever was reused, every header's documents are what it alone would give.
        #expect(batch == headers.map { LevelDocuments(header: $0) })
        #expect(batch[0].patient == batch[2].patient)
        #expect(batch[2].patient != batch[3].patient)
        #expect(batch[0].study != batch[2].study)
        #expect(batch[0].instance != batch[1].instance)
    }

    @Test func personNamesFoldForMatching() {
        #expect(PersonNameMatching.caseFolded("Müller^Zoë") == "MÜLLER^ZOË")
        #expect(PersonNameMatching.fuzzyWords("Müller-Lüdenscheidt^Zoë Anne") == " MULLER LUDENSCHEIDT ZOE ANNE")
        #expect(PersonNameMatching.fuzzyQueryWords("zo* mü") == ["ZO", "MU"])
    }
}
