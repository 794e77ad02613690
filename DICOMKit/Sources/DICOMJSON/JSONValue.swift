import DICOMCore
import NIOCore

/// A parsed JSON value with the byte offset where it starts, so that errors found while building DICOM elements can
/// point into the input.
struct JSONValue {
    enum Kind {
        case null
        case bool(Bool)
        /// The number's text exactly as written, RFC 8259 §6 grammar checked: DS and 64-bit values need the digits,
        /// not a rounded double.
        case number(String)
        case string(String)
        case array([JSONValue])
        case object([JSONMember])
    }

    var kind: Kind
    /// Offset of the value's first byte from the start of the input.
    var offset: Int

    /// A short name for the value's type, for error messages.
    var typeName: String {
        switch kind {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// One name/value pair of a JSON object, in input order.
struct JSONMember {
    var name: String
    /// Offset of the name's opening quote.
    var nameOffset: Int
    var value: JSONValue
}

/// A strict RFC 8259 parser for untrusted input: bounded nesting, exact grammar, offsets in every error.
///
/// Rejects what RFC 8259 rejects: trailing commas, comments, single quotes, leading zeros, `NaN`, unescaped
/// control characters in strings, invalid escapes, unpaired UTF-16 surrogates, invalid UTF-8, and anything but
/// whitespace after the top-level value. A UTF-8 byte order mark at the very start is skipped (§8.1 allows
/// ignoring it). Arrays and objects nested deeper than `maximumDepth` throw `nestingTooDeep` before recursing
/// further, so hostile input cannot exhaust the stack. Every error is a `DICOMParseError` with the byte offset.
struct JSONParser {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0
    private var depth = 0
    private let maximumDepth: Int

    private init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    /// Parses the readable bytes of `buffer` as one JSON text.
    static func parse(_ buffer: ByteBuffer, maximumDepth: Int) throws(DICOMParseError) -> JSONValue {
        let result = buffer.withUnsafeReadableBytes { bytes -> Result<JSONValue, DICOMParseError> in
            var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
            do throws(DICOMParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private mutating func parseDocument() throws(DICOMParseError) -> JSONValue {
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { position = 3 }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error(.unexpectedToken, "unexpected data after the JSON value") }
        return value
    }

    private mutating func parseValue() throws(DICOMParseError) -> JSONValue {
        guard position < bytes.count else { throw error(.truncated, "the JSON text ended where a value was expected") }
        let start = position
        switch bytes[position] {
        case UInt8(ascii: "{"): return JSONValue(kind: .object(try parseObject()), offset: start)
        case UInt8(ascii: "["): return JSONValue(kind: .array(try parseArray()), offset: start)
        case UInt8(ascii: "\""): return JSONValue(kind: .string(try parseString()), offset: start)
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return JSONValue(kind: .bool(true), offset: start)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return JSONValue(kind: .bool(false), offset: start)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return JSONValue(kind: .null, offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return JSONValue(kind: .number(try parseNumber()), offset: start)
        default:
            throw error(.unexpectedToken, "unexpected character where a JSON value was expected")
        }
    }

    private mutating func parseObject() throws(DICOMParseError) -> [JSONMember] {
        try enterContainer()
        position += 1
        var members: [JSONMember] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return members
        }
        while true {
            skipWhitespace()
            let nameOffset = position
            guard try peek() == UInt8(ascii: "\"") else { throw error(.unexpectedToken, "expected a member name") }
            let name = try parseString()
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw error(.unexpectedToken, "expected ':' after a name") }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            members.append(JSONMember(name: name, nameOffset: nameOffset, value: value))
            skipWhitespace()
            let next = try peek()
            position += 1
            if next == UInt8(ascii: "}") { break }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw error(.unexpectedToken, "expected ',' or '}' in an object")
            }
        }
        depth -= 1
        return members
    }

    private mutating func parseArray() throws(DICOMParseError) -> [JSONValue] {
        try enterContainer()
        position += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return elements
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            let next = try peek()
            position += 1
            if next == UInt8(ascii: "]") { break }
            guard next == UInt8(ascii: ",") else {
                position -= 1
                throw error(.unexpectedToken, "expected ',' or ']' in an array")
            }
        }
        depth -= 1
        return elements
    }

    private mutating func enterContainer() throws(DICOMParseError) {
        depth += 1
        guard depth <= maximumDepth else {
            throw error(.nestingTooDeep, "JSON arrays and objects nested deeper than \(maximumDepth)")
        }
    }

    /// RFC 8259 §7. The common case, no escapes, is validated and copied in one step.
    private mutating func parseString() throws(DICOMParseError) -> String {
        let start = position
        position += 1
        var index = position
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                return try validatedUTF8(from: start + 1, to: index, stringOffset: start)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else {
                position = index
                throw error(.unexpectedToken, "unescaped control character in a string")
            }
            index += 1
        }
        guard index < bytes.count else {
            position = start
            throw error(.truncated, "the JSON text ended inside a string")
        }
        // Slow path: copy runs between escapes.
        var utf8: [UInt8] = []
        utf8.append(contentsOf: bytes[position..<index])
        position = index
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw DICOMParseError(.invalidValue, "a JSON string is not valid UTF-8", offset: start)
                }
                return text
            case UInt8(ascii: "\\"):
                try appendEscape(to: &utf8)
            case 0x00..<0x20:
                throw error(.unexpectedToken, "unescaped control character in a string")
            default:
                utf8.append(byte)
                position += 1
            }
        }
        position = start
        throw error(.truncated, "the JSON text ended inside a string")
    }

    private mutating func appendEscape(to utf8: inout [UInt8]) throws(DICOMParseError) {
        position += 1
        guard position < bytes.count else { throw error(.truncated, "the JSON text ended inside an escape") }
        let escaped = bytes[position]
        position += 1
        switch escaped {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            let escapeStart = position - 2
            var scalar = UInt32(try hexQuad())
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                    bytes[position + 1] == UInt8(ascii: "u")
                else {
                    throw DICOMParseError(.invalidValue, "unpaired UTF-16 surrogate in a string", offset: escapeStart)
                }
                position += 2
                let low = UInt32(try hexQuad())
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw DICOMParseError(.invalidValue, "unpaired UTF-16 surrogate in a string", offset: escapeStart)
                }
                scalar = 0x10000 + (scalar - 0xD800) << 10 + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw DICOMParseError(.invalidValue, "unpaired UTF-16 surrogate in a string", offset: escapeStart)
            }
            guard let unicodeScalar = Unicode.Scalar(scalar) else {
                throw DICOMParseError(.invalidValue, "invalid Unicode escape", offset: escapeStart)
            }
            UTF8.encode(unicodeScalar) { utf8.append($0) }
        default:
            position -= 2
            throw error(.unexpectedToken, "invalid escape in a string")
        }
    }

    private mutating func hexQuad() throws(DICOMParseError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error(.truncated, "the JSON text ended inside an escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.unexpectedToken, "invalid hexadecimal digit in a \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private mutating func parseNumber() throws(DICOMParseError) -> String {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, isDigit(bytes[position]) else {
            throw error(.unexpectedToken, "invalid number: expected a digit")
        }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, isDigit(bytes[position]) {
                throw error(.unexpectedToken, "invalid number: leading zero")
            }
        } else {
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error(.unexpectedToken, "invalid number: expected a digit after '.'")
            }
            skipDigits()
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, isDigit(bytes[position]) else {
                throw error(.unexpectedToken, "invalid number: expected a digit in the exponent")
            }
            skipDigits()
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func skipDigits() {
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }

    private mutating func expectLiteral(_ literal: StaticString) throws(DICOMParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw error(.truncated, "the JSON text ended inside a literal") }
        let matches = literal.withUTF8Buffer { expected in
            (0..<count).allSatisfy { bytes[position + $0] == expected[$0] }
        }
        guard matches else { throw error(.unexpectedToken, "invalid literal") }
        position += count
    }

    private func peek() throws(DICOMParseError) -> UInt8 {
        guard position < bytes.count else { throw error(.truncated, "the JSON text ended early") }
        return bytes[position]
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private func validatedUTF8(from start: Int, to end: Int, stringOffset: Int) throws(DICOMParseError) -> String {
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw DICOMParseError(.invalidValue, "a JSON string is not valid UTF-8", offset: stringOffset)
        }
        return text
    }

    @inline(never)
    private func error(_ code: DICOMParseError.Code, _ reason: String, file: String = #fileID, line: Int = #line)
        -> DICOMParseError
    {
        DICOMParseError(code, reason, offset: position, file: file, line: line)
    }
}
