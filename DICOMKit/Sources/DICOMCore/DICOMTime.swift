/// A time of day with the precision it was written with: one value of a TM element.
///
/// PS3.5 §6.2 (TM): "HH", "HHMM", "HHMMSS" or "HHMMSS.F" to "HHMMSS.FFFFFF"; hours 00–23, minutes 00–59, seconds
/// 00–60 (60 for a leap second). The ACR-NEMA 300 form "HH:MM:SS.frac", which PS3.5 asks readers to accept, is read
/// too. `description` writes the standard form with the components and fraction digits that were given, so
/// "1230" stays "1230" and "123000.10" keeps both fraction digits.
///
/// Times order by the earliest instant they denote ("12" is 12:00:00.000000); equal instants order coarser
/// precision first, so the order agrees with `==`, which compares the precision too.
public struct DICOMTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// 0...23.
    public let hour: Int
    /// 0...59, nil when only the hour was given.
    public let minute: Int?
    /// 0...60, nil when no seconds were given.
    public let second: Int?
    /// The fraction of the second in microseconds, 0...999_999; nil when no fraction was given.
    public let microseconds: Int?
    /// How many fraction digits were given, 1...6; 0 when there is no fraction.
    public let fractionDigits: Int

    /// A time from its components; nil when a component is out of range, a component is given without the one
    /// before it, or `microseconds` has more precision than `fractionDigits` can write.
    ///
    /// `fractionDigits` defaults to 6 when `microseconds` is given.
    public init?(
        hour: Int, minute: Int? = nil, second: Int? = nil, microseconds: Int? = nil, fractionDigits: Int? = nil
    ) {
        guard (0...23).contains(hour) else { return nil }
        if let minute {
            guard (0...59).contains(minute) else { return nil }
        } else if second != nil {
            return nil
        }
        if let second {
            guard (0...60).contains(second) else { return nil }
        } else if microseconds != nil {
            return nil
        }
        let digits: Int
        if let microseconds {
            digits = fractionDigits ?? 6
            guard (1...6).contains(digits), (0...999_999).contains(microseconds),
                microseconds % Self.microsecondsPerFractionUnit(digits: digits) == 0
            else { return nil }
        } else {
            guard fractionDigits == nil || fractionDigits == 0 else { return nil }
            digits = 0
        }
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microseconds = microseconds
        self.fractionDigits = digits
    }

    /// Parses one TM value, its padding already removed.
    ///
    /// PS3.5 §6.2 (TM). Accepts "HH", "HHMM", "HHMMSS", "HHMMSS.F{1-6}" and the ACR-NEMA forms "HH:MM",
    /// "HH:MM:SS" and "HH:MM:SS.F{1-6}". Returns nil for anything else, spaces and a "." without digits included, and
    /// for out-of-range components.
    public init?(_ text: String) {
        guard let time = DecimalString.withBytes(of: text, { DICOMTime(bytes: $0, acceptsACRNEMA: true) }) else {
            return nil
        }
        self = time
    }

    /// Parses the standard form, and the ACR-NEMA form with colons when `acceptsACRNEMA` (not within DT).
    init?(bytes: DecimalString.Bytes, acceptsACRNEMA: Bool) {
        let isACRNEMA = DecimalString.byte(bytes, at: 2) == DecimalString.ASCII.colon
        if isACRNEMA && !acceptsACRNEMA { return nil }
        // Offsets of the minute, the second and the fraction's period; ACR-NEMA puts a colon before the first two.
        let (minuteOffset, secondOffset, periodOffset) = isACRNEMA ? (3, 6, 8) : (2, 4, 6)
        let count = bytes.count
        switch count {
        case 2, minuteOffset + 2, secondOffset + 2, (periodOffset + 2)...(periodOffset + 7): break
        default: return nil
        }
        guard let hour = DecimalString.digitsValue(bytes, at: 0, count: 2) else { return nil }
        var minute: Int?
        var second: Int?
        var microseconds: Int?
        var fractionDigits: Int?
        if count > 2 {
            guard let value = DecimalString.digitsValue(bytes, at: minuteOffset, count: 2) else { return nil }
            minute = value
        }
        if count > minuteOffset + 2 {
            if isACRNEMA && DecimalString.byte(bytes, at: 5) != DecimalString.ASCII.colon { return nil }
            guard let value = DecimalString.digitsValue(bytes, at: secondOffset, count: 2) else { return nil }
            second = value
        }
        if count > secondOffset + 2 {
            let digits = count - periodOffset - 1
            guard DecimalString.byte(bytes, at: periodOffset) == DecimalString.ASCII.period,
                let value = DecimalString.digitsValue(bytes, at: periodOffset + 1, count: digits)
            else { return nil }
            microseconds = value * Self.microsecondsPerFractionUnit(digits: digits)
            fractionDigits = digits
        }
        self.init(
            hour: hour, minute: minute, second: second, microseconds: microseconds, fractionDigits: fractionDigits)
    }

    /// "HH", "HHMM", "HHMMSS" or "HHMMSS.F…" with the given number of fraction digits.
    public var description: String {
        var text = ""
        appendDescription(to: &text)
        return text
    }

    func appendDescription(to text: inout String) {
        guard let minute else { return DecimalString.appendDigits(of: hour, width: 2, to: &text) }
        guard let second else { return DecimalString.appendDigits(of: hour * 100 + minute, width: 4, to: &text) }
        DecimalString.appendDigits(of: hour * 10_000 + minute * 100 + second, width: 6, to: &text)
        guard let microseconds, fractionDigits > 0 else { return }
        text += "."
        DecimalString.appendDigits(
            of: microseconds / Self.microsecondsPerFractionUnit(digits: fractionDigits), width: fractionDigits,
            to: &text)
    }

    public static func < (lhs: DICOMTime, rhs: DICOMTime) -> Bool {
        let lhsInstant = lhs.earliestMicrosecondOfDay
        let rhsInstant = rhs.earliestMicrosecondOfDay
        if lhsInstant != rhsInstant { return lhsInstant < rhsInstant }
        if lhs.precisionRank != rhs.precisionRank { return lhs.precisionRank < rhs.precisionRank }
        // Same instant and precision: only a leap second (12:00:60 and 12:01:00) still differs.
        return (lhs.hour, lhs.minute ?? 0) < (rhs.hour, rhs.minute ?? 0)
    }

    /// Microseconds from midnight to the first instant the value denotes, missing components taken as zero: what
    /// the order compares, and what a range's lower bound starts at (PS3.4 §C.2.2.2.5.2).
    public var earliestMicrosecondOfDay: Int {
        hour * 3_600_000_000 + (minute ?? 0) * 60_000_000 + (second ?? 0) * 1_000_000 + (microseconds ?? 0)
    }

    /// Microseconds from midnight to the last instant the value denotes: "12" ends at 12:59:59.999999, "123045.5"
    /// at 12:30:45.599999. A range's upper bound ends there (PS3.4 §C.2.2.2.5.2).
    public var latestMicrosecondOfDay: Int {
        let span =
            if minute == nil {
                3_600_000_000
            } else if second == nil {
                60_000_000
            } else if microseconds == nil {
                1_000_000
            } else {
                Self.microsecondsPerFractionUnit(digits: fractionDigits)
            }
        return earliestMicrosecondOfDay + span - 1
    }

    /// 0 for hours only, 1 with minutes, 2 with seconds, 2 + fraction digits with a fraction.
    var precisionRank: Int {
        if minute == nil { return 0 }
        if second == nil { return 1 }
        return 2 + fractionDigits
    }

    /// The microseconds that the last of `digits` fraction digits stands for: 100 000 for one digit, 1 for six.
    static func microsecondsPerFractionUnit(digits: Int) -> Int {
        switch digits {
        case 1: 100_000
        case 2: 10_000
        case 3: 1_000
        case 4: 100
        case 5: 10
        default: 1
        }
    }
}
