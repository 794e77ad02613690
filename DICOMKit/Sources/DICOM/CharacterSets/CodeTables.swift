/// The characters of the upper half (0x80–0xFF) of a single-byte code: the G1 sets of ISO 8859, TIS 620 and JIS X
/// 0201 katakana.
///
/// Built once per character set, from iconv or from arithmetic, so that decoding is a table lookup that needs no
/// descriptor and no lock. Bytes the set leaves undefined read as U+FFFD and no character encodes to them.
struct SingleByteTable: Sendable {
    /// The character of each byte 0x80...0xFF, at index `byte - 0x80`.
    private let characters: [Unicode.Scalar]
    private let codes: [Unicode.Scalar: UInt8]

    init(mapping: (UInt8) -> Unicode.Scalar?) {
        var characters: [Unicode.Scalar] = []
        characters.reserveCapacity(128)
        var codes: [Unicode.Scalar: UInt8] = [:]
        for byte in UInt8(0x80)...UInt8(0xFF) {
            guard let character = mapping(byte) else {
                characters.append(CodeTables.replacement)
                continue
            }
            characters.append(character)
            if codes[character] == nil { codes[character] = byte }
        }
        self.characters = characters
        self.codes = codes
    }

    /// The table of an iconv code set whose lower half is ASCII ("ISO-8859-7", "ISO-8859-11"…). Every byte reads as
    /// U+FFFD when the C library lacks the code set.
    init(iconvName: String) {
        var characters = [Unicode.Scalar?](repeating: nil, count: 128)
        if let converter = IconvConverter(from: iconvName, to: "UTF-8") {
            for byte in UInt8(0x80)...UInt8(0xFF) {
                let decoded = withUnsafeBytes(of: byte) { converter.convert($0, invalid: .fail) }
                characters[Int(byte - 0x80)] = CodeTables.singleCharacter(decoded)
            }
        }
        self.init { characters[Int($0 - 0x80)] }
    }

    /// The character of a byte 0x80...0xFF; U+FFFD for an undefined byte.
    @inline(__always)
    func character(_ byte: UInt8) -> Unicode.Scalar {
        byte >= 0x80 ? characters[Int(byte &- 0x80)] : CodeTables.replacement
    }

    /// The byte of a character, nil when the set lacks it.
    func code(for character: Unicode.Scalar) -> UInt8? { codes[character] }
}

/// A 94 × 94 double-byte set (JIS X 0208, JIS X 0212, KS X 1001, GB 2312), indexed by row and cell bytes in
/// 0x21...0x7E whichever of G0 (bytes as they are) or G1 (bytes with the high bit set) it is invoked into.
///
/// Built once per set from iconv's EUC form of it. Codes the set leaves undefined read as U+FFFD.
struct DoubleByteTable: Sendable {
    private let characters: [Unicode.Scalar]
    private let codes: [Unicode.Scalar: UInt16]

    /// The table read from iconv's EUC code set `iconvName`, in which row and cell are written with the high bit set
    /// after `prefix` (0x8F for JIS X 0212 in EUC-JP). Every code reads as U+FFFD when the C library lacks the set.
    init(iconvName: String, prefix: [UInt8] = []) {
        var characters = [Unicode.Scalar](repeating: CodeTables.replacement, count: 94 * 94)
        var codes: [Unicode.Scalar: UInt16] = [:]
        if let converter = IconvConverter(from: iconvName, to: "UTF-8") {
            var euc = prefix + [0, 0]
            for row in UInt8(0x21)...UInt8(0x7E) {
                for cell in UInt8(0x21)...UInt8(0x7E) {
                    euc[prefix.count] = row | 0x80
                    euc[prefix.count + 1] = cell | 0x80
                    let decoded = euc.withUnsafeBytes { converter.convert($0, invalid: .fail) }
                    guard let character = CodeTables.singleCharacter(decoded) else { continue }
                    characters[Self.index(row, cell)] = character
                    let code = UInt16(row) << 8 | UInt16(cell)
                    if codes[character] == nil { codes[character] = code }
                }
            }
        }
        self.characters = characters
        self.codes = codes
    }

    /// The character of a row and cell, each in 0x21...0x7E or 0xA1...0xFE (the high bit is ignored); U+FFFD for an
    /// undefined code or bytes out of range.
    @inline(__always)
    func character(_ row: UInt8, _ cell: UInt8) -> Unicode.Scalar {
        let row = row & 0x7F
        let cell = cell & 0x7F
        guard (0x21...0x7E).contains(row), (0x21...0x7E).contains(cell) else { return CodeTables.replacement }
        return characters[Self.index(row, cell)]
    }

    /// Row and cell (each 0x21...0x7E) of a character, nil when the set lacks it.
    func code(for character: Unicode.Scalar) -> (row: UInt8, cell: UInt8)? {
        guard let code = codes[character] else { return nil }
        return (UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code))
    }

    @inline(__always)
    private static func index(_ row: UInt8, _ cell: UInt8) -> Int {
        Int(row &- 0x21) * 94 + Int(cell &- 0x21)
    }
}

/// The tables, each built the first time it is needed (Swift's lazy, thread-safe global initialisation).
enum CodeTables {
    /// U+FFFD REPLACEMENT CHARACTER, what bytes that cannot be decoded become.
    static let replacement: Unicode.Scalar = "\u{FFFD}"

    static let latin1 = SingleByteTable { Unicode.Scalar($0) }
    static let latin2 = SingleByteTable(iconvName: "ISO-8859-2")
    static let latin3 = SingleByteTable(iconvName: "ISO-8859-3")
    static let latin4 = SingleByteTable(iconvName: "ISO-8859-4")
    static let cyrillic = SingleByteTable(iconvName: "ISO-8859-5")
    static let arabic = SingleByteTable(iconvName: "ISO-8859-6")
    static let greek = SingleByteTable(iconvName: "ISO-8859-7")
    static let hebrew = SingleByteTable(iconvName: "ISO-8859-8")
    static let latin5 = SingleByteTable(iconvName: "ISO-8859-9")
    static let latin9 = SingleByteTable(iconvName: "ISO-8859-15")
    /// ISO-IR 166 is the upper half of TIS 620-2533, which ISO 8859-11 equals (with NO-BREAK SPACE at 0xA0).
    static let thai = SingleByteTable(iconvName: "ISO-8859-11")
    /// JIS X 0201 katakana (ISO-IR 13): 0xA1...0xDF are the half-width katakana U+FF61...U+FF9F.
    static let katakana = SingleByteTable { byte in
        (0xA1...0xDF).contains(byte) ? Unicode.Scalar(UInt32(byte) - 0xA1 + 0xFF61) : nil
    }

    static let jisX0208 = DoubleByteTable(iconvName: "EUC-JP")
    static let jisX0212 = DoubleByteTable(iconvName: "EUC-JP", prefix: [0x8F])
    static let ksX1001 = DoubleByteTable(iconvName: "EUC-KR")
    static let gb2312 = DoubleByteTable(iconvName: "EUC-CN")

    /// The one character that UTF-8 bytes hold, nil for none, several or invalid ones.
    static func singleCharacter(_ utf8: [UInt8]?) -> Unicode.Scalar? {
        guard let utf8, !utf8.isEmpty else { return nil }
        let scalars = String(decoding: utf8, as: UTF8.self).unicodeScalars
        guard scalars.count == 1, let character = scalars.first, character != CodeTables.replacement else {
            return nil
        }
        return character
    }
}
