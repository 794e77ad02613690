/// A date and time with the precision it was written with and an optional offset from UTC: one value of a DT
/// element.
///
/// PS3.5 §6.2 (DT): "YYYY[MM[DD[HH[MM[SS[.F{1-6}]]]]]][&ZZXX]", where "&ZZXX" is "+" or "-" and an offset of
/// hours and minutes in the range -1200 ... +1400. The time part follows TM's rules (`DICOMTime`).
/// `description` writes the components that were given, so "2020" stays "2020"; an offset of "-0000" is written
/// "+0000".
///
/// ## Order
/// Values order by the earliest instant they denote: "2020" is 2020-01-01T00:00:00.000000, "20200101120000+0100"
/// is 11:00 UTC. A value without an offset is compared as if it were in UTC; PS3.5 says it is in the time zone of
/// Timezone Offset From UTC (0008,0201) or else the local zone of whoever wrote it, so compare values of different
/// data sets only after giving them a common offset (`init(year:month:day:time:utcOffsetMinutes:)`). Equal
/// instants order coarser precision first, then no offset before any offset, then by offset, so the order agrees
/// with `==`, which compares every component as written.
public struct DICOMDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0...9999.
    public let year: Int
    /// 1...12, nil when only the year was given.
    public let month: Int?
    /// 1...31 as the month allows, nil when no day was given.
    public let day: Int?
    /// The time of day, nil when no hour was given.
    public let time: DICOMTime?
    /// The offset from UTC in minutes, -720...840 (-1200 ... +1400); nil when the value has none.
    public let utcOffsetMinutes: Int?

    /// A date and time from its components; nil when a component is out of range, is given without the one before
    /// it, or the offset is outside -720...840 minutes.
    public init?(
        year: Int, month: Int? = nil, day: Int? = nil, time: DICOMTime? = nil, utcOffsetMinutes: Int? = nil
    ) {
        guard (0...9999).contains(year) else { return nil }
        if let month {
            guard let days = DICOMDate.daysInMonth(month, year: year) else { return nil }
            if let day {
                guard (1...days).contains(day) else { return nil }
            } else if time != nil {
                return nil
            }
        } else if day != nil || time != nil {
            return nil
        }
        if let utcOffsetMinutes {
            guard (-720...840).contains(utcOffsetMinutes) else { return nil }
        }
        self.year = year
        self.month = month
        self.day = day
        self.time = time
        self.utcOffsetMinutes = utcOffsetMinutes
    }

    /// A date and time from a DA value and an optional TM value, as in Study Date and Study Time; nil only when the
    /// offset is outside -720...840 minutes.
    public init?(date: DICOMDate, time: DICOMTime? = nil, utcOffsetMinutes: Int? = nil) {
        self.init(year: date.year, month: date.month, day: date.day, time: time, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// Parses one DT value, its padding already removed.
    ///
    /// PS3.5 §6.2 (DT). Returns nil for any other form: a partial component ("20201"), a fraction without seconds,
    /// more than six fraction digits, TM's ACR-NEMA colons, spaces, an offset that is not a sign and four digits or
    /// is out of range, and impossible dates and times.
    public init?(_ text: String) {
        guard let dateTime = DecimalString.withBytes(of: text, { DICOMDateTime(bytes: $0) }) else { return nil }
        self = dateTime
    }

    init?(bytes: DecimalString.Bytes) {
        var body = bytes
        var utcOffsetMinutes: Int?
        let isSign = { (byte: UInt8) in byte == DecimalString.ASCII.plus || byte == DecimalString.ASCII.minus }
        if let signIndex = bytes.firstIndex(where: isSign) {
            let signed = bytes[signIndex...]
            let offset = signed.dropFirst()
            guard offset.count == 4, let hours = DecimalString.digitsValue(offset, at: 0, count: 2),
                let minutes = DecimalString.digitsValue(offset, at: 2, count: 2), minutes < 60
            else { return nil }
            let magnitude = hours * 60 + minutes
            utcOffsetMinutes = signed.first == DecimalString.ASCII.minus ? -magnitude : magnitude
            body = bytes[..<signIndex]
        }
        let count = body.count
        guard count == 4 || count == 6 || count >= 8, let year = DecimalString.digitsValue(body, at: 0, count: 4)
        else { return nil }
        var month: Int?
        var day: Int?
        var time: DICOMTime?
        if count >= 6 {
            guard let value = DecimalString.digitsValue(body, at: 4, count: 2) else { return nil }
            month = value
        }
        if count >= 8 {
            guard let value = DecimalString.digitsValue(body, at: 6, count: 2) else { return nil }
            day = value
        }
        if count > 8 {
            guard let value = DICOMTime(bytes: body.dropFirst(8), acceptsACRNEMA: false) else { return nil }
            time = value
        }
        self.init(year: year, month: month, day: day, time: time, utcOffsetMinutes: utcOffsetMinutes)
    }

    /// The date, when the value has a day.
    public var date: DICOMDate? {
        guard let month, let day else { return nil }
        return DICOMDate(year: year, month: month, day: day)
    }

    /// The components as given, then the offset as "+HHMM" or "-HHMM" when there is one.
    public var description: String {
        var text = ""
        if let month, let day {
            DecimalString.appendDigits(of: year * 10_000 + month * 100 + day, width: 8, to: &text)
            time?.appendDescription(to: &text)
        } else if let month {
            DecimalString.appendDigits(of: year * 100 + month, width: 6, to: &text)
        } else {
            DecimalString.appendDigits(of: year, width: 4, to: &text)
        }
        if let utcOffsetMinutes {
            text += utcOffsetMinutes < 0 ? "-" : "+"
            let magnitude = abs(utcOffsetMinutes)
            DecimalString.appendDigits(of: magnitude / 60 * 100 + magnitude % 60, width: 4, to: &text)
        }
        return text
    }

    /// Earliest instant first; see the type's documentation for ties.
    public static func < (lhs: DICOMDateTime, rhs: DICOMDateTime) -> Bool {
        let lhsInstant = lhs.earliestInstant
        let rhsInstant = rhs.earliestInstant
        if lhsInstant != rhsInstant { return lhsInstant < rhsInstant }
        if lhs.precisionRank != rhs.precisionRank { return lhs.precisionRank < rhs.precisionRank }
        if lhs.utcOffsetMinutes != rhs.utcOffsetMinutes {
            guard let lhsOffset = lhs.utcOffsetMinutes else { return true }
            guard let rhsOffset = rhs.utcOffsetMinutes else { return false }
            return lhsOffset < rhsOffset
        }
        // Same instant, precision and offset: only a leap second (23:59:60 and the next day's 00:00:00) still differs.
        if (lhs.year, lhs.month ?? 0, lhs.day ?? 0) != (rhs.year, rhs.month ?? 0, rhs.day ?? 0) {
            return (lhs.year, lhs.month ?? 0, lhs.day ?? 0) < (rhs.year, rhs.month ?? 0, rhs.day ?? 0)
        }
        guard let lhsTime = lhs.time, let rhsTime = rhs.time else { return false }
        return lhsTime < rhsTime
    }

    private static let microsecondsPerDay = 86_400_000_000

    /// Microseconds from 1970-01-01T00:00:00 UTC to the first instant the value denotes, the offset applied (none
    /// counts as UTC): what the order compares first, and what a range's lower bound starts at (PS3.4 §C.2.2.2.5.3).
    public var earliestInstant: Int {
        let days = DICOMDate.daysSince1970(year: year, month: month ?? 1, day: day ?? 1)
        return days * Self.microsecondsPerDay + (time?.earliestMicrosecondOfDay ?? 0) - utcOffsetMicroseconds
    }

    /// Microseconds from 1970-01-01T00:00:00 UTC to the last instant the value denotes, the offset applied: "2020"
    /// ends at 2020-12-31T23:59:59.999999, "202002" at the end of 29 February. A range's upper bound ends there.
    public var latestInstant: Int {
        let endOfLocalTime: Int
        if let month, let day {
            let days = DICOMDate.daysSince1970(year: year, month: month, day: day)
            if let time {
                endOfLocalTime = days * Self.microsecondsPerDay + time.latestMicrosecondOfDay + 1
            } else {
                endOfLocalTime = (days + 1) * Self.microsecondsPerDay
            }
        } else if let month {
            let nextMonth =
                month == 12
                ? DICOMDate.daysSince1970(year: year + 1, month: 1, day: 1)
                : DICOMDate.daysSince1970(year: year, month: month + 1, day: 1)
            endOfLocalTime = nextMonth * Self.microsecondsPerDay
        } else {
            endOfLocalTime = DICOMDate.daysSince1970(year: year + 1, month: 1, day: 1) * Self.microsecondsPerDay
        }
        return endOfLocalTime - 1 - utcOffsetMicroseconds
    }

    private var utcOffsetMicroseconds: Int { (utcOffsetMinutes ?? 0) * 60_000_000 }

    /// 0 year, 1 month, 2 day, then 3 + the time's rank.
    private var precisionRank: Int {
        if let time { return 3 + time.precisionRank }
        if day != nil { return 2 }
        return month != nil ? 1 : 0
    }
}
