import DICOMCore
import NIOCore

/// Decodes and encodes text of the default repertoire, the single-byte sets and the ISO 2022 code extensions.
///
/// PS3.5 §6.1.2.4–§6.1.2.5 and Annexes H (Japanese), I (Korean) and K (Chinese). G0 is invoked into GL and G1 into
/// GR. Escape sequences designate sets; the initial sets of value 1 become active again at every CR, LF, FF and TAB,
/// at every backslash of a multi-valued VR and, for PN, at every `^` and `=`: readers reset there, and writers
/// switch back before them. A single-byte set without code extensions is the same codec with no escape written.
struct ISO2022Codec: Sendable {
    /// The G0 set of value 1: ASCII, or JIS X 0201 Romaji for ISO 2022 IR 13.
    let initialG0: GraphicCharacterSet
    /// The G1 set of value 1, nil when it has none (ISO-IR 6).
    let initialG1: GraphicCharacterSet?
    /// The set that reads GR bytes while no G1 set is designated: the initial G1, else the first double-byte G1 set
    /// of the terms (for writers that leave out ESC $ ) C), else Latin-1 (for data sets that have no Specific
    /// Character Set yet hold Latin-1 text, as many old ones do). Encoding never relies on it.
    let undesignatedG1: GraphicCharacterSet
    /// The sets encoding may use, in the order of the terms, initial sets first.
    let sets: [GraphicCharacterSet]
    /// Whether encoding may designate sets other than the initial ones.
    let usesCodeExtensions: Bool

    private static let escape: UInt8 = 0x1B

    /// Whether a byte read or written in a single-byte G0 set makes the initial sets active again (PS3.5 §6.1.2.5.3).
    @inline(__always)
    static func resetsState(_ byte: UInt8, vr: VR) -> Bool {
        switch byte {
        case 0x09, 0x0A, 0x0C, 0x0D: true
        case 0x5C: !vr.isSingleValuedText
        case 0x3D, 0x5E: vr == .PN
        default: false
        }
    }

    // MARK: Decoding

    /// The sets in effect while decoding, with their tables looked up once per designation.
    private struct DecodingState {
        var g0: GraphicCharacterSet
        var g0Table: DoubleByteTable?
        /// The set that reads GR bytes: the designated G1 set, else `undesignatedG1`.
        var g1: GraphicCharacterSet
        var g1SingleByteTable: SingleByteTable?
        var g1DoubleByteTable: DoubleByteTable?

        init(g0: GraphicCharacterSet, g1: GraphicCharacterSet) {
            self.g0 = g0
            self.g0Table = g0.doubleByteTable
            self.g1 = g1
            self.g1SingleByteTable = g1.singleByteTable
            self.g1DoubleByteTable = g1.doubleByteTable
        }

        mutating func designate(_ set: GraphicCharacterSet) {
            if set.isG0 {
                g0 = set
                g0Table = set.doubleByteTable
            } else {
                g1 = set
                g1SingleByteTable = set.singleByteTable
                g1DoubleByteTable = set.doubleByteTable
            }
        }
    }

    /// Decodes a whole value. Never fails: an undefined code, a double-byte code cut short, a malformed or
    /// truncated escape sequence or one DICOM does not use each read as U+FFFD, and decoding goes on after it.
    func decode(_ bytes: UnsafeRawBufferPointer, vr: VR) -> String {
        let initialState = DecodingState(g0: initialG0, g1: undesignatedG1)
        // Every character read takes at least one byte and at most three in UTF-8 (all sets are in the BMP).
        return String(unsafeUninitializedCapacity: max(bytes.count * 3, 1)) { output in
            var text = UTF8Writer(output)
            var state = initialState
            let count = bytes.count
            var index = 0
            while index < count {
                let byte = bytes[index]
                switch byte {
                case Self.escape:
                    index = readEscapeSequence(bytes, at: index, state: &state, into: &text)
                case 0x00...0x20, 0x7F:
                    // Controls and SPACE are the same in every G0 set, single- or double-byte.
                    if Self.resetsState(byte, vr: vr) { state = initialState }
                    text.append(byte)
                    index += 1
                case 0x21...0x7E:
                    if let table = state.g0Table {
                        if index + 1 < count, (0x21...0x7E).contains(bytes[index + 1]) {
                            text.append(table.character(byte, bytes[index + 1]))
                            index += 2
                        } else {
                            text.append(CodeTables.replacement)
                            index += 1
                        }
                    } else {
                        if Self.resetsState(byte, vr: vr) { state = initialState }
                        text.append(byte)
                        index += 1
                    }
                default:
                    if let table = state.g1DoubleByteTable {
                        if index + 1 < count, (0xA1...0xFE).contains(byte), (0xA1...0xFE).contains(bytes[index + 1]) {
                            text.append(table.character(byte, bytes[index + 1]))
                            index += 2
                        } else {
                            text.append(CodeTables.replacement)
                            index += 1
                        }
                    } else if state.g1 == .jisX0201Katakana, let kanji = Self.shiftJISCharacter(bytes, at: index) {
                        text.append(kanji)
                        index += 2
                    } else {
                        text.append(state.g1SingleByteTable?.character(byte) ?? CodeTables.replacement)
                        index += 1
                    }
                }
            }
            return text.count
        }
    }

    /// Reads the escape sequence at `start` and designates its set; returns the index after it. An escape sequence is
    /// ESC, intermediate bytes 0x20–0x2F and a final byte 0x30–0x7E (ISO/IEC 2022 §13.1). An unknown one reads as
    /// U+FFFD and changes nothing; one broken by another byte reads as U+FFFD and decoding resumes at that byte; one
    /// cut off by the end of the value reads as U+FFFD.
    private func readEscapeSequence(
        _ bytes: UnsafeRawBufferPointer, at start: Int, state: inout DecodingState, into text: inout UTF8Writer
    ) -> Int {
        var index = start + 1
        var first: UInt8?
        var second: UInt8?
        var intermediateCount = 0
        while index < bytes.count, (0x20...0x2F).contains(bytes[index]) {
            if intermediateCount == 0 { first = bytes[index] } else if intermediateCount == 1 { second = bytes[index] }
            intermediateCount += 1
            index += 1
        }
        guard index < bytes.count else {
            text.append(CodeTables.replacement)
            return bytes.count
        }
        let final = bytes[index]
        guard (0x30...0x7E).contains(final) else {
            text.append(CodeTables.replacement)
            return index
        }
        guard let first, intermediateCount <= 2,
            let set = GraphicCharacterSet(intermediates: (first, second), final: final)
        else {
            text.append(CodeTables.replacement)
            return index + 1
        }
        state.designate(set)
        return index + 1
    }

    /// A Shift_JIS double-byte code read where JIS X 0201 katakana is in G1: not DICOM, but what some Japanese
    /// writers store under ISO_IR 13. nil when the bytes are not a Shift_JIS code of JIS X 0208, so that they read
    /// as katakana or U+FFFD instead. Valid katakana (0xA1–0xDF) is never a Shift_JIS lead byte.
    private static func shiftJISCharacter(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Unicode.Scalar? {
        let lead = bytes[index]
        guard (0x81...0x9F).contains(lead) || (0xE0...0xEF).contains(lead), index + 1 < bytes.count else { return nil }
        let trail = bytes[index + 1]
        guard (0x40...0x7E).contains(trail) || (0x80...0xFC).contains(trail) else { return nil }
        var row = (lead < 0xA0 ? lead - 0x70 : lead - 0xB0) << 1
        let cell: UInt8
        if trail < 0x9F {
            row -= 1
            cell = trail - (trail > 0x7F ? 0x20 : 0x1F)
        } else {
            cell = trail - 0x7E
        }
        let character = CodeTables.jisX0208.character(row, cell)
        return character == CodeTables.replacement ? nil : character
    }

    // MARK: Encoding

    /// Encodes a whole value: the initial sets where they suffice, else the first set of the terms that has the
    /// character, designated by its escape sequence, with the initial sets made active again before each delimiter
    /// and at the end. Throws `invalidValue` for a character no set has, and for ESC.
    func encode(_ text: String, vr: VR, description: String) throws(DICOMParseError) -> ByteBuffer {
        var output = ByteBuffer()
        output.reserveCapacity(text.utf8.count + 8)
        var g0 = initialG0
        var g1 = initialG1
        for character in text.unicodeScalars {
            if character.isASCII {
                let byte = UInt8(truncatingIfNeeded: character.value)
                // PS3.5 §6.1.3: ESC only introduces escape sequences; readers would take a stray one for one.
                if byte == Self.escape {
                    throw DICOMParseError(.invalidValue, "ESC (U+001B) cannot be written in a text value")
                }
                if Self.resetsState(byte, vr: vr) {
                    restoreInitialSets(g0: &g0, g1: &g1, into: &output)
                } else if g0.doubleByteTable != nil {
                    output.writeBytes(initialG0.designation)
                    g0 = initialG0
                }
                output.writeInteger(byte)
                continue
            }
            if let table = g0.doubleByteTable, let code = table.code(for: character) {
                output.writeMultipleIntegers(code.row, code.cell)
                continue
            }
            if let g1, Self.writeG1(character, in: g1, into: &output) { continue }
            guard usesCodeExtensions else { throw Self.unrepresentable(character, description) }
            var written = false
            for set in sets where set != g0 && set != g1 {
                if set.isG0 {
                    guard let table = set.doubleByteTable, let code = table.code(for: character) else { continue }
                    output.writeBytes(set.designation)
                    output.writeMultipleIntegers(code.row, code.cell)
                    g0 = set
                } else {
                    var encoded = ByteBuffer()
                    guard Self.writeG1(character, in: set, into: &encoded) else { continue }
                    output.writeBytes(set.designation)
                    output.writeImmutableBuffer(encoded)
                    g1 = set
                }
                written = true
                break
            }
            guard written else { throw Self.unrepresentable(character, description) }
        }
        restoreInitialSets(g0: &g0, g1: &g1, into: &output)
        return output
    }

    /// Writes the escape sequences that make the initial sets active again, where another set was designated. A G1
    /// set designated over none needs no sequence: readers drop it at the delimiter.
    private func restoreInitialSets(
        g0: inout GraphicCharacterSet, g1: inout GraphicCharacterSet?, into output: inout ByteBuffer
    ) {
        if g0 != initialG0 {
            output.writeBytes(initialG0.designation)
            g0 = initialG0
        }
        if g1 != initialG1 {
            if let initialG1 { output.writeBytes(initialG1.designation) }
            g1 = initialG1
        }
    }

    /// Writes a character in a G1 set, high bit set; false when the set lacks it.
    private static func writeG1(_ character: Unicode.Scalar, in set: GraphicCharacterSet, into output: inout ByteBuffer)
        -> Bool
    {
        if let table = set.doubleByteTable {
            guard let code = table.code(for: character) else { return false }
            output.writeMultipleIntegers(code.row | 0x80, code.cell | 0x80)
            return true
        }
        guard let byte = set.singleByteTable?.code(for: character) else { return false }
        output.writeInteger(byte)
        return true
    }

    /// The error for a character that a character set lacks. It names the code point, never the text, which may be a
    /// patient's name. An empty `description` is the default repertoire.
    @inline(never)
    static func unrepresentable(_ character: Unicode.Scalar, _ description: String) -> DICOMParseError {
        let hex = String(character.value, radix: 16, uppercase: true)
        let code = String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        let characterSet =
            description.isEmpty ? "the default repertoire (ISO-IR 6)" : "Specific Character Set '\(description)'"
        return DICOMParseError(.invalidValue, "U+\(code) cannot be encoded in \(characterSet)")
    }
}
