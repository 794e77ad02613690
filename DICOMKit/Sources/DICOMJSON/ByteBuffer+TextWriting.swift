import DICOMCore
import NIOCore

/// Low-level writers for JSON and XML text: escaped strings, decimal integers and hexadecimal tags, written
/// straight into a `ByteBuffer` without building intermediate `String`s.
extension ByteBuffer {
    /// Appends one ASCII byte.
    @inline(__always)
    mutating func writeASCII(_ byte: UInt8) {
        writeInteger(byte)
    }

    /// Appends a run of bytes from a buffer that outlives the call.
    @inline(__always)
    mutating func writeRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        guard start < end else { return }
        writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<end])))
    }

    /// Appends the eight upper-case hexadecimal digits of a tag, `GGGGEEEE` (PS3.18 §F.2.1.1).
    mutating func writeTagHex(_ tag: Tag) {
        var value = tag.rawValue
        _ = writeWithUnsafeMutableBytes(minimumWritableBytes: 8) { target in
            for index in stride(from: 7, through: 0, by: -1) {
                target[index] = Self.hexDigit(UInt8(truncatingIfNeeded: value & 0xF))
                value >>= 4
            }
            return 8
        }
    }

    /// Appends the two letters of a VR.
    mutating func writeVR(_ vr: VR) {
        let (first, second) = vr.bytes
        writeASCII(first)
        writeASCII(second)
    }

    /// Appends the decimal digits of an integer, with a leading `-` when negative.
    mutating func writeDecimal<Integer: FixedWidthInteger>(_ value: Integer) {
        if value < 0 { writeASCII(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        if magnitude < 10 {
            writeASCII(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            while magnitude > 0 {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            writeRun(UnsafeBufferPointer(digits), from: start, to: 20)
        }
    }

    /// Appends a JSON string literal: the UTF-8 text between quotes, escaped as RFC 8259 §7 requires.
    ///
    /// `"` and `\` are escaped, as are the control characters U+0000–U+001F (with the short forms `\b \f \n \r \t`
    /// where they exist, else `\u00XX`). Everything else, characters outside the Basic Multilingual Plane included,
    /// is copied as UTF-8, which JSON text is (RFC 8259 §8.1). The bytes must be valid UTF-8.
    mutating func writeJSONString(_ bytes: UnsafeBufferPointer<UInt8>) {
        writeASCII(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            writeRun(bytes, from: runStart, to: index)
            runStart = index + 1
            writeASCII(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): writeASCII(byte)
            case 0x08: writeASCII(UInt8(ascii: "b"))
            case 0x0C: writeASCII(UInt8(ascii: "f"))
            case 0x0A: writeASCII(UInt8(ascii: "n"))
            case 0x0D: writeASCII(UInt8(ascii: "r"))
            case 0x09: writeASCII(UInt8(ascii: "t"))
            default:
                writeStaticString("u00")
                writeASCII(Self.hexDigit(byte >> 4))
                writeASCII(Self.hexDigit(byte & 0xF))
            }
        }
        writeRun(bytes, from: runStart, to: bytes.count)
        writeASCII(UInt8(ascii: "\""))
    }

    /// Appends a JSON string literal for Swift text.
    mutating func writeJSONString(_ text: String) {
        var text = text
        text.withUTF8 { writeJSONString($0) }
    }

    /// Appends XML character data or an attribute value, escaped (XML 1.0 §2.4, §3.3.3).
    ///
    /// `&`, `<` and `>` are written as entities everywhere, `"` too in attribute values (which this module always
    /// quotes with `"`). Carriage returns, and tabs and line feeds in attribute values, are written as character
    /// references so that a parser's line-end and attribute normalisation gives them back. Characters that XML 1.0
    /// does not allow at all (§2.2: the C0 controls other than tab, line feed and carriage return, U+FFFE and
    /// U+FFFF) cannot be written even as references, so each is replaced by U+FFFD REPLACEMENT CHARACTER.
    mutating func writeXMLText(_ bytes: UnsafeBufferPointer<UInt8>, isAttribute: Bool) {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            let replacement: StaticString?
            var width = 1
            switch byte {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = isAttribute ? "&quot;" : nil
            case 0x0D: replacement = "&#xD;"
            case 0x0A: replacement = isAttribute ? "&#xA;" : nil
            case 0x09: replacement = isAttribute ? "&#x9;" : nil
            case 0x00..<0x20: replacement = "\u{FFFD}"
            case 0xEF:
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF in UTF-8.
                if index + 2 < count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                    replacement = "\u{FFFD}"
                    width = 3
                } else {
                    replacement = nil
                }
            default: replacement = nil
            }
            if let replacement {
                writeRun(bytes, from: runStart, to: index)
                writeStaticString(replacement)
                runStart = index + width
            }
            index += width
        }
        writeRun(bytes, from: runStart, to: count)
    }

    /// Appends escaped XML text for Swift text.
    mutating func writeXMLText(_ text: String, isAttribute: Bool) {
        var text = text
        text.withUTF8 { writeXMLText($0, isAttribute: isAttribute) }
    }

    @inline(__always)
    static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") &+ nibble : UInt8(ascii: "A") &+ (nibble &- 10)
    }
}
