public import DICOMCore
public import NIOCore

extension SpecificCharacterSet {
    /// Decodes the bytes of a whole text value, before it is split on backslashes.
    ///
    /// PS3.5 §6.1, PS3.3 §C.12.1.1.2. `vr` decides where ISO 2022 code extensions return to the initial sets (at
    /// backslashes unless LT, ST, UT or UR; at `^` and `=` for PN). Never fails: bytes that are invalid in the
    /// character set read as U+FFFD; terms this implementation does not know are ignored (see `unsupportedTerms`), so
    /// that text falls back to ASCII with Latin-1 for bytes 0x80–0xFF, which is also how bytes 0x80–0xFF read in a
    /// data set without a Specific Character Set. Values of ASCII alone, the usual case, are decoded without a
    /// lookup of the terms.
    public func decode(_ bytes: ByteBuffer, vr: VR) -> String {
        bytes.withUnsafeReadableBytes { raw in
            if Self.isPlainASCII(raw) { return String(decoding: raw, as: UTF8.self) }
            switch CharacterSetCodec(self) {
            case .iso2022(let codec): return codec.decode(raw, vr: vr)
            case .utf8: return String(decoding: raw, as: UTF8.self)
            case .gb18030: return Self.decode(raw, iconvName: "GB18030")
            case .gbk: return Self.decode(raw, iconvName: "GBK")
            }
        }
    }

    /// Encodes text, choosing escape sequences for ISO 2022 sets as needed (PS3.5 §6.1.2.5).
    ///
    /// Throws `invalidValue` when a character cannot be represented in the character set: any non-ASCII character
    /// in the default repertoire or under a term this implementation does not know. Padding to even length is the
    /// caller's.
    public func encode(_ text: String, vr: VR) throws(DICOMParseError) -> ByteBuffer {
        switch CharacterSetCodec(self) {
        case .iso2022(let codec):
            return try codec.encode(text, vr: vr, description: description)
        case .utf8:
            return ByteBuffer(string: text)
        case .gb18030:
            return try Self.encode(text, iconvName: "GB18030", description: description)
        case .gbk:
            return try Self.encode(text, iconvName: "GBK", description: description)
        }
    }

    /// The terms this implementation does not know, as written. Decoding ignores them (falling back to ASCII and
    /// Latin-1); callers log a warning.
    public var unsupportedTerms: [String] {
        terms.filter { CharacterSetTerm($0) == nil }
    }

    /// True when every byte is 0x00–0x7F and none is ESC: such bytes mean the same in every character set.
    @inline(__always)
    static func isPlainASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        // Eight bytes at a time: no high bit set, and no byte equal to 0x1B (the zero-byte test of the XOR).
        while index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let escapes = word ^ 0x1B1B_1B1B_1B1B_1B1B
            let hasZeroByte = (escapes &- 0x0101_0101_0101_0101) & ~escapes & 0x8080_8080_8080_8080
            if (word & 0x8080_8080_8080_8080) | hasZeroByte != 0 { return false }
            index += 8
        }
        while index < count {
            let byte = bytes[index]
            if byte >= 0x80 || byte == 0x1B { return false }
            index += 1
        }
        return true
    }

    /// Decodes with iconv (GB18030, GBK): each byte that starts an invalid sequence reads as U+FFFD, as does a
    /// sequence cut off at the end. Without the C library's converter, bytes 0x80–0xFF read as U+FFFD.
    private static func decode(_ bytes: UnsafeRawBufferPointer, iconvName: String) -> String {
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        if let converter = IconvConverter(from: iconvName, to: "UTF-8"),
            let utf8 = converter.convert(bytes, invalid: .replace(replacement))
        {
            return String(decoding: utf8, as: UTF8.self)
        }
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(byte < 0x80 ? Unicode.Scalar(byte) : CodeTables.replacement) }
        return String(text)
    }

    /// Encodes with iconv (GB18030, GBK); throws `invalidValue` naming the first character the code set lacks.
    private static func encode(_ text: String, iconvName: String, description: String) throws(DICOMParseError)
        -> ByteBuffer
    {
        guard let converter = IconvConverter(from: "UTF-8", to: iconvName) else {
            throw DICOMParseError(.invalidValue, "the C library cannot convert to \(iconvName)")
        }
        let utf8 = Array(text.utf8)
        if let encoded = utf8.withUnsafeBytes({ converter.convert($0, invalid: .fail) }) {
            return ByteBuffer(bytes: encoded)
        }
        // Name the first character the code set lacks.
        for character in text.unicodeScalars {
            let bytes = Array(String(character).utf8)
            if bytes.withUnsafeBytes({ converter.convert($0, invalid: .fail) }) == nil {
                throw ISO2022Codec.unrepresentable(character, description)
            }
        }
        throw DICOMParseError(.invalidValue, "cannot encode text in Specific Character Set '\(description)'")
    }
}
