/// An age as a number of days, weeks, months or years: the value of an AS element.
///
/// PS3.5 §6.2 (AS): exactly four characters, three digits and a unit letter, "nnnD", "nnnW", "nnnM" or "nnnY"
/// ("018M" is 18 months). `description` writes the same four characters.
public struct AgeString: Hashable, Sendable, CustomStringConvertible {
    /// The unit letter of an age.
    public enum Unit: String, Hashable, Sendable, CaseIterable {
        case days = "D"
        case weeks = "W"
        case months = "M"
        case years = "Y"
    }

    /// 0...999.
    public let value: Int
    public let unit: Unit

    /// An age from its number and unit; nil when the number is not 0...999.
    public init?(value: Int, unit: Unit) {
        guard (0...999).contains(value) else { return nil }
        self.value = value
        self.unit = unit
    }

    /// Parses one AS value, its padding already removed.
    ///
    /// PS3.5 §6.2 (AS). Returns nil for anything but three digits followed by "D", "W", "M" or "Y" (upper case).
    public init?(_ text: String) {
        guard let age = DecimalString.withBytes(of: text, { AgeString(bytes: $0) }) else { return nil }
        self = age
    }

    private init?(bytes: DecimalString.Bytes) {
        guard bytes.count == 4, let value = DecimalString.digitsValue(bytes, at: 0, count: 3), let letter = bytes.last
        else { return nil }
        let unit: Unit
        switch letter {
        case UInt8(ascii: "D"): unit = .days
        case UInt8(ascii: "W"): unit = .weeks
        case UInt8(ascii: "M"): unit = .months
        case UInt8(ascii: "Y"): unit = .years
        default: return nil
        }
        self.init(value: value, unit: unit)
    }

    /// "nnnU", the number zero-padded to three digits.
    public var description: String {
        var text = ""
        DecimalString.appendDigits(of: value, width: 3, to: &text)
        text += unit.rawValue
        return text
    }
}
