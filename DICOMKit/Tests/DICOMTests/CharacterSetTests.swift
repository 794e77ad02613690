import DICOM
import DICOMCore
import DICOMDictionary
import Glibc
import NIOCore
import Testing

/// A text value as the standard (or a real file) encodes it, and the text it holds.
struct CharacterSetExample: Sendable, CustomTestStringConvertible {
    var source: String
    var terms: [String]
    var vr: VR
    var bytes: [UInt8]
    var text: String
    /// Whether our encoder writes exactly `bytes` back (the standard's examples choose escape sequences as we do).
    var encodesToSameBytes: Bool = true

    var testDescription: String { source }
    var characterSet: SpecificCharacterSet { SpecificCharacterSet(terms: terms) }
}

/// pydicom 3.0.2's character set test files, where the development machine has them.
private let pydicomCharsetFiles =
    "/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/pydicom/data/charset_files"

private func valueBuffer(_ bytes: [UInt8]) -> ByteBuffer { ByteBuffer(bytes: bytes) }
private func valueBytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }
private func asciiCodes(_ text: String) -> [UInt8] { Array(text.utf8) }

@Suite("Specific Character Set decoding and encoding")
struct CharacterSetTests {
    // MARK: Examples of the standard and of real files

    static let examples: [CharacterSetExample] = [
        // PS3.5 Annex H.3.1: ISO 2022 IR 87 (JIS X 0208) in G0, ESC $ B … ESC ( B around each component.
        CharacterSetExample(
            source: "PS3.5 H.3.1 Japanese, ISO 2022 IR 87", terms: ["", "ISO 2022 IR 87"], vr: .PN,
            bytes: [
                0x59, 0x61, 0x6D, 0x61, 0x64, 0x61, 0x5E, 0x54, 0x61, 0x72, 0x6F, 0x75, 0x3D, 0x1B, 0x24, 0x42, 0x3B,
                0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E, 0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42,
                0x3D, 0x1B, 0x24, 0x42, 0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x42, 0x5E, 0x1B, 0x24, 0x42,
                0x24, 0x3F, 0x24, 0x6D, 0x24, 0x26, 0x1B, 0x28, 0x42,
            ],
            text: "Yamada^Tarou=山田^太郎=やまだ^たろう"),
        // PS3.5 Annex H.3.2: ISO 2022 IR 13 (half-width katakana in G1, Romaji in G0) with IR 87; back to Romaji
        // with ESC ( J.
        CharacterSetExample(
            source: "PS3.5 H.3.2 Japanese, ISO 2022 IR 13 and IR 87", terms: ["ISO 2022 IR 13", "ISO 2022 IR 87"],
            vr: .PN,
            bytes: [
                0xD4, 0xCF, 0xC0, 0xDE, 0x5E, 0xC0, 0xDB, 0xB3, 0x3D, 0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B,
                0x28, 0x4A, 0x5E, 0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x4A, 0x3D, 0x1B, 0x24, 0x42,
                0x24, 0x64, 0x24, 0x5E, 0x24, 0x40, 0x1B, 0x28, 0x4A, 0x5E, 0x1B, 0x24, 0x42, 0x24, 0x3F, 0x24, 0x6D,
                0x24, 0x26, 0x1B, 0x28, 0x4A,
            ],
            text: "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"),
        // PS3.5 Annex I.2: ISO 2022 IR 149 (KS X 1001) in G1, designated again after each delimiter.
        CharacterSetExample(
            source: "PS3.5 I.2 Korean, ISO 2022 IR 149", terms: ["", "ISO 2022 IR 149"], vr: .PN,
            bytes: [
                0x48, 0x6F, 0x6E, 0x67, 0x5E, 0x47, 0x69, 0x6C, 0x64, 0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24, 0x29, 0x43,
                0xFB, 0xF3, 0x5E, 0x1B, 0x24, 0x29, 0x43, 0xD1, 0xCE, 0xD4, 0xD7, 0x3D, 0x1B, 0x24, 0x29, 0x43, 0xC8,
                0xAB, 0x5E, 0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE6, 0xB5, 0xBF,
            ],
            text: "Hong^Gildong=洪^吉洞=홍^길동"),
        // Constructed as Annex I's long-text example does it: the G1 designation is lost at each CR LF.
        CharacterSetExample(
            source: "Annex I style Korean LT, ISO 2022 IR 149", terms: ["", "ISO 2022 IR 149"], vr: .LT,
            bytes: asciiCodes("The 1st line includes ") + [0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE6, 0xB5, 0xBF]
                + asciiCodes(".\r\nThe 2nd line includes ") + [0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE6, 0xB5, 0xBF]
                + asciiCodes(", too.\r\nThe 3rd line."),
            text: "The 1st line includes 길동.\r\nThe 2nd line includes 길동, too.\r\nThe 3rd line."),
        // PS3.5 Annex J: the UTF-8 person name (traditional 東).
        CharacterSetExample(
            source: "PS3.5 J UTF-8 PN, ISO_IR 192", terms: ["ISO_IR 192"], vr: .PN,
            bytes: [
                0x57, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F, 0x6E, 0x67, 0x3D, 0xE7, 0x8E, 0x8B,
                0x5E, 0xE5, 0xB0, 0x8F, 0xE6, 0x9D, 0xB1, 0x3D,
            ],
            text: "Wang^XiaoDong=王^小東="),
        // PS3.5 Annex J: the GB18030 person name (simplified 东).
        CharacterSetExample(
            source: "PS3.5 J GB18030 PN", terms: ["GB18030"], vr: .PN,
            bytes: [
                0x57, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F, 0x6E, 0x67, 0x3D, 0xCD, 0xF5, 0x5E,
                0xD0, 0xA1, 0xB6, 0xAB, 0x3D,
            ],
            text: "Wang^XiaoDong=王^小东="),
        // PS3.5 Annex J: the GB18030 long text.
        CharacterSetExample(
            source: "PS3.5 J GB18030 LT", terms: ["GB18030"], vr: .LT,
            bytes: asciiCodes("The first line includes") + [0xD6, 0xD0, 0xCE, 0xC4]
                + asciiCodes(".\r\nThe second line includes")
                + [0xD6, 0xD0, 0xCE, 0xC4] + asciiCodes(", too.\r\nThe third line.\r\n"),
            text: "The first line includes中文.\r\nThe second line includes中文, too.\r\nThe third line.\r\n"),
        CharacterSetExample(
            source: "GBK PN", terms: ["GBK"], vr: .PN,
            bytes: asciiCodes("Wang^XiaoDong=") + [0xCD, 0xF5, 0x5E, 0xD0, 0xA1, 0xB6, 0xAB],
            text: "Wang^XiaoDong=王^小东"),
        // PS3.5 Annex K.2: ISO 2022 IR 58 (GB 2312) in G1 (the example's trailing pad space left out).
        CharacterSetExample(
            source: "PS3.5 K.2 Chinese PN, ISO 2022 IR 58", terms: ["", "ISO 2022 IR 58"], vr: .PN,
            bytes: [
                0x5A, 0x68, 0x61, 0x6E, 0x67, 0x5E, 0x58, 0x69, 0x61, 0x6F, 0x44, 0x6F, 0x6E, 0x67, 0x3D, 0x1B, 0x24,
                0x29, 0x41, 0xD5, 0xC5, 0x5E, 0x1B, 0x24, 0x29, 0x41, 0xD0, 0xA1, 0xB6, 0xAB, 0x3D,
            ],
            text: "Zhang^XiaoDong=张^小东="),
        // PS3.5 Annex K.3: three lines of long text, ESC $ ) A again after each CR LF.
        CharacterSetExample(
            source: "PS3.5 K.3 Chinese LT, ISO 2022 IR 58", terms: ["", "ISO 2022 IR 58"], vr: .LT,
            bytes: [
                0x31, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xD2, 0xBB, 0xD0, 0xD0, 0xCE, 0xC4, 0xD7, 0xD6, 0xA1,
                0xA3, 0x0D, 0x0A, 0x32, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xB6, 0xFE, 0xD0, 0xD0, 0xCE, 0xC4,
                0xD7, 0xD6, 0xA1, 0xA3, 0x0D, 0x0A, 0x33, 0x2E, 0x1B, 0x24, 0x29, 0x41, 0xB5, 0xDA, 0xC8, 0xFD, 0xD0,
                0xD0, 0xCE, 0xC4, 0xD7, 0xD6, 0xA1, 0xA3, 0x0D, 0x0A,
            ],
            text: "1.第一行文字。\r\n2.第二行文字。\r\n3.第三行文字。\r\n"),
        // pydicom's charset_files (chrFren, chrGerm, chrGreek, chrRuss, chrHbrw, chrArab): single-byte sets.
        CharacterSetExample(
            source: "Latin-1, ISO_IR 100", terms: ["ISO_IR 100"], vr: .PN,
            bytes: [0x42, 0x75, 0x63, 0x5E, 0x4A, 0xE9, 0x72, 0xF4, 0x6D, 0x65], text: "Buc^Jérôme"),
        CharacterSetExample(
            source: "Latin-1 German, ISO_IR 100", terms: ["ISO_IR 100"], vr: .PN,
            bytes: [0xC4, 0x6E, 0x65, 0x61, 0x73, 0x5E, 0x52, 0xFC, 0x64, 0x69, 0x67, 0x65, 0x72],
            text: "Äneas^Rüdiger"),
        CharacterSetExample(
            source: "Greek, ISO_IR 126", terms: ["ISO_IR 126"], vr: .PN,
            bytes: [0xC4, 0xE9, 0xEF, 0xED, 0xF5, 0xF3, 0xE9, 0xEF, 0xF2], text: "Διονυσιος"),
        // The file's name mixes Cyrillic with the Latin letters c, e, y and p.
        CharacterSetExample(
            source: "Cyrillic, ISO_IR 144", terms: ["ISO_IR 144"], vr: .PN,
            bytes: [0xBB, 0xEE, 0xDA, 0x63, 0x65, 0xDC, 0xD1, 0x79, 0x70, 0xD3], text: "Люкceмбypг"),
        CharacterSetExample(
            source: "Hebrew, ISO_IR 138", terms: ["ISO_IR 138"], vr: .PN,
            bytes: [0xF9, 0xF8, 0xE5, 0xEF, 0x5E, 0xE3, 0xE1, 0xE5, 0xF8, 0xE4], text: "שרון^דבורה"),
        CharacterSetExample(
            source: "Arabic, ISO_IR 127", terms: ["ISO_IR 127"], vr: .PN,
            bytes: [0xE2, 0xC8, 0xC7, 0xE6, 0xEA, 0x5E, 0xE4, 0xE6, 0xD2, 0xC7, 0xD1], text: "قباني^لنزار"),
        // The other single-byte sets, bytes from their ISO 8859 / TIS 620 tables.
        CharacterSetExample(
            source: "Latin-2, ISO_IR 101", terms: ["ISO_IR 101"], vr: .PN,
            bytes: [0xA3, 0xF3, 0x64, 0xBC, 0x5E, 0xAF, 0xF3, 0xB3, 0xE6], text: "Łódź^Żółć"),
        CharacterSetExample(
            source: "Latin-3, ISO_IR 109", terms: ["ISO_IR 109"], vr: .PN,
            bytes: [0xD5, 0x75, 0xBF, 0x65, 0x70, 0x70, 0x69, 0x5E, 0xA1, 0x61, 0x62, 0x69, 0x62],
            text: "Ġużeppi^Ħabib"),
        CharacterSetExample(
            source: "Latin-4, ISO_IR 110", terms: ["ISO_IR 110"], vr: .PN,
            bytes: [0xD3, 0xBA, 0x6E, 0x69, 0xF1, 0xB9, 0x5E, 0xC0, 0x72, 0x69, 0x73], text: "Ķēniņš^Āris"),
        CharacterSetExample(
            source: "Latin-5, ISO_IR 148", terms: ["ISO_IR 148"], vr: .PN,
            bytes: [0xC7, 0x61, 0xF0, 0x6C, 0x61, 0x72, 0x5E, 0xDE, 0xFC, 0x6B, 0x72, 0xFC], text: "Çağlar^Şükrü"),
        CharacterSetExample(
            source: "Latin-9, ISO_IR 203", terms: ["ISO_IR 203"], vr: .LO,
            bytes: [0xBC, 0x75, 0x76, 0x72, 0x65, 0x20, 0xA4], text: "Œuvre €"),
        CharacterSetExample(
            source: "Thai, ISO_IR 166", terms: ["ISO_IR 166"], vr: .PN,
            bytes: [0xCA, 0xC1, 0xAA, 0xD2, 0xC2, 0x5E, 0xE3, 0xA8, 0xB4, 0xD5], text: "สมชาย^ใจดี"),
        CharacterSetExample(
            source: "JIS X 0201 katakana, ISO_IR 13", terms: ["ISO_IR 13"], vr: .PN,
            bytes: [0xD4, 0xCF, 0xC0, 0xDE, 0x5E, 0xC0, 0xDB, 0xB3], text: "ﾔﾏﾀﾞ^ﾀﾛｳ"),
        // JIS X 0212 (ISO 2022 IR 159) designated with ESC $ ( D: 0x575A 0x614F are 苷 and 逘.
        CharacterSetExample(
            source: "JIS X 0212, ISO 2022 IR 159", terms: ["", "ISO 2022 IR 87", "ISO 2022 IR 159"], vr: .LO,
            bytes: [0x1B, 0x24, 0x28, 0x44, 0x57, 0x5A, 0x61, 0x4F, 0x1B, 0x28, 0x42], text: "苷逘"),
        // Single-byte sets switched by code extensions: Latin-1 initially in G1, Cyrillic by ESC - L, Latin-1 again
        // by ESC - A before the delimiter and at the end.
        CharacterSetExample(
            source: "ISO 2022 IR 100 with IR 144", terms: ["ISO 2022 IR 100", "ISO 2022 IR 144"], vr: .PN,
            bytes: [0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x3D, 0x1B, 0x2D, 0x4C, 0xBB, 0xEE, 0xDA, 0x1B, 0x2D, 0x41]
                + [0x5E, 0xE9, 0x1B, 0x2D, 0x4C, 0xBB, 0x1B, 0x2D, 0x41],
            text: "Müller=Люк^éЛ"),
        // Two double-byte sets: Korean in G1 and Japanese in G0 within one value.
        CharacterSetExample(
            source: "ISO 2022 IR 87 and IR 149 together", terms: ["", "ISO 2022 IR 87", "ISO 2022 IR 149"], vr: .LO,
            bytes: [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE8, 0x1B, 0x28, 0x42, 0x41],
            text: "山김A"),
    ]

    @Test(arguments: examples)
    func decodesExample(_ example: CharacterSetExample) {
        #expect(example.characterSet.decode(valueBuffer(example.bytes), vr: example.vr) == example.text)
    }

    @Test(arguments: examples.filter(\.encodesToSameBytes))
    func encodesExampleToTheStandardsBytes(_ example: CharacterSetExample) throws {
        let encoded = try example.characterSet.encode(example.text, vr: example.vr)
        #expect(valueBytes(encoded) == example.bytes)
    }

    /// Encoding then decoding gives the text back, for every set, in every VR that uses a character set.
    @Test(
        arguments: [
            (["ISO_IR 100"], "Buc^Jérôme"), (["ISO_IR 101"], "Łódź^Żółć"), (["ISO_IR 109"], "Ġużeppi^Ħabib"),
            (["ISO_IR 110"], "Ķēniņš^Āris"), (["ISO_IR 144"], "Чайковский^Пётр"), (["ISO_IR 127"], "قباني^لنزار"),
            (["ISO_IR 126"], "Διονύσιος"), (["ISO_IR 138"], "שרון^דבורה"), (["ISO_IR 148"], "Çağlar^Şükrü"),
            (["ISO_IR 203"], "Œuvre^€"), (["ISO_IR 166"], "สมชาย^ใจดี"), (["ISO_IR 13"], "ﾔﾏﾀﾞ^ﾀﾛｳ"),
            (["ISO_IR 192"], "Wang^XiaoDong=王^小東=😀"), (["GB18030"], "Wang^XiaoDong=王^小东=😀"),
            (["GBK"], "王^小东"), ([], "Smith^John"), (["ISO 2022 IR 6"], "Smith^John"),
            (["", "ISO 2022 IR 87"], "Yamada^Tarou=山田^太郎=やまだ^たろう"),
            (["ISO 2022 IR 13", "ISO 2022 IR 87"], "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"),
            (["", "ISO 2022 IR 87", "ISO 2022 IR 159"], "苷逘 山田 a\tb"),
            (["", "ISO 2022 IR 149"], "Hong^Gildong=洪^吉洞=홍^길동"),
            (["", "ISO 2022 IR 58"], "Zhang^XiaoDong=张^小东="),
            (["ISO 2022 IR 100", "ISO 2022 IR 126", "ISO 2022 IR 144"], "Ελλάδα, Россия, España"),
            (["ISO 2022 IR 100", "ISO 2022 IR 149"], "Müller=김^희중 é"),
        ] as [([String], String)])
    func roundTrips(_ terms: [String], _ text: String) throws {
        let characterSet = SpecificCharacterSet(terms: terms)
        for vr in [VR.PN, .LO, .LT, .SH, .ST, .UC, .UT] {
            let encoded = try characterSet.encode(text, vr: vr)
            #expect(characterSet.decode(encoded, vr: vr) == text, "\(terms) \(vr)")
        }
    }

    @Test
    func multipleValuesResetAtEachBackslash() throws {
        // Each value of a multi-valued VR starts in the initial sets again, so the encoder closes every value.
        let characterSet = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        let encoded = try characterSet.encode("山\\田", vr: .LO)
        #expect(
            valueBytes(encoded) == [
                0x1B, 0x24, 0x42, 0x3B, 0x33, 0x1B, 0x28, 0x42, 0x5C, 0x1B, 0x24, 0x42, 0x45, 0x44, 0x1B, 0x28, 0x42,
            ])
        #expect(characterSet.decode(encoded, vr: .LO) == "山\\田")
        // LT holds one value: a backslash is a character like another, and the set stays designated across it.
        let text = try characterSet.encode("山\\田", vr: .LT)
        #expect(
            valueBytes(text) == [
                0x1B, 0x24, 0x42, 0x3B, 0x33, 0x1B, 0x28, 0x42, 0x5C, 0x1B, 0x24, 0x42, 0x45, 0x44, 0x1B, 0x28, 0x42,
            ])
    }

    @Test
    func resetsToTheInitialSetsAtDelimitersWhenDecoding() {
        // Latin-1 is the initial G1 set; after '^' (and, in PN only, '=') it is active again without ESC - A.
        let latinKorean = SpecificCharacterSet(terms: ["ISO 2022 IR 100", "ISO 2022 IR 149"])
        let korean: [UInt8] = [0x1B, 0x24, 0x29, 0x43, 0xB1, 0xE8]
        #expect(latinKorean.decode(valueBuffer(korean + [0x5E, 0xE9]), vr: .PN) == "김^é")
        #expect(latinKorean.decode(valueBuffer(korean + [0x3D, 0xE9]), vr: .PN) == "김=é")
        #expect(latinKorean.decode(valueBuffer(korean + [0x5C, 0xE9]), vr: .LO) == "김\\é")
        #expect(latinKorean.decode(valueBuffer(korean + [0x3D, 0xE9]), vr: .LO) == "김=\u{FFFD}")
        #expect(latinKorean.decode(valueBuffer(korean + [0x5C, 0xE9]), vr: .LT) == "김\\\u{FFFD}")
        // In the JIS X 0208 G0 set, 0x5E is the second byte of ま and resets nothing.
        let japanese = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"])
        #expect(japanese.decode(valueBuffer([0x1B, 0x24, 0x42, 0x24, 0x5E, 0x1B, 0x28, 0x42]), vr: .PN) == "ま")
        // A CR returns to ASCII even without ESC ( B.
        #expect(
            japanese.decode(valueBuffer([0x1B, 0x24, 0x42, 0x24, 0x5E, 0x0D, 0x0A, 0x41, 0x42]), vr: .LT) == "ま\r\nAB")
    }

    // MARK: Lenient reading of what real writers produce

    @Test
    func defaultRepertoireReadsHighBytesAsLatin1() {
        #expect(
            SpecificCharacterSet.defaultRepertoire.decode(valueBuffer([0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72]), vr: .PN)
                == "Müller")
    }

    @Test
    func unknownTermsFallBackAndAreReported() throws {
        let characterSet = SpecificCharacterSet(terms: ["ISO_IR 999"])
        #expect(characterSet.unsupportedTerms == ["ISO_IR 999"])
        #expect(characterSet.decode(valueBuffer([0x4A, 0xE9]), vr: .LO) == "Jé")
        #expect(throws: DICOMParseError.self) { try characterSet.encode("Jé", vr: .LO) }
        #expect(try valueBytes(characterSet.encode("J", vr: .LO)) == [0x4A])
        #expect(SpecificCharacterSet(terms: ["", "ISO 2022 IR 87", "KOI8-R"]).unsupportedTerms == ["KOI8-R"])
    }

    @Test
    func readsKoreanWrittenWithoutEscapeSequences() {
        // Some writers declare "\ISO 2022 IR 149" but leave out ESC $ ) C: GR bytes then read as KS X 1001.
        let characterSet = SpecificCharacterSet(terms: ["", "ISO 2022 IR 149"])
        #expect(characterSet.decode(valueBuffer([0xB1, 0xE8, 0xC8, 0xF1, 0xC1, 0xDF]), vr: .PN) == "김희중")
    }

    @Test(arguments: ["ISO_IR 100", "ISO-IR 100", "iso_ir_100", "ISO IR 100", "ISO_IR  100 "])
    func acceptsCommonSpellingsOfTerms(_ term: String) {
        let characterSet = SpecificCharacterSet(terms: [term])
        #expect(characterSet.unsupportedTerms.isEmpty)
        #expect(characterSet.decode(valueBuffer([0xE9]), vr: .LO) == "é")
    }

    @Test
    func acceptsSingleByteTermsWithoutTheISO2022PrefixInAList() {
        // "ISO_IR 13\ISO 2022 IR 87" is seen in the wild for "ISO 2022 IR 13\ISO 2022 IR 87".
        let characterSet = SpecificCharacterSet(terms: ["ISO_IR 13", "ISO 2022 IR 87"])
        #expect(characterSet.unsupportedTerms.isEmpty)
        #expect(
            characterSet.decode(valueBuffer([0xD4, 0x3D, 0x1B, 0x24, 0x42, 0x3B, 0x33, 0x1B, 0x28, 0x4A]), vr: .PN)
                == "ﾔ=山")
    }

    @Test
    func readsShiftJISStoredUnderISOIR13() {
        // Not DICOM, but some Japanese writers store Shift_JIS kanji under ISO_IR 13: 山田 is 8E 52 93 63.
        let characterSet = SpecificCharacterSet(terms: ["ISO_IR 13"])
        #expect(characterSet.decode(valueBuffer([0xD4, 0x5E, 0x8E, 0x52, 0x93, 0x63]), vr: .PN) == "ﾔ^山田")
    }

    @Test
    func standAloneCodeWinsInAList() {
        let characterSet = SpecificCharacterSet(terms: ["ISO_IR 100", "ISO_IR 192"])
        #expect(characterSet.decode(valueBuffer([0xC3, 0xA9]), vr: .LO) == "é")
    }

    // MARK: Hostile bytes

    @Test(
        arguments: [
            // Truncated escape sequences.
            ([0x41, 0x1B], "A\u{FFFD}"), ([0x1B, 0x24], "\u{FFFD}"), ([0x1B, 0x24, 0x29], "\u{FFFD}"),
            // Unknown escape sequences change nothing.
            ([0x1B, 0x28, 0x5A, 0x41], "\u{FFFD}A"), ([0x1B, 0x4E, 0x41], "\u{FFFD}A"),
            ([0x1B, 0x24, 0x29, 0x28, 0x43, 0x41], "\u{FFFD}A"),
            // An escape sequence broken by a control or a high byte: decoding resumes at that byte.
            ([0x1B, 0x24, 0x0D, 0x41], "\u{FFFD}\rA"), ([0x1B, 0xE9], "\u{FFFD}\u{FFFD}"),
            // A double-byte code cut short by the end, a control, ESC or a delimiter.
            ([0x1B, 0x24, 0x42, 0x3B], "\u{FFFD}"), ([0x1B, 0x24, 0x42, 0x3B, 0x0D, 0x41], "\u{FFFD}\rA"),
            ([0x1B, 0x24, 0x29, 0x43, 0xB1], "\u{FFFD}"), ([0x1B, 0x24, 0x29, 0x43, 0xB1, 0x41], "\u{FFFD}A"),
            ([0x1B, 0x24, 0x42, 0x3B, 0x1B, 0x28, 0x42, 0x41], "\u{FFFD}A"),
            // Codes the set leaves undefined.
            ([0x1B, 0x24, 0x42, 0x7E, 0x7E], "\u{FFFD}"), ([0x1B, 0x24, 0x29, 0x43, 0xFF, 0xFF], "\u{FFFD}\u{FFFD}"),
        ] as [([UInt8], String)])
    func hostileISO2022BytesReadAsReplacementCharacters(_ input: [UInt8], _ expected: String) {
        let characterSet = SpecificCharacterSet(terms: ["", "ISO 2022 IR 87", "ISO 2022 IR 149"])
        #expect(characterSet.decode(valueBuffer(input), vr: .LO) == expected)
    }

    @Test
    func manyIntermediateBytesAreOneMalformedSequence() {
        let input: [UInt8] = [0x1B] + Array(repeating: 0x20, count: 100_000) + [0x42, 0x41]
        #expect(SpecificCharacterSet(terms: ["", "ISO 2022 IR 87"]).decode(valueBuffer(input), vr: .LT) == "\u{FFFD}A")
    }

    @Test(
        arguments: [
            (["ISO_IR 192"], [0xC3, 0x28], "\u{FFFD}("), (["ISO_IR 192"], [0x41, 0xE2, 0x82], "A\u{FFFD}"),
            (["ISO_IR 192"], [0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),
            (["GB18030"], [0x81, 0x20], "\u{FFFD} "), (["GB18030"], [0x41, 0x81], "A\u{FFFD}"),
            (["GB18030"], [0x81, 0x30, 0x81, 0x30], "\u{80}"), (["GB18030"], [0x94, 0x39, 0xFC, 0x36], "😀"),
            (["GB18030"], [0x81, 0x30, 0x81], "\u{FFFD}"), (["GBK"], [0xFF, 0x41], "\u{FFFD}A"),
            (["ISO_IR 127"], [0xA1], "\u{FFFD}"), (["ISO_IR 13"], [0xE0, 0xFF], "\u{FFFD}\u{FFFD}"),
        ] as [([String], [UInt8], String)])
    func hostileBytesOfOtherSetsReadAsReplacementCharacters(_ terms: [String], _ input: [UInt8], _ expected: String) {
        #expect(SpecificCharacterSet(terms: terms).decode(valueBuffer(input), vr: .LO) == expected)
    }

    /// Random bytes under every character set: decoding terminates and never traps.
    @Test
    func randomBytesNeverCrash() {
        var generator = SplitMix64(seed: 0x5EED)
        let characterSets: [[String]] = [
            [], ["ISO_IR 100"], ["ISO_IR 13"], ["ISO_IR 192"], ["GB18030"], ["GBK"], ["ISO_IR 166"],
            ["", "ISO 2022 IR 87", "ISO 2022 IR 159"], ["ISO 2022 IR 13", "ISO 2022 IR 87"], ["", "ISO 2022 IR 149"],
            ["", "ISO 2022 IR 58"], ["ISO 2022 IR 100", "ISO 2022 IR 144", "ISO 2022 IR 87"],
        ]
        // Bias towards the bytes that matter: ESC, intermediates, finals, delimiters, high bytes.
        let interesting: [UInt8] = [
            0x1B, 0x24, 0x28, 0x29, 0x2D, 0x41, 0x42, 0x43, 0x44, 0x4A, 0x49, 0x5C, 0x5E, 0x3D, 0x0D,
        ]
        for terms in characterSets {
            let characterSet = SpecificCharacterSet(terms: terms)
            for _ in 0..<300 {
                let count = Int(generator.next() % 64)
                var input: [UInt8] = []
                for _ in 0..<count {
                    let random = generator.next()
                    input.append(
                        random & 1 == 0
                            ? interesting[Int(random >> 8) % interesting.count]
                            : UInt8(truncatingIfNeeded: random >> 16))
                }
                for vr in [VR.PN, .LO, .LT] {
                    let text = characterSet.decode(valueBuffer(input), vr: vr)
                    #expect(text.unicodeScalars.count <= input.count)
                }
            }
        }
    }

    // MARK: Encoding failures

    @Test(
        arguments: [
            ([], "Jérôme"), (["ISO_IR 100"], "山田"), (["ISO_IR 144"], "é"), (["", "ISO 2022 IR 149"], "ｱ"),
            (["", "ISO 2022 IR 87"], "é"), (["GBK"], "😀"), (["ISO_IR 13"], "あ"),
        ] as [([String], String)])
    func unrepresentableCharactersThrow(_ terms: [String], _ text: String) {
        #expect(throws: DICOMParseError.self) { try SpecificCharacterSet(terms: terms).encode(text, vr: .LO) }
    }

    @Test(arguments: [["", "ISO 2022 IR 87"], ["ISO_IR 100"], []])
    func escapeCharacterCannotBeWritten(_ terms: [String]) {
        #expect(throws: DICOMParseError.self) { try SpecificCharacterSet(terms: terms).encode("a\u{1B}$B", vr: .LO) }
    }

    @Test
    func encodingErrorNamesTheCodePointNotTheText() throws {
        do {
            _ = try SpecificCharacterSet(terms: ["ISO_IR 100"]).encode("Yamada 山", vr: .PN)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidValue)
            #expect(error.reason.contains("U+5C71"))
            #expect(!error.reason.contains("Yamada"))
        }
    }

    // MARK: DataSet accessors

    @Test
    func stringsDecodeSplitAndTrim() throws {
        var dataSet = DataSet()
        dataSet.insert(
            DataElement(tag: StructuralTag.specificCharacterSet, vr: .CS, asciiStrings: ["", "ISO 2022 IR 87"]))
        let name: [UInt8] = [
            0x59, 0x61, 0x6D, 0x61, 0x64, 0x61, 0x3D, 0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5C,
            0x53, 0x75, 0x7A, 0x75, 0x6B, 0x69, 0x20,
        ]
        dataSet.insert(DataElement(tag: .patientName, vr: .PN, bytes: valueBuffer(name)))
        dataSet.insert(DataElement(tag: .patientComments, vr: .LT, bytes: valueBuffer(asciiCodes(" a\\b  "))))
        dataSet.insert(DataElement(tag: .patientID, vr: .LO, bytes: valueBuffer(asciiCodes(" ID1 \\ ID2"))))
        dataSet.insert(DataElement(tag: .otherPatientIDs, vr: .LO, bytes: ByteBuffer()))
        dataSet.insert(DataElement(tag: .patientSex, vr: .CS, bytes: valueBuffer([0x4D, 0xE9])))

        #expect(dataSet.strings(.patientName) == ["Yamada=山田", "Suzuki"])
        #expect(dataSet.string(.patientName) == "Yamada=山田")
        #expect(dataSet.strings(.patientComments) == [" a\\b"])
        #expect(dataSet.strings(.patientID) == ["ID1", "ID2"])
        #expect(dataSet.strings(.otherPatientIDs) == [])
        #expect(dataSet.string(.otherPatientIDs) == nil)
        #expect(dataSet.strings(.patientBirthDate) == nil)
        // CS does not use the character set: bytes that are not ASCII read as U+FFFD.
        #expect(dataSet.strings(.patientSex) == ["M\u{FFFD}"])

        let names = try #require(dataSet.personNames(.patientName))
        #expect(names.count == 2)
        #expect(names.first?.alphabetic.familyName == "Yamada")
        #expect(names.first?.ideographic.familyName == "山田")
        #expect(names.last?.alphabetic.familyName == "Suzuki")
    }

    @Test
    func stringsOfAnItemUseTheInheritedCharacterSet() {
        var item = DataSet()
        item.inheritedCharacterSet = SpecificCharacterSet(terms: ["ISO_IR 144"])
        item.insert(DataElement(tag: .patientName, vr: .PN, bytes: valueBuffer([0xBB, 0xEE, 0xDA])))
        #expect(item.string(.patientName) == "Люк")
        // Its own (0008,0005) takes precedence.
        item.insert(DataElement(tag: StructuralTag.specificCharacterSet, vr: .CS, asciiStrings: ["ISO_IR 100"]))
        #expect(item.string(.patientName) == "»îÚ")
    }

    @Test
    func setStringsEncodesWithTheCharacterSetAndPads() throws {
        var dataSet = DataSet()
        dataSet.insert(
            DataElement(tag: StructuralTag.specificCharacterSet, vr: .CS, asciiStrings: ["", "ISO 2022 IR 87"]))
        try dataSet.setStrings(["Yamada^Tarou=山田^太郎"], for: .patientName, vr: .PN)
        let stored = try #require(dataSet[.patientName]?.bytes)
        #expect(stored.readableBytes % 2 == 0)
        #expect(
            valueBytes(stored)
                == asciiCodes("Yamada^Tarou=") + [0x1B, 0x24, 0x42, 0x3B, 0x33, 0x45, 0x44, 0x1B, 0x28, 0x42, 0x5E]
                + [0x1B, 0x24, 0x42, 0x42, 0x40, 0x4F, 0x3A, 0x1B, 0x28, 0x42])
        #expect(dataSet.strings(.patientName) == ["Yamada^Tarou=山田^太郎"])

        try dataSet.setStrings(["A", "山"], for: .otherPatientIDs, vr: .LO)
        #expect(dataSet.strings(.otherPatientIDs) == ["A", "山"])
        try dataSet.setStrings(["1.2.3"], for: .studyInstanceUID, vr: .UI)
        #expect(try valueBytes(#require(dataSet[.studyInstanceUID]?.bytes)) == asciiCodes("1.2.3") + [0x00])
        try dataSet.setStrings([], for: .patientComments, vr: .LT)
        #expect(dataSet.strings(.patientComments) == [])
    }

    @Test
    func setStringsRejectsWhatCannotBeWritten() {
        var dataSet = DataSet()
        #expect(throws: DICOMParseError.self) { try dataSet.setStrings(["Jérôme"], for: .patientName, vr: .PN) }
        #expect(throws: DICOMParseError.self) { try dataSet.setStrings(["a", "b"], for: .patientComments, vr: .LT) }
        #expect(throws: DICOMParseError.self) { try dataSet.setStrings(["a\\b"], for: .patientID, vr: .LO) }
        #expect(throws: DICOMParseError.self) { try dataSet.setStrings(["É"], for: .patientSex, vr: .CS) }
        #expect(throws: DICOMParseError.self) { try dataSet.setStrings(["1"], for: .rows, vr: .US) }
        do {
            try dataSet.setStrings(["Jérôme"], for: .patientName, vr: .PN)
        } catch {
            #expect(error.tagPath == [.patientName])
        }
        #expect(dataSet.isEmpty)
    }

    // MARK: Real files

    /// The patient names of pydicom 3.0.2's character set test files, as pydicom decodes them.
    @Test(
        .enabled(if: access(pydicomCharsetFiles, R_OK) == 0, "pydicom's test files are not installed"),
        arguments: [
            ("chrArab", "قباني^لنزار"), ("chrFren", "Buc^Jérôme"), ("chrFrenMulti", "Buc^Jérôme"),
            ("chrGerm", "Äneas^Rüdiger"), ("chrGreek", "Διονυσιος"), ("chrH31", "Yamada^Tarou=山田^太郎=やまだ^たろう"),
            ("chrH32", "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう"), ("chrHbrw", "שרון^דבורה"),
            ("chrI2", "Hong^Gildong=洪^吉洞=홍^길동"), ("chrKoreanMulti", "김희중"), ("chrJapMulti", "やまだ^たろう"),
            ("chrJapMultiExplicitIR6", "やまだ^たろう"), ("chrRuss", "Люкceмбypг"),
            ("chrX1", "Wang^XiaoDong=王^小東="), ("chrX2", "Wang^XiaoDong=王^小东="),
        ])
    func readsPydicomCharsetFiles(_ name: String, _ patientName: String) throws {
        let file = try DICOMFile(contentsOf: "\(pydicomCharsetFiles)/\(name).dcm")
        #expect(file.dataSet.string(.patientName) == patientName)
        #expect(file.dataSet.characterSet.unsupportedTerms.isEmpty)
    }

    @Test(
        .enabled(if: access(pydicomCharsetFiles, R_OK) == 0, "pydicom's test files are not installed"),
        arguments: ["chrSQEncoding", "chrSQEncoding1"])
    func readsItemsWithTheirOwnOrTheInheritedCharacterSet(_ name: String) throws {
        let file = try DICOMFile(contentsOf: "\(pydicomCharsetFiles)/\(name).dcm")
        #expect(file.dataSet.string(.requestingPhysician) == "Doctor^Who^^MD")
        let item = try #require(file.dataSet[.requestedProcedureCodeSequence]?.items?.first)
        #expect(item.string(.patientName) == "ﾔﾏﾀﾞ^ﾀﾛｳ=山田^太郎=やまだ^たろう")
    }
}

/// A small deterministic generator, so that the random test is the same on every run.
private struct SplitMix64 {
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
