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
        return text.split(separator: "\\", omittingEmptySubsequences: false).map { trimmed($0, vr: vr) }
    }

    /// Drops the padding that is not significant for the VR.
    public static func trimmed(_ value: some StringProtocol, vr: VR) -> String {
        var scalars = Substring(value).unicodeScalars[...]
        while let last = scalars.last, last == "\0" || last == " " { scalars.removeLast() }
        switch vr {
        case .AE, .CS, .DS, .IS, .LO, .SH, .UI, .AS, .DA, .TM, .DT:
            while let first = scalars.first, first == " " { scalars.removeFirst() }
        default:
            break
        }
        return String(String.UnicodeScalarView(scalars))
    }
}
