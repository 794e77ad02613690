import DICOM
import DICOMCore
import NIOCore

/// The values of a text element as UTF-8 bytes: decoded with the character set, split at backslashes and trimmed,
/// following the same rules as `ValueText` and `DataSet.strings(_:)` but without building a `String` per value.
///
/// PS3.5 §6.1.2.3, §6.2 and PS3.18 §F.2.4. Values in plain ASCII (the usual case for UIDs, codes, dates and most
/// names) are handed over as slices of the element's own bytes; anything else is decoded once with the data set's
/// Specific Character Set (for LO, LT, PN, SH, ST, UC and UT) or as UTF-8 with U+FFFD for invalid bytes (other VRs).
/// Splitting happens on the UTF-8 bytes, which is safe because 0x5C never occurs inside a multi-byte sequence.
enum TextValues {
    /// Whether the value holds no text but padding: no value at all, as pydicom and `asciiStrings()` read it.
    static func isBlank(_ bytes: ByteBuffer) -> Bool {
        bytes.readableBytesView.allSatisfy { $0 == 0x20 || $0 == 0x00 }
    }

    /// Calls `body` with each value's bytes, in order, without the padding that is insignificant for the VR.
    ///
    /// LT, ST, UT and UR hold one value whatever backslashes they contain; the other VRs are split at each one.
    static func forEach(
        in bytes: ByteBuffer, vr: VR, characterSet: SpecificCharacterSet,
        _ body: (_ value: UnsafeBufferPointer<UInt8>) -> Void
    ) {
        let isASCII = bytes.withUnsafeReadableBytes { isPlainASCII($0) }
        if isASCII {
            bytes.withUnsafeReadableBytes { raw in
                raw.withMemoryRebound(to: UInt8.self) { split($0, vr: vr, body) }
            }
            return
        }
        var text =
            vr.usesSpecificCharacterSet
            ? characterSet.decode(bytes, vr: vr) : String(decoding: bytes.readableBytesView, as: UTF8.self)
        text.withUTF8 { split($0, vr: vr, body) }
    }

    /// True when every byte is 0x00–0x7F and none is ESC, so that the bytes mean the same in every character set.
    static func isPlainASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let escapes = word ^ 0x1B1B_1B1B_1B1B_1B1B
            let hasEscape = (escapes &- 0x0101_0101_0101_0101) & ~escapes & 0x8080_8080_8080_8080
            if (word & 0x8080_8080_8080_8080) | hasEscape != 0 { return false }
            index += 8
        }
        while index < count {
            if bytes[index] >= 0x80 || bytes[index] == 0x1B { return false }
            index += 1
        }
        return true
    }

    private static func split(
        _ text: UnsafeBufferPointer<UInt8>, vr: VR, _ body: (UnsafeBufferPointer<UInt8>) -> Void
    ) {
        if vr.isSingleValuedText {
            body(trimmed(text, from: 0, to: text.count, vr: vr))
            return
        }
        var start = 0
        for index in 0..<text.count where text[index] == UInt8(ascii: "\\") {
            body(trimmed(text, from: start, to: index, vr: vr))
            start = index + 1
        }
        body(trimmed(text, from: start, to: text.count, vr: vr))
    }

    /// The value without trailing spaces and NULs, and without leading spaces for the VRs where they are not
    /// significant (PS3.5 §6.2), as `ValueText.trimmed` does.
    private static func trimmed(
        _ text: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, vr: VR
    ) -> UnsafeBufferPointer<UInt8> {
        var start = start
        var end = end
        while end > start, text[end - 1] == 0x20 || text[end - 1] == 0x00 { end -= 1 }
        if hasInsignificantLeadingSpaces(vr) {
            while start < end, text[start] == 0x20 { start += 1 }
        }
        return UnsafeBufferPointer(rebasing: text[start..<end])
    }

    private static func hasInsignificantLeadingSpaces(_ vr: VR) -> Bool {
        switch vr {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .SH, .TM, .UI: true
        case .AT, .FD, .FL, .LT, .OB, .OD, .OF, .OL, .OV, .OW, .PN, .SL, .SQ, .SS, .ST, .SV, .UC, .UL, .UN, .UR, .US,
            .UT, .UV:
            false
        }
    }
}

/// One PN value split into its three component groups (PS3.5 §6.2.1.2).
struct PersonNameGroups {
    var alphabetic: UnsafeBufferPointer<UInt8>
    var ideographic: UnsafeBufferPointer<UInt8>
    var phonetic: UnsafeBufferPointer<UInt8>

    /// Splits at the first two `=`; any further `=` stays in the phonetic group, so nothing is lost.
    init(_ value: UnsafeBufferPointer<UInt8>) {
        var first: Int?
        var second: Int?
        for index in 0..<value.count where value[index] == UInt8(ascii: "=") {
            if first == nil {
                first = index
            } else {
                second = index
                break
            }
        }
        let empty = UnsafeBufferPointer(rebasing: value[0..<0])
        guard let first else {
            (alphabetic, ideographic, phonetic) = (value, empty, empty)
            return
        }
        alphabetic = UnsafeBufferPointer(rebasing: value[0..<first])
        guard let second else {
            ideographic = UnsafeBufferPointer(rebasing: value[(first + 1)...])
            phonetic = empty
            return
        }
        ideographic = UnsafeBufferPointer(rebasing: value[(first + 1)..<second])
        phonetic = UnsafeBufferPointer(rebasing: value[(second + 1)...])
    }

    var isEmpty: Bool { alphabetic.isEmpty && ideographic.isEmpty && phonetic.isEmpty }
}
