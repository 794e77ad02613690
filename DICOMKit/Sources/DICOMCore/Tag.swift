/// A DICOM attribute tag: a group number in the high 16 bits and an element number in the low 16 bits.
///
/// PS3.5 §7.1. Tags order as their 32-bit values, which is the order elements take in an encoded data set.
/// Named constants (`Tag.patientName`) are PS3.6 keywords generated into `DICOMDictionary`.
public struct Tag: RawRepresentable, Hashable, Comparable, Sendable {
    public var rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    @inlinable
    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    @inlinable
    public init(group: UInt16, element: UInt16) {
        self.rawValue = UInt32(group) << 16 | UInt32(element)
    }

    @inlinable
    public var group: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }

    @inlinable
    public var element: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// Odd groups other than 0001, 0003, 0005, 0007 and FFFF hold private attributes (PS3.5 §7.8.1).
    @inlinable
    public var isPrivate: Bool {
        group & 1 == 1 && group > 0x0007 && group != 0xFFFF
    }

    /// A private creator element, (gggg,0010)–(gggg,00FF) in a private group, reserves a block of 256 elements.
    @inlinable
    public var isPrivateCreator: Bool {
        isPrivate && (0x0010...0x00FF).contains(element)
    }

    /// The private creator element that reserves this private element's block, or nil when it is not a
    /// private data element: (gggg,xxyy) is reserved by (gggg,00xx).
    @inlinable
    public var privateCreatorTag: Tag? {
        guard isPrivate, element >= 0x1000 else { return nil }
        return Tag(group: group, element: element >> 8)
    }

    /// Group length elements (gggg,0000) are retired outside the command and file meta groups.
    @inlinable
    public var isGroupLength: Bool { element == 0 }

    /// File meta information lives in group 0002 (PS3.10 §7.1).
    @inlinable
    public var isFileMetaInformation: Bool { group == 0x0002 }

    /// Item, Item Delimitation Item and Sequence Delimitation Item (PS3.5 §7.5).
    @inlinable
    public var isDelimiter: Bool { group == 0xFFFE }

    @inlinable
    public static func < (lhs: Tag, rhs: Tag) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Tag: CustomStringConvertible {
    /// The conventional `(GGGG,EEEE)` form in upper-case hexadecimal.
    public var description: String {
        "(\(Self.hex4(group)),\(Self.hex4(element)))"
    }

    /// The eight hexadecimal digits used as keys in the DICOM JSON model (PS3.18 §F.2.1.1).
    public var hexString: String { Self.hex4(group) + Self.hex4(element) }

    /// Parses `GGGGEEEE` or `(GGGG,EEEE)` / `GGGG,EEEE` hexadecimal forms; nil for anything else.
    public init?(hexString: some StringProtocol) {
        var digits = Substring(hexString)
        if digits.first == "(" && digits.last == ")" { digits = digits.dropFirst().dropLast() }
        let compact = digits.filter { $0 != "," }
        guard compact.count == 8, compact.allSatisfy(\.isHexDigit), let value = UInt32(compact, radix: 16) else {
            return nil
        }
        self.init(rawValue: value)
    }

    private static func hex4(_ value: UInt16) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

/// Tags that the codecs themselves need; everything else comes from the generated dictionary.
public enum StructuralTag {
    public static let item = Tag(rawValue: 0xFFFE_E000)
    public static let itemDelimitation = Tag(rawValue: 0xFFFE_E00D)
    public static let sequenceDelimitation = Tag(rawValue: 0xFFFE_E0DD)
    public static let pixelData = Tag(rawValue: 0x7FE0_0010)
    public static let floatPixelData = Tag(rawValue: 0x7FE0_0008)
    public static let doubleFloatPixelData = Tag(rawValue: 0x7FE0_0009)
    public static let specificCharacterSet = Tag(rawValue: 0x0008_0005)
    public static let fileMetaInformationGroupLength = Tag(rawValue: 0x0002_0000)
    public static let transferSyntaxUID = Tag(rawValue: 0x0002_0010)
}
