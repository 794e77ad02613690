import DICOMCore
import Testing

@Suite("DICOMRange (PS3.4 §C.2.2.2.5 range matching)")
struct DICOMRangeTests {
    // MARK: DA

    @Test(arguments: [
        ("20200101-20201231", "20200101", "20201231"),
        ("-20201231", nil, "20201231"),
        ("20200101-", "20200101", nil),
        ("20200101 - 20201231", "20200101", "20201231"),
        (" 20200101- ", "20200101", nil),
        ("20200101-20200101", "20200101", "20200101"),
        ("20200101", "20200101", "20200101"),
        ("2020.01.01-2020.12.31", "20200101", "20201231"),
    ] as [(String, String?, String?)])
    func parsesDateRanges(text: String, lower: String?, upper: String?) throws {
        let range = try #require(DICOMRange<DICOMDate>(text))
        #expect(range.lower?.description == lower)
        #expect(range.upper?.description == upper)
    }

    @Test(arguments: [
        "", "-", " - ", "20201231-20200101", "2020-", "20200101--20201231", "20200101-20201231-",
        "-20200101-", "20200230-", "20200101-2020123", "20200101/20201231", "20200101-20201231-20211231",
    ])
    func rejectsInvalidDateRanges(text: String) {
        #expect(DICOMRange<DICOMDate>(text) == nil)
    }

    @Test(arguments: [
        ("20200101-20201231", "20200101", true),
        ("20200101-20201231", "20201231", true),
        ("20200101-20201231", "20200615", true),
        ("20200101-20201231", "20191231", false),
        ("20200101-20201231", "20210101", false),
        ("-20201231", "19000101", true),
        ("-20201231", "20210101", false),
        ("20200101-", "99991231", true),
        ("20200101-", "20191231", false),
        ("20200101", "20200101", true),
        ("20200101", "20200102", false),
    ])
    func dateRangeContains(range: String, date: String, contains: Bool) throws {
        let range = try #require(DICOMRange<DICOMDate>(range))
        #expect(range.contains(try #require(DICOMDate(date))) == contains)
    }

    @Test(arguments: [
        ("20200101-20201231", "20200101-20201231"),
        ("-20201231", "-20201231"),
        ("20200101-", "20200101-"),
        ("20200101", "20200101"),
        ("20200101-20200101", "20200101"),
        ("2020.01.01 - 2020.12.31", "20200101-20201231"),
    ])
    func describesDateRanges(text: String, description: String) throws {
        let range = try #require(DICOMRange<DICOMDate>(text))
        #expect(range.description == description)
        #expect(DICOMRange<DICOMDate>(range.description) == range)
    }

    @Test func singleValue() throws {
        let date = try #require(DICOMDate("20200101"))
        let range = DICOMRange(singleValue: date)
        #expect(range.isSingleValue)
        #expect(range == DICOMRange<DICOMDate>("20200101"))
        #expect(!(try #require(DICOMRange<DICOMDate>("20200101-"))).isSingleValue)
        #expect(!DICOMRange<DICOMDate>(lower: nil, upper: nil).isSingleValue)
    }

    @Test func genericContainsUsesTheBoundsOrder() {
        #expect(DICOMRange(lower: 1, upper: 5).contains(1))
        #expect(DICOMRange(lower: 1, upper: 5).contains(5))
        #expect(!DICOMRange(lower: 1, upper: 5).contains(6))
        #expect(DICOMRange(lower: nil, upper: 5).contains(-100))
        #expect(DICOMRange<Int>(lower: nil, upper: nil).contains(42))
        #expect(!DICOMRange(lower: 5, upper: 1).contains(3))
    }

    // MARK: TM

    @Test(arguments: [
        ("0800-1200", "0800", "1200"),
        ("-1200", nil, "1200"),
        ("0800-", "0800", nil),
        ("080000.000-120000.999999", "080000.000", "120000.999999"),
        ("12", "12", "12"),
        ("1230-12", "1230", "12"),
        ("08:00-12:00:00", "0800", "120000"),
    ] as [(String, String?, String?)])
    func parsesTimeRanges(text: String, lower: String?, upper: String?) throws {
        let range = try #require(DICOMRange<DICOMTime>(text))
        #expect(range.lower?.description == lower)
        #expect(range.upper?.description == upper)
    }

    @Test(arguments: ["", "-", "2200-0200", "1300-1259", "0800--1200", "0800-12000", "25-", "0800-1200-1300"])
    func rejectsInvalidTimeRanges(text: String) {
        #expect(DICOMRange<DICOMTime>(text) == nil)
    }

    @Test(arguments: [
        ("0800-1200", "0800", true),
        ("0800-1200", "075959.999999", false),
        ("0800-1200", "1200", true),
        ("0800-1200", "120059.999999", true),
        ("0800-1200", "1201", false),
        ("-12", "125959", true),
        ("-12", "13", false),
        ("12", "1259", true),
        ("12", "1300", false),
        ("12", "115959", false),
        ("120000.5", "120000.5", true),
        ("120000.5", "120000.599999", true),
        ("120000.5", "120000.6", false),
        ("1230-", "2359", true),
        ("1230-", "122959", false),
        ("-000000", "000000.999999", true),
        ("-000000", "000001", false),
    ])
    func timeRangeContainsThePeriodOfItsBounds(range: String, time: String, contains: Bool) throws {
        let range = try #require(DICOMRange<DICOMTime>(range))
        #expect(range.contains(try #require(DICOMTime(time))) == contains)
    }

    // MARK: DT

    @Test(arguments: [
        ("20200101-20201231", "20200101", "20201231"),
        ("2020-2021", "2020", "2021"),
        ("-202012", nil, "202012"),
        ("20200101120000+0100-", "20200101120000+0100", nil),
        ("20200101120000-0500-", "20200101120000-0500", nil),
        ("-20200101120000-0500", nil, "20200101120000-0500"),
        ("20200101-0500-20200102-0500", "20200101-0500", "20200102-0500"),
        ("20200101-0500-20200102", "20200101-0500", "20200102"),
        ("20200101-20200102-0500", "20200101", "20200102-0500"),
        ("20200101+0100-20200102+0100", "20200101+0100", "20200102+0100"),
        ("20200101-0500", "20200101-0500", "20200101-0500"),
        ("20200101", "20200101", "20200101"),
    ] as [(String, String?, String?)])
    func parsesDateTimeRanges(text: String, lower: String?, upper: String?) throws {
        let range = try #require(DICOMRange<DICOMDateTime>(text))
        #expect(range.lower?.description == lower)
        #expect(range.upper?.description == upper)
        #expect(DICOMRange<DICOMDateTime>(range.description) == range)
    }

    @Test(arguments: [
        "", "-", "2021-2020", "20200102-20200101", "20200101--20200102", "20200101-0500-0500-", "2020-20201",
        "20200101120000-1300-", "20201301-",
    ])
    func rejectsInvalidDateTimeRanges(text: String) {
        #expect(DICOMRange<DICOMDateTime>(text) == nil)
    }

    @Test(arguments: [
        ("2020-2021", "20200101000000", true),
        ("2020-2021", "20211231235959.999999", true),
        ("2020-2021", "20220101", false),
        ("2020-2021", "20191231235959.999999", false),
        ("-202002", "20200229235959", true),
        ("-202002", "20200301", false),
        ("-2019", "20191231235959.999999", true),
        ("20200101-", "2020", true),
        ("2020", "20200615", true),
        ("2020", "2021", false),
        // Offsets are taken into account: 10:00 in New York is 15:00 UTC.
        ("20200101140000+0000-20200101160000+0000", "20200101100000-0500", true),
        ("20200101140000+0000-20200101160000+0000", "20200101120000-0500", false),
        ("-20200101120000+0100", "20200101110000+0000", true),
        ("-20200101120000+0100", "20200101110001+0000", false),
        ("-2020123123-1200", "20210101105959+0000", true),
        ("-2020123123-1200", "20210101120000+0000", false),
    ])
    func dateTimeRangeContains(range: String, dateTime: String, contains: Bool) throws {
        let range = try #require(DICOMRange<DICOMDateTime>(range))
        #expect(range.contains(try #require(DICOMDateTime(dateTime))) == contains)
    }
}
