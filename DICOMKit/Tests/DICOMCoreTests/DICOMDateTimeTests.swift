import DICOMCore
import Testing

@Suite("DICOMDateTime (DT)")
struct DICOMDateTimeTests {
    @Test(arguments: [
        ("2020", 2020, nil, nil, nil, nil),
        ("202002", 2020, 2, nil, nil, nil),
        ("20200229", 2020, 2, 29, nil, nil),
        ("2020022913", 2020, 2, 29, "13", nil),
        ("202002291304", 2020, 2, 29, "1304", nil),
        ("20200229130405", 2020, 2, 29, "130405", nil),
        ("20200229130405.1", 2020, 2, 29, "130405.1", nil),
        ("20200229130405.123456", 2020, 2, 29, "130405.123456", nil),
        ("20200229130405.123456+0100", 2020, 2, 29, "130405.123456", 60),
        ("20200229130405-0500", 2020, 2, 29, "130405", -300),
        ("2020+0545", 2020, nil, nil, nil, 345),
        ("202002-1200", 2020, 2, nil, nil, -720),
        ("2020022913+1400", 2020, 2, 29, "13", 840),
        ("20200101000000+0000", 2020, 1, 1, "000000", 0),
        ("20161231235960", 2016, 12, 31, "235960", nil),
    ] as [(String, Int, Int?, Int?, String?, Int?)])
    func parsesValidDateTimes(
        text: String, year: Int, month: Int?, day: Int?, time: String?, utcOffsetMinutes: Int?
    ) throws {
        let dateTime = try #require(DICOMDateTime(text))
        #expect(dateTime.year == year)
        #expect(dateTime.month == month)
        #expect(dateTime.day == day)
        #expect(dateTime.time?.description == time)
        #expect(dateTime.utcOffsetMinutes == utcOffsetMinutes)
    }

    @Test(arguments: [
        "", "202", "20201", "2020011", "202001011", "20200101123", "2020010112345", "20200101123045.",
        "20200101123045.1234567", "202001011230.5", "20201301", "20200230", "20190229", "2020010124",
        "202001011260", "20200101125961", "2020+01", "2020+01000", "2020+1500", "2020-1300", "2020+1401",
        "2020-1201", "2020+0160", "2020+", "2020-", "+0100", "20200101 ", " 20200101", "2020010112:30:00",
        "20200101T120000", "2020-01-01", "20200101120000Z", "20200101120000+01:00", "2020+0100+0100", "abcd",
    ])
    func rejectsInvalidDateTimes(text: String) {
        #expect(DICOMDateTime(text) == nil)
    }

    @Test(arguments: [
        "2020", "202002", "20200229", "2020022913", "202002291304", "20200229130405", "20200229130405.1",
        "20200229130405.100", "20200229130405.123456", "20200229130405.123456+0100", "20200229130405-0500",
        "2020+0545", "202002-1200", "2020022913+1400", "00010101", "99991231235959.999999+1400",
    ])
    func roundTrips(text: String) throws {
        let dateTime = try #require(DICOMDateTime(text))
        #expect(dateTime.description == text)
        #expect(DICOMDateTime(dateTime.description) == dateTime)
    }

    @Test func negativeZeroOffsetIsWrittenPositive() throws {
        #expect(try #require(DICOMDateTime("20200101-0000")).description == "20200101+0000")
    }

    @Test func combinesDateAndTime() throws {
        let date = try #require(DICOMDate("20200315"))
        let time = try #require(DICOMTime("0830"))
        let dateTime = try #require(DICOMDateTime(date: date, time: time, utcOffsetMinutes: -240))
        #expect(dateTime.description == "202003150830-0400")
        #expect(dateTime.date == date)
        #expect(DICOMDateTime(date: date)?.description == "20200315")
        #expect(DICOMDateTime(date: date, utcOffsetMinutes: 900) == nil)
        #expect(DICOMDateTime("2020")?.date == nil)
        #expect(DICOMDateTime("202003")?.date == nil)
    }

    @Test func componentInitValidates() throws {
        let time = try #require(DICOMTime("12"))
        #expect(DICOMDateTime(year: 2020, day: 1) == nil)
        #expect(DICOMDateTime(year: 2020, month: 1, time: time) == nil)
        #expect(DICOMDateTime(year: 2020, time: time) == nil)
        #expect(DICOMDateTime(year: 2020, month: 13) == nil)
        #expect(DICOMDateTime(year: 2020, month: 4, day: 31) == nil)
        #expect(DICOMDateTime(year: 10_000) == nil)
        #expect(DICOMDateTime(year: 2020, utcOffsetMinutes: -721) == nil)
        #expect(DICOMDateTime(year: 2020, utcOffsetMinutes: 841) == nil)
        #expect(DICOMDateTime(year: 2020, month: 4, day: 30, time: time)?.description == "2020043012")
    }

    @Test(arguments: [
        // Same instant written in two zones: ordered by offset, never equal.
        ("20200101120000+0100", "20200101110000+0000", false),
        ("20200101110000+0000", "20200101120000+0100", true),
        // 12:00 in New York is after 12:00 in London.
        ("20200101120000+0000", "20200101120000-0500", true),
        ("20200101120000-0500", "20200101120000+0000", false),
        // Partial values compare as their first instant, then coarser first.
        ("2020", "20200101", true),
        ("20200101", "2020", false),
        ("2020", "20191231235959.999999", false),
        ("202001", "20200101000000.000001", true),
        // No offset counts as UTC, and orders before an explicit +0000.
        ("20200101120000", "20200101120000+0000", true),
        ("20200101120000+0000", "20200101120000", false),
        // A leap second is the same instant as the next day's midnight.
        ("20161231235960", "20170101000000", true),
        ("20170101000000", "20161231235960", false),
    ])
    func ordersByEarliestInstant(lhs: String, rhs: String, isLess: Bool) throws {
        let left = try #require(DICOMDateTime(lhs))
        let right = try #require(DICOMDateTime(rhs))
        #expect((left < right) == isLess)
    }

    @Test(arguments: [
        ("19700101", 0, 86_400_000_000 - 1),
        ("1970", 0, 365 * 86_400_000_000 - 1),
        ("197002", 31 * 86_400_000_000, 59 * 86_400_000_000 - 1),
        ("19700101000000+0100", -3_600_000_000, -3_600_000_000 + 999_999),
        ("19691231230000-0100", 0, 999_999),
        ("20000229", 951_782_400_000_000, 951_868_800_000_000 - 1),
        ("2000022912", 951_825_600_000_000, 951_829_200_000_000 - 1),
        ("20000229120000.5", 951_825_600_500_000, 951_825_600_599_999),
        ("1969", -365 * 86_400_000_000, -1),
        ("16000301", -11_670_912_000_000_000, -11_670_825_600_000_000 - 1),
    ])
    func instantsAreMicrosecondsSince1970(text: String, earliest: Int, latest: Int) throws {
        let dateTime = try #require(DICOMDateTime(text))
        #expect(dateTime.earliestInstant == earliest)
        #expect(dateTime.latestInstant == latest)
    }

    @Test func sortingIsConsistentWithEquality() throws {
        let texts = [
            "2021", "2020", "202001", "20200101", "2020010100", "202001010000", "20200101000000",
            "20200101000000.0", "20200101000000+0000", "20200101010000+0100", "20191231230000-0100",
            "20200101000000.000001", "19700101", "20161231235960", "20170101000000",
        ]
        let values = try texts.map { try #require(DICOMDateTime($0)) }
        let sorted = values.sorted()
        for (earlier, later) in zip(sorted, sorted.dropFirst()) {
            #expect(earlier < later)
            #expect(!(later < earlier))
            #expect(earlier != later)
        }
        #expect(Set(values).count == texts.count)
        #expect(sorted.first?.description == "19700101")
        #expect(sorted.last?.description == "2021")
    }
}
