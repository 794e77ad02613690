/// A person's name split into its component groups and components: one value of a PN element.
///
/// PS3.5 §6.2.1: up to three component groups separated by "=" — alphabetic, ideographic and phonetic — each of up
/// to five components separated by "^": family name, given name, middle name, prefix and suffix. This type works on
/// text already decoded with the data set's Specific Character Set (the `DICOM` target does that), so the examples
/// of PS3.5 Annexes H, I and J read as "Yamada^Tarou=山田^太郎=やまだ^たろう".
///
/// `description` writes the name back without trailing empty components or groups and their delimiters, as
/// PS3.5 §6.2.1.1 and §6.2.1.2 ask; values written that way read back unchanged. Nothing is trimmed or
/// normalised inside a component.
public struct PersonName: Hashable, Sendable, CustomStringConvertible {
    /// One component group: the name in one script.
    ///
    /// PS3.5 §6.2.1.1. Components that were not given are empty strings.
    public struct ComponentGroup: Hashable, Sendable, CustomStringConvertible {
        public var familyName: String
        public var givenName: String
        public var middleName: String
        public var namePrefix: String
        public var nameSuffix: String

        public init(
            familyName: String = "", givenName: String = "", middleName: String = "", namePrefix: String = "",
            nameSuffix: String = ""
        ) {
            self.familyName = familyName
            self.givenName = givenName
            self.middleName = middleName
            self.namePrefix = namePrefix
            self.nameSuffix = nameSuffix
        }

        /// Splits one component group at "^".
        ///
        /// PS3.5 §6.2.1.1. Missing components are empty. Carets past the fourth stay in the name suffix, so a
        /// malformed group with more than five components still writes back as it was read.
        public init(_ text: String) {
            self = DecimalString.withBytes(of: text) { ComponentGroup(bytes: $0) }
        }

        fileprivate init(bytes: DecimalString.Bytes) {
            var rest = bytes
            let caret = UInt8(ascii: "^")
            familyName = PersonName.text(PersonName.nextPiece(of: &rest, separator: caret))
            givenName = PersonName.text(PersonName.nextPiece(of: &rest, separator: caret))
            middleName = PersonName.text(PersonName.nextPiece(of: &rest, separator: caret))
            namePrefix = PersonName.text(PersonName.nextPiece(of: &rest, separator: caret))
            nameSuffix = PersonName.text(rest)
        }

        /// Whether every component is empty.
        public var isEmpty: Bool {
            familyName.isEmpty && givenName.isEmpty && middleName.isEmpty && namePrefix.isEmpty && nameSuffix.isEmpty
        }

        /// The components joined with "^", without trailing empty components.
        public var description: String {
            var text = ""
            var pending = 0
            PersonName.append(familyName, separator: "^", to: &text, pendingSeparators: &pending)
            PersonName.append(givenName, separator: "^", to: &text, pendingSeparators: &pending)
            PersonName.append(middleName, separator: "^", to: &text, pendingSeparators: &pending)
            PersonName.append(namePrefix, separator: "^", to: &text, pendingSeparators: &pending)
            PersonName.append(nameSuffix, separator: "^", to: &text, pendingSeparators: &pending)
            return text
        }
    }

    public var alphabetic: ComponentGroup
    public var ideographic: ComponentGroup
    public var phonetic: ComponentGroup

    public init(
        alphabetic: ComponentGroup = ComponentGroup(), ideographic: ComponentGroup = ComponentGroup(),
        phonetic: ComponentGroup = ComponentGroup()
    ) {
        self.alphabetic = alphabetic
        self.ideographic = ideographic
        self.phonetic = phonetic
    }

    /// Splits one decoded PN value into component groups at "=" and components at "^".
    ///
    /// PS3.5 §6.2.1. Missing groups and components are empty; the value should already be split at backslashes and
    /// have its trailing padding removed. Never fails: equals signs past the second stay in the phonetic group and
    /// carets past the fourth in the name suffix, so even malformed values write back as they were read.
    public init(_ text: String) {
        self = DecimalString.withBytes(of: text) { bytes in
            var rest = bytes
            let equals = UInt8(ascii: "=")
            let alphabetic = ComponentGroup(bytes: Self.nextPiece(of: &rest, separator: equals))
            let ideographic = ComponentGroup(bytes: Self.nextPiece(of: &rest, separator: equals))
            return PersonName(alphabetic: alphabetic, ideographic: ideographic, phonetic: ComponentGroup(bytes: rest))
        }
    }

    /// Whether every group is empty.
    public var isEmpty: Bool { alphabetic.isEmpty && ideographic.isEmpty && phonetic.isEmpty }

    /// The groups joined with "=", without trailing empty groups (PS3.5 §6.2.1.2).
    public var description: String {
        var text = ""
        var pending = 0
        Self.append(alphabetic.description, separator: "=", to: &text, pendingSeparators: &pending)
        Self.append(ideographic.description, separator: "=", to: &text, pendingSeparators: &pending)
        Self.append(phonetic.description, separator: "=", to: &text, pendingSeparators: &pending)
        return text
    }

    /// The bytes up to the next `separator` (or the end), leaving `rest` after the separator. "^" and "=" are ASCII,
    /// so the pieces of valid UTF-8 are valid UTF-8.
    private static func nextPiece(of rest: inout DecimalString.Bytes, separator: UInt8) -> DecimalString.Bytes {
        guard let end = rest.firstIndex(of: separator) else {
            defer { rest = rest.suffix(0) }
            return rest
        }
        defer { rest = rest[end...].dropFirst() }
        return rest[..<end]
    }

    private static func text(_ bytes: DecimalString.Bytes) -> String {
        bytes.isEmpty ? "" : String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a component (or group) after the separators owed for the empty ones before it; trailing empty ones
    /// are never written because their separators stay pending.
    private static func append(
        _ piece: String, separator: Character, to text: inout String, pendingSeparators: inout Int
    ) {
        guard !piece.isEmpty else {
            pendingSeparators += 1
            return
        }
        for _ in 0..<pendingSeparators { text.append(separator) }
        text += piece
        pendingSeparators = 1
    }
}
