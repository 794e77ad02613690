/// The text rules shared by every string VR: splitting into values and dropping insignificant padding.
///
/// PS3.5 §6.2: which spaces are significant depends on the VR; values of multi-valued VRs are separated by
/// backslashes, except LT, ST, UT and UR, which hold one value. Trailing NULs, which many writers leave instead
/// of spaces, are dropped everywhere.
public enum ValueText {
    /// Splits decoded text into its values (one value for single-valued VRs) and trims each.
    public static func split(_ text: String, vr: VR) -> [String] {
        if vr.isSingleValuedText {
            return [trimmed(text, vr: vr)]
        }
        // Byte by byte: the delimiter is the byte 5CH, whatever Unicode character a following byte would form.
        return text.utf8.split(separator: UInt8(ascii: "\\"), omittingEmptySubsequences: false).map {
            trimmed(Substring($0), vr: vr)
        }
    }

    /// Drops the padding that is not significant for the VR: trailing NULs and spaces, and for the VRs whose
    /// leading spaces are insignificant too (PS3.5 §6.2), leading spaces.
    public static func trimmed(_ value: some StringProtocol, vr: VR) -> String {
        let utf8 = Substring(value).utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while end > start {
            let last = utf8.index(before: end)
            guard utf8[last] == 0 || utf8[last] == UInt8(ascii: " ") else { break }
            end = last
        }
        switch vr {
        case .AE, .CS, .DS, .IS, .LO, .SH, .UI, .AS, .DA, .TM, .DT:
            while start < end, utf8[start] == UInt8(ascii: " ") { start = utf8.index(after: start) }
        default:
            break
        }
        return String(Substring(utf8[start..<end]))
    }
}
