/// A calendar date: one value of a DA element.
///
/// PS3.5 §6.2 (DA): "YYYYMMDD" in the Gregorian calendar. The "YYYY.MM.DD" form of ACR-NEMA 300, which PS3.5 asks
/// readers to accept, is read too; `description` always writes "YYYYMMDD". Dates order chronologically. A value that
/// names no real day (month 13, 30 February, 29 February outside a leap year) is rejected.
public struct DICOMDate: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0...9999.
    public let year: Int
    /// 1...12.
    public let month: Int
    /// 1...28, 29, 30 or 31, as the month allows.
    public let day: Int

    /// A date from its components; nil when they name no day of the years 0000–9999.
    public init?(year: Int, month: Int, day: Int) {
        guard (0...9999).contains(year), let days = Self.daysInMonth(month, year: year), (1...days).contains(day) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses one DA value, "YYYYMMDD" or ACR-NEMA "YYYY.MM.DD", its padding already removed.
    ///
    /// PS3.5 §6.2 (DA). Returns nil for any other length or character (spaces included), and for impossible dates.
    public init?(_ text: String) {
        guard let date = DecimalString.withBytes(of: text, { DICOMDate(bytes: $0) }) else { return nil }
        self = date
    }

    init?(bytes: DecimalString.Bytes) {
        let monthOffset: Int
        let dayOffset: Int
        switch bytes.count {
        case 8:
            (monthOffset, dayOffset) = (4, 6)
        case 10:
            guard DecimalString.byte(bytes, at: 4) == DecimalString.ASCII.period,
                DecimalString.byte(bytes, at: 7) == DecimalString.ASCII.period
            else { return nil }
            (monthOffset, dayOffset) = (5, 8)
        default:
            return nil
        }
        guard let year = DecimalString.digitsValue(bytes, at: 0, count: 4),
            let month = DecimalString.digitsValue(bytes, at: monthOffset, count: 2),
            let day = DecimalString.digitsValue(bytes, at: dayOffset, count: 2)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    /// "YYYYMMDD".
    public var description: String {
        var text = ""
        DecimalString.appendDigits(of: year * 10_000 + month * 100 + day, width: 8, to: &text)
        return text
    }

    public static func < (lhs: DICOMDate, rhs: DICOMDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Whether the year has 366 days in the proleptic Gregorian calendar: divisible by 4, and not by 100 unless
    /// by 400.
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in the month of the year; nil when `month` is not 1...12.
    public static func daysInMonth(_ month: Int, year: Int) -> Int? {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeapYear(year) ? 29 : 28
        default: nil
        }
    }

    /// Days from 1970-01-01 to this date (negative before it).
    var daysSince1970: Int { Self.daysSince1970(year: year, month: month, day: day) }

    /// Days from 1970-01-01 to a proleptic Gregorian date, counted through 400-year eras that start on 1 March so
    /// that the leap day falls at the end of each year. Any year is accepted; month 1...12 and day 1...31 expected.
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let marchYear = month <= 2 ? year - 1 : year
        let era = (marchYear >= 0 ? marchYear : marchYear - 399) / 400
        let yearOfEra = marchYear - era * 400
        let monthFromMarch = (month + 9) % 12
        let dayOfYear = (153 * monthFromMarch + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
