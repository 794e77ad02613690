import DICOMCore
import Testing

@Suite("DICOMTime (TM)")
struct DICOMTimeTests {
    @Test(arguments: [
        ("12", 12, nil, nil, nil, 0),
        ("00", 0, nil, nil, nil, 0),
        ("23", 23, nil, nil, nil, 0),
        ("1230", 12, 30, nil, nil, 0),
        ("123045", 12, 30, 45, nil, 0),
        ("235960", 23, 59, 60, nil, 0),
        ("000000", 0, 0, 0, nil, 0),
        ("123045.1", 12, 30, 45, 100_000, 1),
        ("123045.12", 12, 30, 45, 120_000, 2),
        ("123045.123", 12, 30, 45, 123_000, 3),
        ("123045.0001", 12, 30, 45, 100, 4),
        ("123045.00001", 12, 30, 45, 10, 5),
        ("123045.123456", 12, 30, 45, 123_456, 6),
        ("123045.000000", 12, 30, 45, 0, 6),
        ("12:30", 12, 30, nil, nil, 0),
        ("12:30:45", 12, 30, 45, nil, 0),
        ("12:30:45.5", 12, 30, 45, 500_000, 1),
        ("07:05:03.123456", 7, 5, 3, 123_456, 6),
    ] as [(String, Int, Int?, Int?, Int?, Int)])
    func parsesValidTimes(
        text: String, hour: Int, minute: Int?, second: Int?, microseconds: Int?, fractionDigits: Int
    ) throws {
        let time = try #require(DICOMTime(text))
        #expect(time.hour == hour)
        #expect(time.minute == minute)
        #expect(time.second == second)
        #expect(time.microseconds == microseconds)
        #expect(time.fractionDigits == fractionDigits)
    }

    @Test(arguments: [
        "", "1", "123", "12345", "1234567", "24", "2400", "1260", "123061", "123045.", "123045.1234567",
        "1230.5", "12.5", "123045,5", " 1230", "1230 ", "12a0", "-1230", "+1230", "123045.12a", "12:3", "12:30:",
        "12:30:4", "12:30:45.", "12:30:45.1234567", "12:3045", "1230:45", "12:60", "24:00", "12:30:45:00", "１２",
        "123045.-1", "12 30",
    ])
    func rejectsInvalidTimes(text: String) {
        #expect(DICOMTime(text) == nil)
    }

    @Test(arguments: [
        "12", "1230", "123045", "123045.1", "123045.10", "123045.100", "123045.1000", "123045.10000",
        "123045.100000", "000000.000001", "235960.999999", "0000",
    ])
    func descriptionKeepsPrecision(text: String) throws {
        let time = try #require(DICOMTime(text))
        #expect(time.description == text)
        #expect(DICOMTime(time.description) == time)
    }

    @Test(arguments: [("12:30", "1230"), ("12:30:45", "123045"), ("12:30:45.50", "123045.50")])
    func acrNemaFormWritesStandardForm(acrNema: String, standard: String) throws {
        let time = try #require(DICOMTime(acrNema))
        #expect(time.description == standard)
        #expect(time == DICOMTime(standard))
    }

    @Test func precisionIsPartOfEquality() {
        #expect(DICOMTime("12") != DICOMTime("1200"))
        #expect(DICOMTime("123045.1") != DICOMTime("123045.100000"))
        #expect(DICOMTime("123045.1") == DICOMTime(hour: 12, minute: 30, second: 45, microseconds: 100_000,
            fractionDigits: 1))
    }

    @Test func componentInitValidates() {
        #expect(DICOMTime(hour: 24) == nil)
        #expect(DICOMTime(hour: -1) == nil)
        #expect(DICOMTime(hour: 12, second: 5) == nil)
        #expect(DICOMTime(hour: 12, minute: 5, microseconds: 5) == nil)
        #expect(DICOMTime(hour: 12, minute: 60) == nil)
        #expect(DICOMTime(hour: 12, minute: 0, second: 61) == nil)
        #expect(DICOMTime(hour: 12, minute: 0, second: 0, microseconds: 1_000_000) == nil)
        #expect(DICOMTime(hour: 12, minute: 0, second: 0, microseconds: 123_456, fractionDigits: 3) == nil)
        #expect(DICOMTime(hour: 12, minute: 0, second: 0, microseconds: 5, fractionDigits: 7) == nil)
        #expect(DICOMTime(hour: 12, fractionDigits: 2) == nil)
        #expect(DICOMTime(hour: 12, minute: 0, second: 0, microseconds: 5)?.description == "120000.000005")
        #expect(DICOMTime(hour: 12, minute: 0, second: 0, microseconds: 250_000, fractionDigits: 2)?.description
            == "120000.25")
    }

    @Test func ordersByEarliestInstantThenPrecision() throws {
        let texts = ["1300", "12", "1200", "120000", "120000.0", "115959.999999", "120000.000001", "235960", "00"]
        let times = try texts.map { try #require(DICOMTime($0)) }
        #expect(times.sorted().map(\.description) == [
            "00", "115959.999999", "12", "1200", "120000", "120000.0", "120000.000001", "1300", "235960",
        ])
    }

    @Test(arguments: [
        ("12", 43_200_000_000, 46_800_000_000 - 1),
        ("1230", 45_000_000_000, 45_060_000_000 - 1),
        ("123045", 45_045_000_000, 45_046_000_000 - 1),
        ("123045.5", 45_045_500_000, 45_045_600_000 - 1),
        ("123045.123456", 45_045_123_456, 45_045_123_456),
        ("00", 0, 3_600_000_000 - 1),
        ("235960", 86_400_000_000, 86_401_000_000 - 1),
    ])
    func microsecondsOfDayCoverThePeriodWritten(text: String, earliest: Int, latest: Int) throws {
        let time = try #require(DICOMTime(text))
        #expect(time.earliestMicrosecondOfDay == earliest)
        #expect(time.latestMicrosecondOfDay == latest)
    }

    @Test func leapSecondOrdersBeforeTheNextMinute() throws {
        let leap = try #require(DICOMTime("120060"))
        let next = try #require(DICOMTime("120100"))
        #expect(leap < next)
        #expect(!(next < leap))
        #expect(leap != next)
    }
}
