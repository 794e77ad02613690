public import DICOMCore
import DICOM
import DICOMDictionary
public import NIOCore

/// Reads the DICOM JSON Model (PS3.18 Annex F) into data sets: STOW-RS metadata, QIDO-RS responses.
///
/// PS3.18 §F.2. The input is untrusted: the JSON is parsed by a strict RFC 8259 parser with bounded nesting, and every
/// failure, malformed JSON or a value that does not fit its VR, throws a `DICOMParseError` with the byte offset
/// of the offending JSON value and the tag path of the attribute; nothing traps.
///
/// How values become DICOM encodings:
/// - Text (AE, AS, CS, DA, DT, LO, LT, SH, ST, TM, UC, UI, UR, UT) is joined with backslashes (`null` for an empty
///   value) and encoded with the Specific Character Set (0008,0005) given in the same object or an enclosing one
///   (items inherit, PS3.5 §7.5.3) for the VRs it applies to. Without one, text is stored as UTF-8 (JSON text is
///   Unicode), and when any of it is not ASCII, (0008,0005) ISO_IR 192 is added to the top-level data set so
///   that readers decode it as UTF-8 and not in the default repertoire. Text that the character set cannot
///   represent throws `invalidValue`, as does a backslash inside a value of a multi-valued VR or more than one
///   value of LT, ST, UT or UR.
/// - PN objects become `Alphabetic=Ideographic=Phonetic`, trailing empty groups left out (PS3.5 §6.2.1.2); a
///   plain string, which some servers send, is taken as the whole value.
/// - DS and IS numbers become valid DS/IS text: a DS number is kept as written when it fits 16 bytes, else
///   rounded to the closest DS that does; an IS number must be an integer in -2^31 ... 2^31-1. Strings (which
///   PS3.18 allows for IS, DS, SV and UV "to preserve the original format") are kept as written, but must be
///   ASCII.
/// - US, SS, UL, SL, SV, UV, FL and FD numbers (or numeric strings) are stored as little-endian binary; integers
///   must be integral and in range for the VR, FL and FD must be finite unless given as the strings `"NaN"`,
///   `"Infinity"` or `"-Infinity"` (which `DICOMJSONEncoder` writes for them). `null` stands for an empty value
///   (PS3.18 §F.2.5) only where PS3.5 has one, in text, PN, DS and IS values; among binary numbers it is an error.
/// - AT strings `GGGGEEEE` become the two 16-bit numbers, little-endian.
/// - InlineBinary is base64-decoded (strictly: any character outside the alphabet is an error); it is accepted for
///   any VR but SQ and stored as the value bytes. InlineBinary of OB Pixel Data (7FE0,0010) that is exactly an
///   encapsulated Value Field (items of defined length, optionally ending with a Sequence Delimitation Item, as
///   `DICOMJSONEncoder` and pydicom write encapsulated pixel data without a URI) becomes `.fragments` again.
/// - BulkDataURI becomes `.bulkData(BulkDataReference(.uri(uri)))`.
/// - Values are padded to even length with the VR's padding byte (PS3.18 §F.1).
/// - "vr" is required by PS3.18; when it is missing, the data dictionary's VR is used if the tag is known.
///   Attribute names must be eight hexadecimal digits; a name repeated in one object is an error. Members other
///   than "vr", "Value", "InlineBinary" and "BulkDataURI" are ignored; more than one of the last three is an
///   error. Attributes may come in any order.
public struct DICOMJSONDecoder: Sendable {
    /// Sequences nested deeper than this are rejected (`nestingTooDeep`), as `DICOMReadOptions` does for binary
    /// data sets. The JSON parser's own limit on nested arrays and objects follows from it.
    public var maximumNestingDepth: Int

    public init(maximumNestingDepth: Int = 64) {
        self.maximumNestingDepth = maximumNestingDepth
    }

    /// Reads one DICOM JSON Model object: `{"00100010": {"vr": "PN", …}, …}`.
    public func decode(_ bytes: ByteBuffer) throws(DICOMParseError) -> DataSet {
        let root = try JSONParser.parse(bytes, maximumDepth: maximumJSONDepth)
        return try topLevelDataSet(from: root)
    }

    /// Reads a JSON array of DICOM JSON Model objects, as QIDO-RS responses and WADO-RS metadata are.
    public func decodeArray(_ bytes: ByteBuffer) throws(DICOMParseError) -> [DataSet] {
        let root = try JSONParser.parse(bytes, maximumDepth: maximumJSONDepth + 1)
        guard case .array(let values) = root.kind else {
            throw DICOMParseError(
                .invalidValue, "expected an array of data sets, not \(root.typeName)", offset: root.offset)
        }
        var dataSets: [DataSet] = []
        dataSets.reserveCapacity(values.count)
        for value in values {
            dataSets.append(try topLevelDataSet(from: value))
        }
        return dataSets
    }

    /// Each sequence level is three JSON containers deep (attribute, "Value" array, item); PN values add one.
    /// Clamped so that no setting overflows the arithmetic.
    private var maximumJSONDepth: Int { 3 * min(max(maximumNestingDepth, 0), 1 << 20) + 4 }

    // MARK: - Data sets

    /// A top-level data set. Without a Specific Character Set, text is stored as UTF-8; when some of it is not
    /// ASCII, the object is read again with ISO_IR 192 inherited (so that items say UTF-8 too) and (0008,0005)
    /// added, since PS3.5 §6.1.2.5 reads text without one in the default repertoire.
    private func topLevelDataSet(from value: JSONValue) throws(DICOMParseError) -> DataSet {
        let dataSet = try self.dataSet(from: value, inherited: nil, tagPath: [])
        guard !dataSet.contains(StructuralTag.specificCharacterSet), Self.holdsNonASCIIText(dataSet) else {
            return dataSet
        }
        var utf8 = try self.dataSet(from: value, inherited: Self.utf8, tagPath: [])
        utf8.inheritedCharacterSet = nil
        utf8.insert(
            DataElement(tag: StructuralTag.specificCharacterSet, vr: .CS, bytes: ByteBuffer(string: "ISO_IR 192")))
        return utf8
    }

    private static let utf8 = SpecificCharacterSet(terms: ["ISO_IR 192"])

    /// Whether a value that the Specific Character Set applies to has a byte outside ASCII, here or in an item
    /// that has no (0008,0005) of its own.
    private static func holdsNonASCIIText(_ dataSet: DataSet) -> Bool {
        dataSet.contains { element in
            if let items = element.items {
                return items.contains { !$0.contains(StructuralTag.specificCharacterSet) && holdsNonASCIIText($0) }
            }
            guard element.vr.usesSpecificCharacterSet, let bytes = element.bytes else { return false }
            return bytes.readableBytesView.contains { $0 >= 0x80 }
        }
    }

    private func dataSet(
        from value: JSONValue, inherited: SpecificCharacterSet?, tagPath: [Tag]
    ) throws(DICOMParseError) -> DataSet {
        guard case .object(let members) = value.kind else {
            throw DICOMParseError(
                .invalidValue, "expected a data set object, not \(value.typeName)", offset: value.offset,
                tagPath: tagPath)
        }
        var attributes: [(tag: Tag, member: JSONMember)] = []
        attributes.reserveCapacity(members.count)
        for member in members {
            guard let tag = Self.tag(member.name) else {
                throw DICOMParseError(
                    .invalidTag, "an attribute name is not eight hexadecimal digits", offset: member.nameOffset,
                    tagPath: tagPath)
            }
            attributes.append((tag, member))
        }
        attributes.sort { $0.tag < $1.tag }
        for index in attributes.indices.dropFirst() where attributes[index].tag == attributes[index - 1].tag {
            throw DICOMParseError(
                .invalidTag, "attribute \(attributes[index].tag) appears twice",
                offset: attributes[index].member.nameOffset, tagPath: tagPath)
        }

        var result = DataSet()
        result.inheritedCharacterSet = inherited
        // The character set must be known before any text is encoded, wherever (0008,0005) sits in the object.
        var characterSet = inherited
        if let entry = attributes.first(where: { $0.tag == StructuralTag.specificCharacterSet }) {
            let element = try self.element(
                entry.tag, from: entry.member.value, characterSet: nil, tagPath: tagPath + [entry.tag])
            if let bytes = element.bytes { characterSet = SpecificCharacterSet(encodedValue: bytes) }
        }
        for (tag, member) in attributes {
            result.insert(try element(tag, from: member.value, characterSet: characterSet, tagPath: tagPath + [tag]))
        }
        return result
    }

    /// `GGGGEEEE`, exactly eight hexadecimal digits (PS3.18 §F.2.1.1); either case is accepted.
    private static func tag(_ name: String) -> Tag? {
        let utf8 = name.utf8
        guard utf8.count == 8 else { return nil }
        var value: UInt32 = 0
        for byte in utf8 {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return Tag(rawValue: value)
    }

    // MARK: - Attributes

    private func element(
        _ tag: Tag, from attribute: JSONValue, characterSet: SpecificCharacterSet?, tagPath: [Tag]
    ) throws(DICOMParseError) -> DataElement {
        guard case .object(let fields) = attribute.kind else {
            throw DICOMParseError(
                .invalidValue, "expected an attribute object, not \(attribute.typeName)", offset: attribute.offset,
                tagPath: tagPath)
        }
        var vrField: JSONValue?
        var payload: (name: String, value: JSONValue)?
        for field in fields {
            switch field.name {
            case "vr":
                guard vrField == nil else { throw duplicateField(field, tagPath) }
                vrField = field.value
            case "Value", "InlineBinary", "BulkDataURI":
                if let payload {
                    let reason =
                        payload.name == field.name
                        ? "\"\(field.name)\" appears twice"
                        : "an attribute has both \"\(payload.name)\" and \"\(field.name)\""
                    throw DICOMParseError(.invalidValue, reason, offset: field.nameOffset, tagPath: tagPath)
                }
                payload = (field.name, field.value)
            default:
                continue
            }
        }
        let vr = try Self.vr(vrField, tag: tag, attribute: attribute, tagPath: tagPath)
        guard let payload else {
            return vr == .SQ ? DataElement(tag: tag, items: []) : DataElement(tag: tag, vr: vr, bytes: ByteBuffer())
        }
        switch payload.name {
        case "BulkDataURI":
            guard case .string(let uri) = payload.value.kind, vr != .SQ else {
                throw wrongType(payload.value, vr: vr, expected: "a URI string", tagPath)
            }
            return DataElement(tag: tag, vr: vr, value: .bulkData(BulkDataReference(.uri(uri))))
        case "InlineBinary":
            guard case .string(let text) = payload.value.kind, vr != .SQ else {
                throw wrongType(payload.value, vr: vr, expected: "a base64 string", tagPath)
            }
            guard var bytes = Base64.decode(text) else {
                throw DICOMParseError(
                    .invalidValue, "InlineBinary is not valid base64", offset: payload.value.offset, tagPath: tagPath)
            }
            if tag == StructuralTag.pixelData, vr == .OB,
                let fragments = BulkDataPolicy.fragments(fromEncapsulated: bytes)
            {
                return DataElement(tag: tag, vr: vr, value: .fragments(fragments))
            }
            if bytes.readableBytes % 2 == 1 { bytes.writeInteger(vr.paddingByte) }
            return DataElement(tag: tag, vr: vr, bytes: bytes)
        default:
            if case .null = payload.value.kind {
                return vr == .SQ ? DataElement(tag: tag, items: []) : DataElement(tag: tag, vr: vr, bytes: ByteBuffer())
            }
            guard case .array(let values) = payload.value.kind else {
                throw wrongType(payload.value, vr: vr, expected: "a \"Value\" array", tagPath)
            }
            return try element(tag, vr: vr, values: values, characterSet: characterSet, tagPath: tagPath)
        }
    }

    private static func vr(
        _ field: JSONValue?, tag: Tag, attribute: JSONValue, tagPath: [Tag]
    ) throws(DICOMParseError) -> VR {
        guard let field else {
            guard let entry = DataDictionary.entry(for: tag) else {
                throw DICOMParseError(
                    .invalidVR, "the attribute has no \"vr\" and its tag is not in the dictionary",
                    offset: attribute.offset, tagPath: tagPath)
            }
            return entry.vr
        }
        guard case .string(let code) = field.kind, let vr = VR(rawValue: code) else {
            throw DICOMParseError(.invalidVR, "\"vr\" is not a VR code", offset: field.offset, tagPath: tagPath)
        }
        return vr
    }

    private func element(
        _ tag: Tag, vr: VR, values: [JSONValue], characterSet: SpecificCharacterSet?, tagPath: [Tag]
    ) throws(DICOMParseError) -> DataElement {
        switch AttributeRules.kind(of: vr) {
        case .sequence:
            guard values.isEmpty || tagPath.count <= maximumNestingDepth else {
                throw DICOMParseError(
                    .nestingTooDeep, "sequences nested deeper than \(maximumNestingDepth)",
                    offset: values.first?.offset, tagPath: tagPath)
            }
            var items: [DataSet] = []
            items.reserveCapacity(values.count)
            for value in values {
                items.append(try dataSet(from: value, inherited: characterSet, tagPath: tagPath))
            }
            return DataElement(tag: tag, items: items)
        case .text:
            var strings: [String] = []
            strings.reserveCapacity(values.count)
            for value in values {
                switch value.kind {
                case .string(let text): strings.append(text)
                case .null: strings.append("")
                default: throw wrongType(value, vr: vr, expected: "a string", tagPath)
                }
            }
            return try textElement(tag, vr: vr, strings, characterSet: characterSet, values: values, tagPath: tagPath)
        case .personName:
            var strings: [String] = []
            strings.reserveCapacity(values.count)
            for value in values {
                strings.append(try personName(value, tagPath: tagPath))
            }
            return try textElement(tag, vr: vr, strings, characterSet: characterSet, values: values, tagPath: tagPath)
        case .decimalString, .integerString:
            var strings: [String] = []
            strings.reserveCapacity(values.count)
            for value in values {
                strings.append(try numericText(value, vr: vr, tagPath: tagPath))
            }
            return try textElement(tag, vr: vr, strings, characterSet: characterSet, values: values, tagPath: tagPath)
        case .attributeTag:
            var bytes = ByteBuffer()
            bytes.reserveCapacity(values.count * 4)
            for value in values {
                guard case .string(let text) = value.kind, let valueTag = Self.tag(text) else {
                    throw wrongType(value, vr: vr, expected: "a GGGGEEEE tag string", tagPath)
                }
                bytes.writeInteger(valueTag.group, endianness: .little)
                bytes.writeInteger(valueTag.element, endianness: .little)
            }
            return DataElement(tag: tag, vr: vr, bytes: bytes)
        case .binaryNumber:
            var bytes = ByteBuffer()
            bytes.reserveCapacity(values.count * (vr.fixedValueSize ?? 8))
            for value in values {
                try writeBinaryNumber(value, vr: vr, into: &bytes, tagPath: tagPath)
            }
            return DataElement(tag: tag, vr: vr, bytes: bytes)
        case .inlineBinary:
            if values.isEmpty { return DataElement(tag: tag, vr: vr, bytes: ByteBuffer()) }
            throw DICOMParseError(
                .invalidValue, "\(vr) values are written as InlineBinary or BulkDataURI, not \"Value\"",
                offset: values.first?.offset, tagPath: tagPath)
        }
    }

    // MARK: - Values

    /// Joins, checks, encodes and pads text values (PS3.5 §6.1.2.5, §6.2; PS3.18 §F.2.4).
    private func textElement(
        _ tag: Tag, vr: VR, _ strings: [String], characterSet: SpecificCharacterSet?, values: [JSONValue],
        tagPath: [Tag]
    ) throws(DICOMParseError) -> DataElement {
        if vr.isSingleValuedText {
            guard strings.count <= 1 else {
                throw DICOMParseError(
                    .invalidValue, "\(vr) holds one value, not \(strings.count)", offset: values.first?.offset,
                    tagPath: tagPath)
            }
        } else if let index = strings.firstIndex(where: { $0.utf8.contains(UInt8(ascii: "\\")) }) {
            throw DICOMParseError(
                .invalidValue, "a \(vr) value cannot contain a backslash", offset: values[index].offset,
                tagPath: tagPath)
        }
        let text = strings.count == 1 ? strings[0] : strings.joined(separator: "\\")
        var bytes: ByteBuffer
        if vr.usesSpecificCharacterSet, let characterSet {
            do throws(DICOMParseError) {
                bytes = try characterSet.encode(text, vr: vr)
            } catch {
                var error = error
                error.tagPath = tagPath
                error.offset = values.first?.offset
                throw error
            }
        } else {
            bytes = ByteBuffer(string: text)
        }
        if bytes.readableBytes % 2 == 1 { bytes.writeInteger(vr.paddingByte) }
        return DataElement(tag: tag, vr: vr, bytes: bytes)
    }

    /// One PN value from `{"Alphabetic": …, "Ideographic": …, "Phonetic": …}` (PS3.18 §F.2.2).
    private func personName(_ value: JSONValue, tagPath: [Tag]) throws(DICOMParseError) -> String {
        switch value.kind {
        case .null:
            return ""
        case .string(let text):
            return text
        case .object(let members):
            var groups = ["", "", ""]
            for member in members {
                let index: Int
                switch member.name {
                case "Alphabetic": index = 0
                case "Ideographic": index = 1
                case "Phonetic": index = 2
                default: continue
                }
                guard case .string(let text) = member.value.kind else {
                    throw wrongType(member.value, vr: .PN, expected: "a string component group", tagPath)
                }
                if text.utf8.contains(UInt8(ascii: "=")) {
                    throw DICOMParseError(
                        .invalidValue, "a PN component group cannot contain '='", offset: member.value.offset,
                        tagPath: tagPath)
                }
                groups[index] = text
            }
            while groups.last?.isEmpty == true { groups.removeLast() }
            return groups.joined(separator: "=")
        default:
            throw wrongType(value, vr: .PN, expected: "a person name object", tagPath)
        }
    }

    /// One DS or IS value as text (PS3.18 §F.2.3: "Number or String").
    private func numericText(_ value: JSONValue, vr: VR, tagPath: [Tag]) throws(DICOMParseError) -> String {
        switch value.kind {
        case .null:
            return ""
        case .number(let number):
            let text =
                vr == .DS
                ? NumericText.decimalString(fromJSONNumber: number) : NumericText.integerString(fromJSONNumber: number)
            guard let text else {
                let expected = vr == .DS ? "a finite decimal" : "an integer in -2^31 ... 2^31-1"
                throw DICOMParseError(
                    .invalidValue, "a \(vr) number is not \(expected)", offset: value.offset, tagPath: tagPath)
            }
            return text
        case .string(let text):
            guard text.utf8.allSatisfy({ $0 < 0x80 }) else {
                throw DICOMParseError(
                    .invalidValue, "a \(vr) string must be ASCII", offset: value.offset, tagPath: tagPath)
            }
            return text
        default:
            throw wrongType(value, vr: vr, expected: "a number or a string", tagPath)
        }
    }

    /// One binary number, little-endian (PS3.5 §6.2; PS3.18 §F.2.3).
    private func writeBinaryNumber(
        _ value: JSONValue, vr: VR, into bytes: inout ByteBuffer, tagPath: [Tag]
    ) throws(DICOMParseError) {
        let text: String
        let isString: Bool
        switch value.kind {
        case .number(let number):
            text = number
            isString = false
        case .string(let string):
            text = string
            isString = true
        default:
            throw wrongType(value, vr: vr, expected: "a number", tagPath)
        }
        func outOfRange() -> DICOMParseError {
            DICOMParseError(
                .invalidValue, "a value is not a number that \(vr) can hold", offset: value.offset, tagPath: tagPath)
        }
        switch vr {
        case .US:
            guard let number = NumericText.integer(fromNumber: text, as: UInt16.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .SS:
            guard let number = NumericText.integer(fromNumber: text, as: Int16.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .UL:
            guard let number = NumericText.integer(fromNumber: text, as: UInt32.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .SL:
            guard let number = NumericText.integer(fromNumber: text, as: Int32.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .UV:
            guard let number = NumericText.integer(fromNumber: text, as: UInt64.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .SV:
            guard let number = NumericText.integer(fromNumber: text, as: Int64.self) else { throw outOfRange() }
            bytes.writeInteger(number, endianness: .little)
        case .FL:
            guard text.utf8.count <= 64, let number = Float(text), number.isFinite || isString else {
                throw outOfRange()
            }
            bytes.writeInteger(number.bitPattern, endianness: .little)
        default:
            guard text.utf8.count <= 64, let number = Double(text), number.isFinite || isString else {
                throw outOfRange()
            }
            bytes.writeInteger(number.bitPattern, endianness: .little)
        }
    }

    // MARK: - Errors

    private func wrongType(_ value: JSONValue, vr: VR, expected: String, _ tagPath: [Tag]) -> DICOMParseError {
        DICOMParseError(
            .invalidValue, "a \(vr) value must be \(expected), not \(value.typeName)", offset: value.offset,
            tagPath: tagPath)
    }

    private func duplicateField(_ field: JSONMember, _ tagPath: [Tag]) -> DICOMParseError {
        DICOMParseError(.invalidValue, "\"\(field.name)\" appears twice", offset: field.nameOffset, tagPath: tagPath)
    }
}
