import DICOMCore
import Testing

@Suite("DICOMDate (DA)")
struct DICOMDateTests {
    @Test(arguments: [
        ("20200101", 2020, 1, 1),
        ("19991231", 1999, 12, 31),
        ("00010101", 1, 1, 1),
        ("99991231", 9999, 12, 31),
        ("20240229", 2024, 2, 29),
        ("20000229", 2000, 2, 29),
        ("20230430", 2023, 4, 30),
        ("2020.01.02", 2020, 1, 2),
        ("1993.08.22", 1993, 8, 22),
    ])
    func parsesValidDates(text: String, year: Int, month: Int, day: Int) throws {
        let date = try #require(DICOMDate(text))
        #expect(date.year == year)
        #expect(date.month == month)
        #expect(date.day == day)
    }

    @Test(arguments: [
        "", "2020", "202001", "2020010", "202001011", "20200001", "20201301", "20200100", "20200132", "20200431",
        "20230229", "19000229", "21000229", "2020-01-01", "2020.0101", "202001.01", "2020/01/01", " 20200101",
        "20200101 ", "2020010a", "+2020101", "-2020101", "２０２００１０１", "20200101\0", "1e100101", "2020.1.1",
        "00000000",
    ])
    func rejectsInvalidDates(text: String) {
        #expect(DICOMDate(text) == nil)
    }

    @Test(arguments: [
        (2000, true), (2004, true), (2024, true), (1900, false), (2100, false), (2023, false), (1600, true),
        (0, true),
    ])
    func leapYears(year: Int, isLeap: Bool) {
        #expect(DICOMDate.isLeapYear(year) == isLeap)
        #expect(DICOMDate.daysInMonth(2, year: year) == (isLeap ? 29 : 28))
        #expect((DICOMDate(year: year, month: 2, day: 29) != nil) == isLeap)
    }

    @Test func daysInMonth() {
        let lengths = (1...12).map { DICOMDate.daysInMonth($0, year: 2023) }
        #expect(lengths == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
        #expect(DICOMDate.daysInMonth(0, year: 2023) == nil)
        #expect(DICOMDate.daysInMonth(13, year: 2023) == nil)
    }

    @Test(arguments: ["20200101", "19991231", "00010101", "99991231", "20240229", "18500607"])
    func roundTrips(text: String) throws {
        let date = try #require(DICOMDate(text))
        #expect(date.description == text)
        #expect(DICOMDate(date.description) == date)
    }

    @Test func acrNemaFormWritesStandardForm() throws {
        #expect(try #require(DICOMDate("2020.03.04")).description == "20200304")
        #expect(DICOMDate("2020.03.04") == DICOMDate("20200304"))
    }

    @Test func componentInitValidates() {
        #expect(DICOMDate(year: 2020, month: 2, day: 30) == nil)
        #expect(DICOMDate(year: -1, month: 1, day: 1) == nil)
        #expect(DICOMDate(year: 10_000, month: 1, day: 1) == nil)
        #expect(DICOMDate(year: 2020, month: 1, day: 0) == nil)
        #expect(DICOMDate(year: 5, month: 6, day: 7)?.description == "00050607")
    }

    @Test func ordersChronologically() throws {
        let texts = ["20201231", "19991231", "20200101", "20200131", "20200201", "00010101"]
        let dates = try texts.map { try #require(DICOMDate($0)) }
        #expect(dates.sorted().map(\.description) == texts.sorted())
        #expect(try #require(DICOMDate("20200131")) < #require(DICOMDate("20200201")))
    }
}
