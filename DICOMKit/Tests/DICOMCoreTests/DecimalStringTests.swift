import DICOMCore
import Testing

@Suite("DecimalString (DS and IS)")
struct DecimalStringTests {
    // MARK: DS

    @Test(arguments: [
        ("0", 0.0), ("1", 1), ("-1", -1), ("+1", 1), ("1.5", 1.5), ("-0.25", -0.25), (".5", 0.5), ("5.", 5),
        ("-.5", -0.5), ("1.5E-3", 0.0015), ("1.5e-3", 0.0015), ("1E3", 1000), ("1e+3", 1000), ("-2.5E+02", -250),
        ("  1.25", 1.25), ("1.25  ", 1.25), ("  -7  ", -7), ("0.000001", 0.000_001),
        ("1234567890123456", 1_234_567_890_123_456),
        ("00012", 12), ("1E308", 1e308), ("1E-400", 0), ("3.14159265358979", 3.14159265358979),
    ])
    func parsesValidDecimals(text: String, value: Double) {
        #expect(DecimalString.parse(text) == value)
    }

    @Test(arguments: [
        "", " ", ".", "-", "+", "E5", "1E", "1E+", "1.5.5", "1,5", "1 5", "--1", "+-1", "1e5.5", "inf", "-inf",
        "nan", "NaN", "infinity", "0x10", "0x1p3", "1D5", "1.5f", "12345678901234567", "  1234567890123456",
        "1E309", "-1E400", "١", "1_000", "1e", "e", ".e1", "\t1", "1\0",
    ])
    func rejectsInvalidDecimals(text: String) {
        #expect(DecimalString.parse(text) == nil)
    }

    /// Decimal strings of every shape, from a fixed seed: short ones take the exact fast path, long significands
    /// and large exponents the standard library's conversion.
    static let generatedDecimals: [String] = {
        var generator = SplitMix64(seed: 0xD1C0_4D5)
        func digits(_ count: Int) -> String {
            String((0..<count).map { _ in Character(Unicode.Scalar(UInt8(48 + generator.next() % 10))) })
        }
        var texts: [String] = []
        for _ in 0..<1_500 {
            var text = ["", "-", "+"][Int(generator.next() % 3)]
            let integerDigits = Int(generator.next() % 12)
            let fractionDigits = Int(generator.next() % 12)
            text += digits(integerDigits)
            if fractionDigits > 0 || integerDigits == 0 || generator.next() % 2 == 0 {
                text += "." + digits(max(fractionDigits, integerDigits == 0 ? 1 : 0))
            }
            if generator.next() % 2 == 0 {
                text += ["E", "e"][Int(generator.next() % 2)] + ["", "-", "+"][Int(generator.next() % 3)]
                text += String(generator.next() % 330)
            }
            texts.append(text)
        }
        return texts + [
            "9007199254740993", "9007199254740992", "0.1000000000000000055511151231257827", "1.7976931348623157E308",
            "2.2250738585072011E-308", "4.9406564584124654E-324", "123456789012345678901234567890", "1E22", "1E23",
            "0.000000000000000000000000000001", "1000000000000000000000000", "00000000000000000001.5",
        ]
    }()

    @Test(arguments: DecimalStringTests.generatedDecimals)
    func agreesWithTheStandardLibrary(text: String) {
        let expected = Double(text).flatMap { $0.isFinite ? $0 : nil }
        #expect(DecimalString.parse(text, maximumLength: 64) == expected)
    }

    @Test func overLongDecimalsParseWithALargerLimit() {
        #expect(DecimalString.parse("0.12345678901234567") == nil)
        #expect(DecimalString.parse("0.12345678901234567", maximumLength: 64) == 0.12345678901234567)
    }

    // MARK: IS

    @Test(arguments: [
        ("0", 0), ("42", 42), ("-42", -42), ("+42", 42), ("  7", 7), ("7  ", 7), ("007", 7), ("-0", 0),
        ("2147483647", 2_147_483_647), ("-2147483648", -2_147_483_648), ("+2147483647", 2_147_483_647),
        (" -2147483648", -2_147_483_648),
    ])
    func parsesValidIntegers(text: String, value: Int) {
        #expect(DecimalString.parseInteger(text) == value)
    }

    @Test(arguments: [
        "", " ", "-", "+", "2147483648", "-2147483649", "99999999999", "1.0", "1E3", "1 2", "--1", "0x10", "abc",
        "1234567890123", "   -2147483648", "999999999999", "٣",
    ])
    func rejectsInvalidIntegers(text: String) {
        #expect(DecimalString.parseInteger(text) == nil)
    }

    // MARK: Formatting

    @Test(arguments: [
        (0.0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (0.5, "0.5"), (-123.456, "-123.456"), (0.1, "0.1"),
        (1e-5, "0.00001"), (1234567890123456, "1234567890123456"), (1e16, "1E16"), (1.5e-20, "1.5E-20"),
        (1e300, "1E300"), (-2.5e-300, "-2.5E-300"), (1.0 / 3.0, "0.33333333333333"),
        (2.0 / 3.0, "0.66666666666667"),
        (-1.0 / 3.0, "-0.3333333333333"), (123456.789012345678, "123456.789012346"), (0.999999999999999999, "1"),
        (9.9999999999999999e22, "1E23"), (1.2345678901234567168e19, "1.23456789012E19"),
        (Double.leastNonzeroMagnitude, "5E-324"),
        (1.7976931348623157e308, "1.7976931348E308"), (-1.7976931348623157e308, "-1.797693134E308"),
        (0.00012345678901234, "1.23456789012E-4"),
        (1.2345678901234567e-7, "1.23456789012E-7"), (0.0012345678901234, "0.00123456789012"),
    ])
    func formatsShortestFittingText(value: Double, text: String) {
        #expect(DecimalString.format(value) == text)
    }

    @Test func rejectsNonFiniteValues() {
        #expect(DecimalString.format(.infinity) == nil)
        #expect(DecimalString.format(-.infinity) == nil)
        #expect(DecimalString.format(.nan) == nil)
    }

    static let sampleValues: [Double] = {
        var values: [Double] = [
            .pi, -.pi, .ulpOfOne, .leastNormalMagnitude, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            -.greatestFiniteMagnitude, 0.3, 2.675, 1.005, 9.5, 99.95, 999_999_999_999_999.9, 0.000_000_1,
        ]
        var generator = SplitMix64(seed: 0x1234_5678)
        for _ in 0..<1_000 {
            values.append(Double(bitPattern: generator.next()))
        }
        return values.filter(\.isFinite)
    }()

    @Test(arguments: DecimalStringTests.sampleValues)
    func formattedTextIsValidAndClose(value: Double) throws {
        let text = try #require(DecimalString.format(value))
        #expect(text.utf8.count <= 16)
        let parsed = try #require(DecimalString.parse(text))
        if value == 0 {
            #expect(parsed == 0)
        } else {
            // At least 9 significant digits survive in 16 characters ("-1.23456789E-300"), whatever the magnitude.
            let relativeError = abs(parsed - value) / abs(value)
            #expect(relativeError <= 5e-9 || parsed.isSubnormal)
        }
        #expect(parsed == Double(text))
        if !value.isSubnormal {
            #expect(DecimalString.format(parsed) == text)
        }
    }

    @Test(arguments: [0.1, 0.2, 0.5, 1.25, -3.75, 100, 1e-10, 12345.6789, -0.000123, 1e15, 4.35, 2.5e-300] as [Double])
    func shortValuesRoundTripExactly(value: Double) throws {
        let text = try #require(DecimalString.format(value))
        #expect(DecimalString.parse(text) == value)
    }
}

/// A small deterministic generator, so that the sampled doubles are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
