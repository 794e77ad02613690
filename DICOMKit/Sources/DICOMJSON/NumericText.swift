import DICOMCore
import NIOCore

/// Conversions between the numeric text VRs (DS, IS) and JSON numbers (PS3.18 §F.2.3, PS3.5 §6.2).
///
/// DS and IS values go to JSON as numbers whenever they are numbers: the text is rewritten into JSON's stricter
/// grammar (RFC 8259 §6: no `+`, no leading zeros, a digit on each side of the point) without changing its digits,
/// so the decimal value is exactly the one written in DICOM. Values that are not numbers, or that JSON readers
/// could not hold (a DS that overflows a double such as `1E999`, an IS with more than 15 digits), stay strings, as
/// PS3.18 permits "to preserve the original format". `NaN` and infinities never reach JSON as numbers.
enum NumericText {
    /// Appends a DS value as a JSON number; returns false, having written nothing, when it is not a finite decimal.
    static func writeDecimalAsJSONNumber(_ text: UnsafeBufferPointer<UInt8>, into buffer: inout ByteBuffer) -> Bool {
        guard let parts = DecimalParts(text) else { return false }
        let start = buffer.writerIndex
        if parts.isNegative { buffer.writeASCII(UInt8(ascii: "-")) }
        let integer = parts.integerDigits.drop { $0 == UInt8(ascii: "0") }
        if integer.isEmpty {
            buffer.writeASCII(UInt8(ascii: "0"))
        } else {
            buffer.writeRun(text, from: integer.startIndex, to: integer.endIndex)
        }
        if !parts.fractionDigits.isEmpty {
            buffer.writeASCII(UInt8(ascii: "."))
            buffer.writeRun(text, from: parts.fractionDigits.startIndex, to: parts.fractionDigits.endIndex)
        }
        if let exponent = parts.exponent {
            buffer.writeASCII(UInt8(ascii: "E"))
            buffer.writeRun(text, from: exponent.startIndex, to: exponent.endIndex)
        }
        // Only a value with an exponent, or one longer than DS allows, can overflow a double.
        if parts.exponent != nil || text.count > DecimalString.maximumDecimalLength {
            let written = buffer.getString(at: start, length: buffer.writerIndex - start) ?? ""
            guard let value = Double(written), value.isFinite else {
                buffer.moveWriterIndex(to: start)
                return false
            }
        }
        return true
    }

    /// Appends an IS value as a JSON number; returns false, having written nothing, when it is not an integer of
    /// at most 15 digits (exact in every JSON reader).
    static func writeIntegerAsJSONNumber(_ text: UnsafeBufferPointer<UInt8>, into buffer: inout ByteBuffer) -> Bool {
        var index = 0
        var isNegative = false
        if index < text.count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            isNegative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        let digits = text[index...]
        guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return false }
        let significant = digits.drop { $0 == UInt8(ascii: "0") }
        guard significant.count <= 15 else { return false }
        if significant.isEmpty {
            buffer.writeASCII(UInt8(ascii: "0"))
            return true
        }
        if isNegative { buffer.writeASCII(UInt8(ascii: "-")) }
        buffer.writeRun(text, from: significant.startIndex, to: significant.endIndex)
        return true
    }

    /// The DS text for a JSON number: the number as written when it is a decimal string of at most 16 bytes (JSON's
    /// number grammar is a subset of DS's), else the closest DS that fits (`DecimalString.format`). Nil when the
    /// number is beyond the range of a double.
    static func decimalString(fromJSONNumber number: String) -> String? {
        guard let value = Double(number), value.isFinite else { return nil }
        if number.utf8.count <= DecimalString.maximumDecimalLength { return number }
        return DecimalString.format(value)
    }

    /// The IS text for a JSON number: an integer in -2^31 ... 2^31-1, written without exponent or fraction (so
    /// `1.2e3` gives `1200`). Nil for fractions and values out of range.
    static func integerString(fromJSONNumber number: String) -> String? {
        guard let value = integer(fromNumber: number, as: Int32.self) else { return nil }
        return String(value)
    }

    /// The integer a JSON number or numeric string writes, exactly, when it fits `Integer`: digits with an optional
    /// sign are read exactly (so 64-bit values beyond 2^53 survive); fractions and exponents are read as a double,
    /// which must then be integral. Nil otherwise.
    static func integer<Integer: FixedWidthInteger>(fromNumber text: String, as type: Integer.Type) -> Integer? {
        let utf8 = text.utf8
        let body = utf8.first == UInt8(ascii: "-") || utf8.first == UInt8(ascii: "+") ? utf8.dropFirst() : utf8[...]
        if !body.isEmpty, body.count <= 40, body.allSatisfy(isDigit) {
            return Integer(text)
        }
        guard utf8.count <= 64, let value = Double(text), value.isFinite, value.rounded(.towardZero) == value else {
            return nil
        }
        return Integer(exactly: value)
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

/// The pieces of a DS value (PS3.5 §6.2 DS), surrounding spaces already removed: sign, integer digits, fraction
/// digits and exponent (its sign and digits), as index ranges of the text.
private struct DecimalParts {
    var isNegative = false
    var integerDigits: Slice<UnsafeBufferPointer<UInt8>>
    var fractionDigits: Slice<UnsafeBufferPointer<UInt8>>
    var exponent: Slice<UnsafeBufferPointer<UInt8>>?

    init?(_ text: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = text.count
        if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            isNegative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        let integerStart = index
        while index < count, NumericText.isDigit(text[index]) { index += 1 }
        integerDigits = text[integerStart..<index]
        var fractionStart = index
        if index < count, text[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, NumericText.isDigit(text[index]) { index += 1 }
        }
        fractionDigits = text[fractionStart..<index]
        guard !integerDigits.isEmpty || !fractionDigits.isEmpty else { return nil }
        if index < count, text[index] == UInt8(ascii: "E") || text[index] == UInt8(ascii: "e") {
            index += 1
            let exponentStart = index
            if index < count, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") { index += 1 }
            let digitsStart = index
            while index < count, NumericText.isDigit(text[index]) { index += 1 }
            guard index > digitsStart else { return nil }
            exponent = text[exponentStart..<index]
        }
        guard index == count else { return nil }
    }
}
