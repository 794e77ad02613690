/// Reading and writing the numeric text VRs: DS (decimal string) and IS (integer string).
///
/// PS3.5 §6.2, Table 6.2-1. Parsing reads the UTF-8 bytes in place and allocates nothing for native strings;
/// anything outside the VR's grammar gives nil. The internal helpers here (byte access, digit runs, zero-padded
/// digits) are shared by the date, time, age and person name parsers of this module.
public enum DecimalString {
    /// The longest DS value, in bytes (PS3.5 §6.2).
    public static let maximumDecimalLength = 16
    /// The longest IS value, in bytes (PS3.5 §6.2).
    public static let maximumIntegerLength = 12

    /// The number written in a DS value.
    ///
    /// PS3.5 §6.2 (DS): an optional sign, digits with an optional decimal point (at least one digit), an optional
    /// exponent `E` or `e` with an optional sign and at least one digit, surrounded by any number of spaces, at most
    /// 16 bytes in all. Returns nil for anything else: empty or over-long text, `inf`, `nan`, hexadecimal, a comma,
    /// and values too large for a finite `Double`. Pass a larger `maximumLength` to accept the over-long values some
    /// writers produce. The result is the double nearest to the decimal value.
    public static func parse(_ text: String, maximumLength: Int = DecimalString.maximumDecimalLength) -> Double? {
        withBytes(of: text) { bytes in
            guard bytes.count <= maximumLength else { return nil }
            return decimalValue(trimmingSpaces(bytes))
        }
    }

    /// The integer written in an IS value.
    ///
    /// PS3.5 §6.2 (IS): an optional sign and at least one digit, surrounded by any number of spaces, at most 12 bytes,
    /// in the range -2^31 ... 2^31-1. Returns nil for anything else.
    public static func parseInteger(_ text: String, maximumLength: Int = DecimalString.maximumIntegerLength) -> Int? {
        withBytes(of: text) { bytes in
            guard bytes.count <= maximumLength else { return nil }
            return integerValue(trimmingSpaces(bytes))
        }
    }

    /// An IS number, spaces already removed.
    private static func integerValue(_ bytes: Bytes) -> Int? {
        var rest = bytes
        var isNegative = false
        if let sign = rest.first, sign == ASCII.plus || sign == ASCII.minus {
            isNegative = sign == ASCII.minus
            rest.removeFirst()
        }
        guard !rest.isEmpty else { return nil }
        var magnitude = 0
        for byte in rest {
            guard let digit = digit(byte) else { return nil }
            magnitude = magnitude * 10 + digit
            guard magnitude <= 1 << 31 else { return nil }
        }
        let value = isNegative ? -magnitude : magnitude
        guard value >= Int(Int32.min), value <= Int(Int32.max) else { return nil }
        return value
    }

    /// A DS number, spaces already removed.
    ///
    /// Reads the grammar in one pass, collecting up to 19 significant digits as an integer and a power of ten. When
    /// the integer is below 2^53 and the power within ±22 both are exact doubles, so one multiplication or division
    /// rounds correctly (Clinger's fast path), which covers nearly every value found in DICOM; anything else goes to
    /// the standard library's correctly rounded conversion.
    private static func decimalValue(_ bytes: Bytes) -> Double? {
        var rest = bytes
        var isNegative = false
        if let sign = rest.first, sign == ASCII.plus || sign == ASCII.minus {
            isNegative = sign == ASCII.minus
            rest.removeFirst()
        }
        let unsigned = rest
        var significand: UInt64 = 0
        var significantDigits = 0
        var isExact = true
        var mantissaDigits = 0
        var exponent = 0
        var seenPoint = false
        while let byte = rest.first {
            if byte == ASCII.period, !seenPoint {
                seenPoint = true
            } else if let digit = digit(byte) {
                mantissaDigits += 1
                if significantDigits < 19 {
                    if significand != 0 || digit != 0 {
                        significand = significand * 10 + UInt64(digit)
                        significantDigits += 1
                    }
                    if seenPoint { exponent -= 1 }
                } else {
                    if digit != 0 { isExact = false }
                    if !seenPoint { exponent += 1 }
                }
            } else {
                break
            }
            rest.removeFirst()
        }
        guard mantissaDigits > 0 else { return nil }
        if let marker = rest.popFirst() {
            guard marker == ASCII.upperE || marker == ASCII.lowerE else { return nil }
            var isExponentNegative = false
            if let sign = rest.first, sign == ASCII.plus || sign == ASCII.minus {
                isExponentNegative = sign == ASCII.minus
                rest.removeFirst()
            }
            guard !rest.isEmpty else { return nil }
            var written = 0
            for byte in rest {
                guard let digit = digit(byte) else { return nil }
                // Past ±100 000 every value is zero or infinite; stop growing so the sum cannot overflow.
                written = min(written * 10 + digit, 100_000)
            }
            exponent += isExponentNegative ? -written : written
        }
        let value: Double?
        if significand == 0 {
            value = 0
        } else if isExact, significand <= 1 << 53, let power = exactPowerOfTen(abs(exponent)) {
            value = exponent < 0 ? Double(significand) / power : Double(significand) * power
        } else {
            value = Double(String(decoding: unsigned, as: UTF8.self))
        }
        guard let value, value.isFinite else { return nil }
        return isNegative ? -value : value
    }

    /// 10^exponent for 0...22, the powers of ten that a double holds exactly; nil above.
    private static func exactPowerOfTen(_ exponent: Int) -> Double? {
        guard exponent <= 22 else { return nil }
        var power = 1.0
        var remaining = exponent
        var square = 10.0
        // Binary exponentiation: every partial product is itself a power of ten ≤ 10^22, hence exact.
        while remaining > 0 {
            if remaining & 1 == 1 { power *= square }
            square *= square
            remaining >>= 1
        }
        return power
    }

    /// The shortest DS text of at most 16 characters that is closest to `value`; nil for infinities and NaN.
    ///
    /// PS3.5 §6.2 (DS). Starts from the shortest decimal that reads back as `value` exactly, then drops significant
    /// digits (rounding half away from zero) until the text fits in 16 characters, choosing fixed notation
    /// (`-0.00125`) when it keeps as many digits as exponent notation (`1.25E-30`). Near the largest finite double,
    /// where rounding up would overflow, digits are truncated instead. Zero of either sign is written `0`.
    public static func format(_ value: Double) -> String? {
        guard value.isFinite else { return nil }
        if value == 0 { return "0" }
        let shortest = ShortestDecimal(value)
        for count in stride(from: shortest.digits.count, through: 1, by: -1) {
            var decimal = shortest
            decimal.round(toSignificantDigits: count)
            guard let text = decimal.fittingText else { continue }
            // Only values within a rounding step of the largest double can round up past it.
            if decimal.pointPosition < 309 || Double(text)?.isFinite == true { return text }
            var truncated = shortest
            truncated.round(toSignificantDigits: count, towardZero: true)
            if let text = truncated.fittingText { return text }
        }
        return nil
    }
}

// MARK: - Helpers shared by this module's text value parsers

extension DecimalString {
    /// The UTF-8 bytes that the value parsers read.
    ///
    /// A slice of the string's own storage, valid only inside `withBytes(of:_:)`. Parsers touch it only through
    /// operations that stay within its bounds whatever the input (`first`, `last`, `popFirst`, `prefix`, `dropFirst`,
    /// `firstIndex(of:)`, iteration), never through arithmetic on indices.
    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    /// Calls `body` with the UTF-8 bytes of `text`: in place for native strings, from a native copy otherwise
    /// (strings bridged from Objective-C).
    ///
    /// The public parsers take `String`, not `some StringProtocol`: a generic entry point runs unspecialised when
    /// called from another module and made them about three times slower.
    @inline(__always)
    static func withBytes<Result>(of text: String, _ body: (Bytes) -> Result) -> Result {
        var text = text
        return text.withUTF8 { body($0[...]) }
    }

    /// ASCII bytes that the value grammars name.
    enum ASCII {
        static let space = UInt8(ascii: " ")
        static let plus = UInt8(ascii: "+")
        static let minus = UInt8(ascii: "-")
        static let period = UInt8(ascii: ".")
        static let colon = UInt8(ascii: ":")
        static let zero = UInt8(ascii: "0")
        static let upperE = UInt8(ascii: "E")
        static let lowerE = UInt8(ascii: "e")
    }

    /// The value of an ASCII digit, or nil for any other byte.
    @inline(__always)
    static func digit(_ byte: UInt8) -> Int? {
        let value = byte &- ASCII.zero
        return value < 10 ? Int(value) : nil
    }

    /// The value of a run of 1 to 18 ASCII digits; nil when the run is empty, longer, or holds anything else.
    static func digitsValue(_ bytes: Bytes) -> Int? {
        guard !bytes.isEmpty, bytes.count <= 18 else { return nil }
        var value = 0
        for byte in bytes {
            guard let digit = digit(byte) else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    /// The value of the `count` digits at `offset` from the start; nil when the bytes end first or one of them is
    /// not a digit.
    @inline(__always)
    static func digitsValue(_ bytes: Bytes, at offset: Int, count: Int) -> Int? {
        let run = bytes.dropFirst(offset).prefix(count)
        return run.count == count ? digitsValue(run) : nil
    }

    /// The byte at `offset` from the start, nil past the end.
    @inline(__always)
    static func byte(_ bytes: Bytes, at offset: Int) -> UInt8? {
        bytes.dropFirst(offset).first
    }

    /// The bytes without leading and trailing spaces.
    static func trimmingSpaces(_ bytes: Bytes) -> Bytes {
        var trimmed = bytes
        while trimmed.first == ASCII.space { trimmed.removeFirst() }
        while trimmed.last == ASCII.space { trimmed.removeLast() }
        return trimmed
    }

    /// Appends a non-negative value in decimal, with leading zeros up to `width` digits.
    static func appendDigits(of value: Int, width: Int, to text: inout String) {
        let digits = String(value)
        var padding = width - digits.utf8.count
        while padding > 0 {
            text += "0"
            padding -= 1
        }
        text += digits
    }

    /// A finite, non-zero double as significant decimal digits: value = ±0.d₁d₂…dₙ × 10^pointPosition.
    private struct ShortestDecimal {
        var isNegative = false
        /// Significant digits (0–9), the first non-zero, no trailing zeros.
        var digits: [UInt8] = []
        var pointPosition = 0

        /// Reads the shortest round-tripping digits from Swift's `description` ("1.5e-05", "-123.25", "1e+20").
        init(_ value: Double) {
            digits.reserveCapacity(17)
            var seenPoint = false
            var exponent = 0
            var exponentSign = 1
            var inExponent = false
            for byte in value.description.utf8 {
                if inExponent {
                    if byte == ASCII.minus {
                        exponentSign = -1
                    } else if let digit = DecimalString.digit(byte) {
                        exponent = exponent * 10 + digit
                    }
                    continue
                }
                if byte == ASCII.minus {
                    isNegative = true
                } else if byte == ASCII.period {
                    seenPoint = true
                } else if byte == ASCII.lowerE || byte == ASCII.upperE {
                    inExponent = true
                } else if let digit = DecimalString.digit(byte) {
                    if digits.isEmpty && digit == 0 {
                        if seenPoint { pointPosition -= 1 }
                    } else {
                        digits.append(UInt8(digit))
                        if !seenPoint { pointPosition += 1 }
                    }
                }
            }
            pointPosition += exponentSign * exponent
            while digits.last == 0 { digits.removeLast() }
        }

        /// Keeps at most `count` significant digits, rounding half away from zero (or toward zero), and drops
        /// trailing zeros.
        mutating func round(toSignificantDigits count: Int, towardZero: Bool = false) {
            guard digits.count > count, count > 0 else { return }
            let roundsUp = !towardZero && digits[count] >= 5
            digits.removeLast(digits.count - count)
            if roundsUp {
                var position = count - 1
                while position >= 0, digits[position] == 9 {
                    digits[position] = 0
                    position -= 1
                }
                if position >= 0 {
                    digits[position] += 1
                } else {
                    digits.insert(1, at: 0)
                    digits.removeLast()
                    pointPosition += 1
                }
            }
            while digits.last == 0 { digits.removeLast() }
        }

        /// Fixed notation if it fits in a DS value, else exponent notation if that fits, else nil. Lengths are
        /// worked out first, so only the text returned is built.
        var fittingText: String? {
            let sign = isNegative ? 1 : 0
            let fixedLength =
                if pointPosition <= 0 {
                    sign + 2 - pointPosition + digits.count
                } else if pointPosition < digits.count {
                    sign + digits.count + 1
                } else {
                    sign + pointPosition
                }
            if fixedLength <= maximumDecimalLength { return fixedNotation }
            let exponent = pointPosition - 1
            var exponentDigits = 1
            var magnitude = abs(exponent)
            while magnitude >= 10 {
                exponentDigits += 1
                magnitude /= 10
            }
            let exponentLength =
                sign + digits.count + (digits.count > 1 ? 1 : 0) + 1 + (exponent < 0 ? 1 : 0) + exponentDigits
            return exponentLength <= maximumDecimalLength ? exponentNotation : nil
        }

        /// "123.45", "0.00012", "1200".
        var fixedNotation: String {
            var bytes: [UInt8] = isNegative ? [ASCII.minus] : []
            bytes.reserveCapacity(maximumDecimalLength)
            if pointPosition <= 0 {
                bytes.append(ASCII.zero)
                bytes.append(ASCII.period)
                bytes.append(contentsOf: repeatElement(ASCII.zero, count: -pointPosition))
                bytes.append(contentsOf: digits.lazy.map { ASCII.zero &+ $0 })
            } else if pointPosition < digits.count {
                bytes.append(contentsOf: digits.prefix(pointPosition).lazy.map { ASCII.zero &+ $0 })
                bytes.append(ASCII.period)
                bytes.append(contentsOf: digits.dropFirst(pointPosition).lazy.map { ASCII.zero &+ $0 })
            } else {
                bytes.append(contentsOf: digits.lazy.map { ASCII.zero &+ $0 })
                bytes.append(contentsOf: repeatElement(ASCII.zero, count: pointPosition - digits.count))
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// "1.2345E-30", "5E300".
        var exponentNotation: String {
            var bytes: [UInt8] = isNegative ? [ASCII.minus] : []
            bytes.reserveCapacity(maximumDecimalLength)
            bytes.append(contentsOf: digits.prefix(1).lazy.map { ASCII.zero &+ $0 })
            if digits.count > 1 {
                bytes.append(ASCII.period)
                bytes.append(contentsOf: digits.dropFirst().lazy.map { ASCII.zero &+ $0 })
            }
            bytes.append(ASCII.upperE)
            bytes.append(contentsOf: String(pointPosition - 1).utf8)
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}
