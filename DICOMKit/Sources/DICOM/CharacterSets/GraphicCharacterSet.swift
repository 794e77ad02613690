/// A graphic character set that Specific Character Set terms name and ISO 2022 escape sequences designate to G0 or
/// G1.
///
/// PS3.3 Tables C.12-2 to C.12-4 and PS3.5 §6.1.2.5. DICOM works in an 8-bit environment with no shift functions:
/// G0 is always invoked into GL (0x21–0x7E) and G1 into GR (0xA0–0xFF).
enum GraphicCharacterSet: Hashable, Sendable {
    /// ISO-IR 6, ASCII: the default repertoire.
    case ascii
    /// ISO-IR 14, JIS X 0201 Romaji. Read and written as ASCII: 0x5C stays the backslash that separates values (it is
    /// a YEN SIGN in JIS X 0201) and 0x7E a tilde.
    case jisX0201Roman
    /// ISO-IR 13, JIS X 0201 half-width katakana.
    case jisX0201Katakana
    /// The upper halves of ISO 8859-1, -2, -3, -4, -5, -6, -7, -8, -9 and -15 (ISO-IR 100, 101, 109, 110, 144, 127,
    /// 126, 138, 148, 203) and TIS 620 (ISO-IR 166).
    case latin1, latin2, latin3, latin4, cyrillic, arabic, greek, hebrew, latin5, latin9, thai
    /// ISO-IR 87, JIS X 0208 kanji, a double-byte G0 set.
    case jisX0208
    /// ISO-IR 159, JIS X 0212 supplementary kanji, a double-byte G0 set.
    case jisX0212
    /// ISO-IR 149, KS X 1001 Korean, a double-byte G1 set.
    case ksX1001
    /// ISO-IR 58, GB 2312 simplified Chinese, a double-byte G1 set.
    case gb2312

    /// Whether the set is designated to G0 (read from GL bytes) rather than G1 (GR bytes).
    var isG0: Bool {
        switch self {
        case .ascii, .jisX0201Roman, .jisX0208, .jisX0212: true
        case .jisX0201Katakana, .latin1, .latin2, .latin3, .latin4, .cyrillic, .arabic, .greek, .hebrew, .latin5,
            .latin9, .thai, .ksX1001, .gb2312:
            false
        }
    }

    /// The escape sequence that designates the set (PS3.3 Tables C.12-3 and C.12-4).
    var designation: [UInt8] {
        let escape: UInt8 = 0x1B
        switch self {
        case .ascii: return [escape, 0x28, 0x42]  // ESC ( B
        case .jisX0201Roman: return [escape, 0x28, 0x4A]  // ESC ( J
        case .jisX0201Katakana: return [escape, 0x29, 0x49]  // ESC ) I
        case .latin1: return [escape, 0x2D, 0x41]  // ESC - A
        case .latin2: return [escape, 0x2D, 0x42]  // ESC - B
        case .latin3: return [escape, 0x2D, 0x43]  // ESC - C
        case .latin4: return [escape, 0x2D, 0x44]  // ESC - D
        case .greek: return [escape, 0x2D, 0x46]  // ESC - F
        case .arabic: return [escape, 0x2D, 0x47]  // ESC - G
        case .hebrew: return [escape, 0x2D, 0x48]  // ESC - H
        case .cyrillic: return [escape, 0x2D, 0x4C]  // ESC - L
        case .latin5: return [escape, 0x2D, 0x4D]  // ESC - M
        case .thai: return [escape, 0x2D, 0x54]  // ESC - T
        case .latin9: return [escape, 0x2D, 0x62]  // ESC - b
        case .jisX0208: return [escape, 0x24, 0x42]  // ESC $ B
        case .jisX0212: return [escape, 0x24, 0x28, 0x44]  // ESC $ ( D
        case .ksX1001: return [escape, 0x24, 0x29, 0x43]  // ESC $ ) C
        case .gb2312: return [escape, 0x24, 0x29, 0x41]  // ESC $ ) A
        }
    }

    /// The set that an escape sequence designates, from its intermediate bytes (0x20–0x2F, at most two here) and
    /// final byte; nil for sequences DICOM does not use. Also accepts ESC $ @ (JIS C 6226-1978) and ESC $ ( B as JIS
    /// X 0208, which older Japanese writers emit.
    init?(intermediates: (UInt8, UInt8?), final: UInt8) {
        switch (intermediates.0, intermediates.1, final) {
        case (0x28, nil, 0x42): self = .ascii
        case (0x28, nil, 0x4A): self = .jisX0201Roman
        case (0x29, nil, 0x49): self = .jisX0201Katakana
        case (0x2D, nil, 0x41): self = .latin1
        case (0x2D, nil, 0x42): self = .latin2
        case (0x2D, nil, 0x43): self = .latin3
        case (0x2D, nil, 0x44): self = .latin4
        case (0x2D, nil, 0x46): self = .greek
        case (0x2D, nil, 0x47): self = .arabic
        case (0x2D, nil, 0x48): self = .hebrew
        case (0x2D, nil, 0x4C): self = .cyrillic
        case (0x2D, nil, 0x4D): self = .latin5
        case (0x2D, nil, 0x54): self = .thai
        case (0x2D, nil, 0x62): self = .latin9
        case (0x24, nil, 0x42), (0x24, nil, 0x40), (0x24, 0x28, 0x42): self = .jisX0208
        case (0x24, 0x28, 0x44): self = .jisX0212
        case (0x24, 0x29, 0x43): self = .ksX1001
        case (0x24, 0x29, 0x41): self = .gb2312
        default: return nil
        }
    }

    /// The 128-entry table of a single-byte G1 set; nil for the G0 sets and the double-byte sets.
    var singleByteTable: SingleByteTable? {
        switch self {
        case .latin1: CodeTables.latin1
        case .latin2: CodeTables.latin2
        case .latin3: CodeTables.latin3
        case .latin4: CodeTables.latin4
        case .cyrillic: CodeTables.cyrillic
        case .arabic: CodeTables.arabic
        case .greek: CodeTables.greek
        case .hebrew: CodeTables.hebrew
        case .latin5: CodeTables.latin5
        case .latin9: CodeTables.latin9
        case .thai: CodeTables.thai
        case .jisX0201Katakana: CodeTables.katakana
        case .ascii, .jisX0201Roman, .jisX0208, .jisX0212, .ksX1001, .gb2312: nil
        }
    }

    /// The 94 × 94 table of a double-byte set; nil for the single-byte sets.
    var doubleByteTable: DoubleByteTable? {
        switch self {
        case .jisX0208: CodeTables.jisX0208
        case .jisX0212: CodeTables.jisX0212
        case .ksX1001: CodeTables.ksX1001
        case .gb2312: CodeTables.gb2312
        case .ascii, .jisX0201Roman, .jisX0201Katakana, .latin1, .latin2, .latin3, .latin4, .cyrillic, .arabic,
            .greek, .hebrew, .latin5, .latin9, .thai:
            nil
        }
    }
}
