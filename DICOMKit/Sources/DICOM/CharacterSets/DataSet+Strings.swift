public import DICOMCore
import NIOCore

extension DataSet {
    /// The text values of an element, decoded with the data set's character set where the VR uses it.
    ///
    /// PS3.5 §6.1.2.3 and §6.2. LO, LT, PN, SH, ST, UC and UT are decoded with `characterSet` (this data set's
    /// (0008,0005), else the one an item inherits); the other text VRs, which hold ASCII, as UTF-8 with U+FFFD for
    /// invalid bytes, as `DataElement.asciiStrings()` does.
    /// Values are split on backslashes except for LT, ST, UT and UR, and trimmed by the VR's rules (`ValueText`).
    /// nil when the element is absent or is not a text element with its value in memory (a sequence, bulk data, a
    /// binary VR); [] when its value is empty.
    public func strings(_ tag: Tag) -> [String]? {
        guard let element = self[tag], element.vr.isText, let bytes = element.bytes else { return nil }
        if bytes.readableBytes == 0 { return [] }
        let text = bytes.withUnsafeReadableBytes { raw in
            // ASCII reads the same in every character set: skip reading (0008,0005), the common case.
            if !element.vr.usesSpecificCharacterSet || SpecificCharacterSet.isPlainASCII(raw) {
                return String(decoding: raw, as: UTF8.self)
            }
            return characterSet.decode(bytes, vr: element.vr)
        }
        return ValueText.split(text, vr: element.vr)
    }

    /// The first text value of an element (see `strings(_:)`); nil when absent or empty.
    public func string(_ tag: Tag) -> String? {
        strings(tag)?.first
    }

    /// The person names of a PN element, decoded with the data set's character set (see `strings(_:)`); nil when
    /// absent, [] when empty.
    public func personNames(_ tag: Tag) -> [PersonName]? {
        strings(tag)?.map { PersonName($0) }
    }

    /// Sets a text element: values joined with backslashes, encoded with the data set's character set where the VR
    /// uses it (else ASCII) and padded to even length with the VR's padding byte.
    ///
    /// PS3.5 §6.1.2.5 and §6.2. Set (0008,0005) first: text is encoded with the character set in effect when this
    /// is called. Throws `invalidValue` for a VR that is not text, several values for LT, ST, UT or UR, a backslash
    /// inside a value of a multi-valued VR, or a character the character set cannot represent.
    public mutating func setStrings(_ values: [String], for tag: Tag, vr: VR) throws(DICOMParseError) {
        guard vr.isText else {
            throw DICOMParseError(.invalidValue, "\(vr) is not a text VR", tagPath: [tag])
        }
        if vr.isSingleValuedText {
            guard values.count <= 1 else {
                throw DICOMParseError(.invalidValue, "\(vr) holds one value, not \(values.count)", tagPath: [tag])
            }
        } else if values.contains(where: { $0.utf8.contains(0x5C) }) {
            throw DICOMParseError(.invalidValue, "a \(vr) value cannot contain a backslash", tagPath: [tag])
        }
        let text = values.joined(separator: "\\")
        var bytes: ByteBuffer
        if vr.usesSpecificCharacterSet {
            do {
                bytes = try characterSet.encode(text, vr: vr)
            } catch {
                var error = error
                error.tagPath = [tag]
                throw error
            }
        } else {
            if let character = text.unicodeScalars.first(where: { !$0.isASCII }) {
                var error = ISO2022Codec.unrepresentable(character, "")
                error.tagPath = [tag]
                throw error
            }
            bytes = ByteBuffer(string: text)
        }
        if bytes.readableBytes % 2 == 1 { bytes.writeInteger(vr.paddingByte) }
        self[tag] = DataElement(tag: tag, vr: vr, bytes: bytes)
    }
}
