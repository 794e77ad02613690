package import DICOMCore

/// The normalised text forms in which the index stores dates and times for matching, and the bounds of ranges in
/// the same forms, so that PS3.4 §C.2.2.2.5 range matching is a text comparison on an indexed column.
package enum IndexValueFormat {
    /// "YYYYMMDD" for a valid DA value (the ACR-NEMA "YYYY.MM.DD" form too), nil otherwise: the column stays NULL
    /// and the original value is kept in the attributes JSON.
    package static func date(_ text: String?) -> String? {
        guard let text, let date = DICOMDate(text.trimmingSpaces) else { return nil }
        return date.description
    }

    /// "HHMMSS.FFFFFF", the first instant of a valid TM value ("1230" is "123000.000000"), nil otherwise.
    package static func time(_ text: String?) -> String? {
        guard let text, let time = DICOMTime(text.trimmingSpaces) else { return nil }
        return earliestInstant(of: time)
    }

    /// The first instant the value denotes, as "HHMMSS.FFFFFF".
    package static func earliestInstant(of time: DICOMTime) -> String {
        format(
            hour: time.hour, minute: time.minute ?? 0, second: time.second ?? 0,
            microseconds: time.microseconds ?? 0)
    }

    /// The last instant the value denotes, as "HHMMSS.FFFFFF": "12" ends at "125959.999999", "1230.5" (one
    /// fraction digit) at "1230xx.599999".
    package static func latestInstant(of time: DICOMTime) -> String {
        guard let minute = time.minute else {
            return format(hour: time.hour, minute: 59, second: 59, microseconds: 999_999)
        }
        guard let second = time.second else {
            return format(hour: time.hour, minute: minute, second: 59, microseconds: 999_999)
        }
        guard let microseconds = time.microseconds, time.fractionDigits > 0 else {
            return format(hour: time.hour, minute: minute, second: second, microseconds: 999_999)
        }
        var unit = 1
        for _ in time.fractionDigits..<6 { unit *= 10 }
        return format(hour: time.hour, minute: minute, second: second, microseconds: microseconds + unit - 1)
    }

    private static func format(hour: Int, minute: Int, second: Int, microseconds: Int) -> String {
        digits(hour, 2) + digits(minute, 2) + digits(second, 2) + "." + digits(microseconds, 6)
    }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// The start of midnight, for the lower time of a combined date-time bound that gives no time.
    package static let startOfDay = "000000.000000"
    /// The end of the day, for the upper time of a combined date-time bound that gives no time.
    package static let endOfDay = "235959.999999"
}
