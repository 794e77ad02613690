/// What one defined term of Specific Character Set (0008,0005) stands for.
///
/// PS3.3 §C.12.1.1.2, Tables C.12-2 to C.12-5. Terms are matched leniently, as writers spell them: case, `_`, `-`
/// and runs of spaces do not matter ("ISO_IR 100", "ISO-IR 100", "iso_ir_100"), and the single-byte and Japanese,
/// Korean and Chinese sets are accepted with or without the "ISO 2022" prefix, since some writers list
/// "ISO_IR 13\ISO 2022 IR 87".
enum CharacterSetTerm: Hashable, Sendable {
    /// A set, or a pair of sets, of ISO 2022: what the term puts in G0 and in G1.
    case graphic(g0: GraphicCharacterSet?, g1: GraphicCharacterSet?)
    /// ISO_IR 192: UTF-8, which cannot be combined with code extensions.
    case utf8
    /// GB18030, which cannot be combined with code extensions.
    case gb18030
    /// GBK, which cannot be combined with code extensions.
    case gbk

    /// The meaning of a term; nil for a term this implementation does not know.
    init?(_ term: String) {
        if let meaning = Self(exactly: term) {
            self = meaning
            return
        }
        // Not as the standard spells it: match again with case, '_', '-' and runs of spaces ignored.
        let words = term.uppercased().split { $0 == " " || $0 == "_" || $0 == "-" }
        let canonical: String
        switch words.count {
        case 0:
            canonical = ""
        case 1:
            canonical = String(words[0])
        case 3 where words[0] == "ISO" && words[1] == "IR":
            canonical = "ISO_IR " + words[2]
        case 4 where words[0] == "ISO" && words[1] == "2022" && words[2] == "IR":
            canonical = "ISO 2022 IR " + words[3]
        default:
            return nil
        }
        guard let meaning = Self(exactly: canonical) else { return nil }
        self = meaning
    }

    /// The meaning of a term spelled as PS3.3 Tables C.12-2 to C.12-5 spell it, with or without "ISO 2022".
    private init?(exactly term: String) {
        switch term {
        case "", "ISO_IR 6", "ISO 2022 IR 6": self = .graphic(g0: .ascii, g1: nil)
        case "ISO_IR 100", "ISO 2022 IR 100": self = .graphic(g0: .ascii, g1: .latin1)
        case "ISO_IR 101", "ISO 2022 IR 101": self = .graphic(g0: .ascii, g1: .latin2)
        case "ISO_IR 109", "ISO 2022 IR 109": self = .graphic(g0: .ascii, g1: .latin3)
        case "ISO_IR 110", "ISO 2022 IR 110": self = .graphic(g0: .ascii, g1: .latin4)
        case "ISO_IR 144", "ISO 2022 IR 144": self = .graphic(g0: .ascii, g1: .cyrillic)
        case "ISO_IR 127", "ISO 2022 IR 127": self = .graphic(g0: .ascii, g1: .arabic)
        case "ISO_IR 126", "ISO 2022 IR 126": self = .graphic(g0: .ascii, g1: .greek)
        case "ISO_IR 138", "ISO 2022 IR 138": self = .graphic(g0: .ascii, g1: .hebrew)
        case "ISO_IR 148", "ISO 2022 IR 148": self = .graphic(g0: .ascii, g1: .latin5)
        case "ISO_IR 203", "ISO 2022 IR 203": self = .graphic(g0: .ascii, g1: .latin9)
        case "ISO_IR 166", "ISO 2022 IR 166": self = .graphic(g0: .ascii, g1: .thai)
        case "ISO_IR 13", "ISO 2022 IR 13": self = .graphic(g0: .jisX0201Roman, g1: .jisX0201Katakana)
        case "ISO 2022 IR 87", "ISO_IR 87": self = .graphic(g0: .jisX0208, g1: nil)
        case "ISO 2022 IR 159", "ISO_IR 159": self = .graphic(g0: .jisX0212, g1: nil)
        case "ISO 2022 IR 149", "ISO_IR 149": self = .graphic(g0: nil, g1: .ksX1001)
        case "ISO 2022 IR 58", "ISO_IR 58": self = .graphic(g0: nil, g1: .gb2312)
        case "ISO_IR 192": self = .utf8
        case "GB18030": self = .gb18030
        case "GBK": self = .gbk
        default: return nil
        }
    }
}
