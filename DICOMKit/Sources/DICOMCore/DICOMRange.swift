/// An inclusive range of dates, times or date-times as a query key gives it for range matching, or a single value.
///
/// PS3.4 §C.2.2.2.5: "<a>-<b>" matches values from a to b inclusive, "-<b>" values up to and including b, "<a>-"
/// values from a on. A key without a hyphen is single value matching (PS3.4 §C.2.2.2.1) and is kept as a range
/// whose bounds are equal; `description` writes it back without a hyphen. A nil bound is open.
///
/// Parse with `DICOMRange<DICOMDate>("20200101-20201231")`, `DICOMRange<DICOMTime>("0800-1200")` or
/// `DICOMRange<DICOMDateTime>("20200101-0500-")`. For times and date-times, `contains(_:)` treats each bound as the
/// period it denotes, so "-12" includes 12:59 and "2020-2021" runs to the end of 2021.
public struct DICOMRange<Bound: Comparable & Sendable & Hashable>: Hashable, Sendable {
    /// The first value matched, nil for no lower limit.
    public var lower: Bound?
    /// The last value matched, nil for no upper limit.
    public var upper: Bound?

    /// A range with the bounds as given, unchecked: a range whose lower bound is above its upper one matches nothing.
    public init(lower: Bound?, upper: Bound?) {
        self.lower = lower
        self.upper = upper
    }

    /// Single value matching: both bounds are the value.
    public init(singleValue value: Bound) {
        self.init(lower: value, upper: value)
    }

    /// Whether both bounds are the same value, as when parsed from a key without a hyphen.
    public var isSingleValue: Bool { lower != nil && lower == upper }

    /// Whether `value` lies between the bounds, inclusive, by `Bound`'s order.
    ///
    /// `DICOMRange<DICOMTime>` and `DICOMRange<DICOMDateTime>` have their own `contains(_:)` that widens the upper
    /// bound to the end of the period it denotes; this one applies when `Bound` is only known to be `Comparable`.
    public func contains(_ value: Bound) -> Bool {
        if let lower, value < lower { return false }
        if let upper, upper < value { return false }
        return true
    }

    /// Splits a range key and parses its bounds.
    ///
    /// A key that is one valid value is a single value; otherwise each hyphen, left to right, is tried as the
    /// separator, and the first that leaves two valid, ordered bounds (or one valid bound and nothing) wins. Trying
    /// every hyphen is what lets a DT bound carry a negative offset ("20200101-0500-20200102-0500"). Spaces around
    /// the key and around the hyphen are ignored. A DT key that reads both ways is a single value: "1000-1100" is the
    /// year 1000 at UTC-11:00, not the years 1000 to 1100, and "20200101-0500" a day at UTC-05:00.
    private static func parse(
        _ text: String, bound: (DecimalString.Bytes) -> Bound?, isOrdered: (Bound, Bound) -> Bool
    ) -> DICOMRange? {
        DecimalString.withBytes(of: text) { untrimmed in
            let bytes = DecimalString.trimmingSpaces(untrimmed)
            if let value = bound(bytes) { return DICOMRange(singleValue: value) }
            var remaining = bytes
            while let hyphen = remaining.firstIndex(of: DecimalString.ASCII.minus) {
                remaining = remaining[hyphen...].dropFirst()
                let lowerText = DecimalString.trimmingSpaces(bytes[..<hyphen])
                let upperText = DecimalString.trimmingSpaces(remaining)
                if lowerText.isEmpty && upperText.isEmpty { return nil }
                let lower = lowerText.isEmpty ? nil : bound(lowerText)
                let upper = upperText.isEmpty ? nil : bound(upperText)
                if (!lowerText.isEmpty && lower == nil) || (!upperText.isEmpty && upper == nil) { continue }
                if let lower, let upper, !isOrdered(lower, upper) { continue }
                return DICOMRange(lower: lower, upper: upper)
            }
            return nil
        }
    }
}

extension DICOMRange: CustomStringConvertible where Bound: CustomStringConvertible {
    /// "<lower>-<upper>", "-<upper>", "<lower>-", or the value alone for single value matching.
    public var description: String {
        if isSingleValue, let lower { return lower.description }
        return (lower?.description ?? "") + "-" + (upper?.description ?? "")
    }
}

extension DICOMRange where Bound == DICOMDate {
    /// Parses a DA single value or range key: "20200101", "20200101-20201231", "-20201231", "20200101-".
    ///
    /// PS3.4 §C.2.2.2.5.1. Returns nil when a bound is not a valid date (PS3.5 §6.2 DA), when both bounds are
    /// missing ("-"), or when the lower bound is after the upper one.
    public init?(_ text: String) {
        guard let range = Self.parse(text, bound: { DICOMDate(bytes: $0) }, isOrdered: { $0 <= $1 }) else {
            return nil
        }
        self = range
    }
}

extension DICOMRange where Bound == DICOMTime {
    /// Parses a TM single value or range key: "1200", "0800-1200", "-1200", "0800-".
    ///
    /// PS3.4 §C.2.2.2.5.2. Returns nil when a bound is not a valid time (PS3.5 §6.2 TM), when both bounds are
    /// missing, or when the lower bound starts after the upper one ends: ranges crossing midnight are not supported.
    public init?(_ text: String) {
        guard
            let range = Self.parse(
                text, bound: { DICOMTime(bytes: $0, acceptsACRNEMA: true) },
                isOrdered: { $0.earliestMicrosecondOfDay <= $1.latestMicrosecondOfDay })
        else { return nil }
        self = range
    }

    /// Whether the first instant of `time` lies from the start of the lower bound to the end of the upper bound.
    ///
    /// PS3.4 §C.2.2.2.5.2. Bounds stand for the periods they denote: "1200-12" matches 12:00:00 to 12:59:59.999999,
    /// and a single value "12" matches any time within that hour.
    public func contains(_ time: DICOMTime) -> Bool {
        let instant = time.earliestMicrosecondOfDay
        if let lower, instant < lower.earliestMicrosecondOfDay { return false }
        if let upper, instant > upper.latestMicrosecondOfDay { return false }
        return true
    }
}

extension DICOMRange where Bound == DICOMDateTime {
    /// Parses a DT single value or range key: "2020", "20200101-20201231235959", "-202012", "20200101120000+0100-".
    ///
    /// PS3.4 §C.2.2.2.5.3. A bound may carry a negative offset, so every hyphen is tried as the separator (see the
    /// type's documentation). Returns nil when no split gives valid bounds (PS3.5 §6.2 DT), when both bounds are
    /// missing, or when the lower bound starts after the upper one ends.
    public init?(_ text: String) {
        guard
            let range = Self.parse(
                text, bound: { DICOMDateTime(bytes: $0) }, isOrdered: { $0.earliestInstant <= $1.latestInstant })
        else { return nil }
        self = range
    }

    /// Whether the first instant of `dateTime` lies from the start of the lower bound to the end of the upper bound,
    /// offsets from UTC taken into account.
    ///
    /// PS3.4 §C.2.2.2.5.3. Bounds stand for the periods they denote: "-2020" matches anything up to
    /// 2020-12-31T23:59:59.999999. Values without an offset are taken as UTC (see `DICOMDateTime`).
    public func contains(_ dateTime: DICOMDateTime) -> Bool {
        let instant = dateTime.earliestInstant
        if let lower, instant < lower.earliestInstant { return false }
        if let upper, instant > upper.latestInstant { return false }
        return true
    }
}
