public import DICOMCore
import DICOM
import DICOMDictionary
public import NIOCore

/// Writes data sets in the Native DICOM Model (PS3.19 Annex A.1), the XML of DICOMweb's `application/dicom+xml`.
///
/// PS3.19 §A.1.5 and the schema of §A.1.6: a `NativeDicomModel` element (`xml:space="preserve"`) holding a
/// `DicomAttribute` per attribute, in tag order, with `tag`, `vr`, `keyword` (standard attributes) or
/// `privateCreator` (private data elements whose block has a creator); values as `Value number="n"`, person names
/// as `PersonName number="n"` with `Alphabetic`, `Ideographic` and `Phonetic` groups of `FamilyName`,
/// `GivenName`, `MiddleName`, `NamePrefix` and `NameSuffix`, items as `Item number="n"`, binary values as
/// `InlineBinary` (base64) and bulk data as `BulkData uri="…"`.
///
/// Shares its choices with `DICOMJSONEncoder` (which elements are left out, character sets, bulk data), except
/// that every value is text here: DS and IS are written as they are (trimmed), SV and UV in full, FL and FD as
/// `xsd:double` lexical forms (`NaN`, `INF` and `-INF` for the special values). Empty values among others are empty
/// `Value` elements (PS3.18 §F.3.1 maps them to JSON `null`).
///
/// Escaping (XML 1.0 §2.4, §3.3.3): `&`, `<`, `>` and, in attributes, `"` become entities; carriage returns, and
/// tabs and line feeds in attributes, become character references so that parsers give them back. Characters that
/// XML 1.0 does not allow at all (§2.2: C0 controls other than tab, line feed and carriage return; U+FFFE,
/// U+FFFF) are replaced by U+FFFD: the document stays well-formed, at the cost of those characters.
public struct DICOMXMLEncoder: Sendable {
    /// As `DICOMJSONEncoder.bulkDataThreshold`.
    public var bulkDataThreshold: Int?
    /// As `DICOMJSONEncoder.bulkDataURI`; the URI goes into `<BulkData uri="…"/>`.
    public var bulkDataURI: (@Sendable (_ path: AttributePath, _ element: DataElement) -> String?)?
    /// Whether `NativeDicomModel` declares the schema's default namespace,
    /// `http://dicom.nema.org/PS3.19/models/NativeDICOM` (PS3.19 §A.1.6). Some readers (dcm4che's, by default)
    /// leave it out, which keeps XPath expressions free of prefixes.
    public var includesNamespaceDeclaration: Bool

    public init(
        bulkDataThreshold: Int? = nil,
        bulkDataURI: (@Sendable (_ path: AttributePath, _ element: DataElement) -> String?)? = nil,
        includesNamespaceDeclaration: Bool = true
    ) {
        self.bulkDataThreshold = bulkDataThreshold
        self.bulkDataURI = bulkDataURI
        self.includesNamespaceDeclaration = includesNamespaceDeclaration
    }

    /// The XML document for the data set, UTF-8 with an XML declaration.
    public func encode(_ dataSet: DataSet) throws(DICOMParseError) -> ByteBuffer {
        var writer = Writer(
            policy: BulkDataPolicy(threshold: bulkDataThreshold, uri: bulkDataURI), buffer: ByteBuffer(),
            path: AttributePath(tags: [], itemIndices: []))
        writer.buffer.reserveCapacity(4096)
        writer.buffer.writeStaticString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<NativeDicomModel")
        if includesNamespaceDeclaration {
            writer.buffer.writeStaticString(" xmlns=\"http://dicom.nema.org/PS3.19/models/NativeDICOM\"")
        }
        writer.buffer.writeStaticString(" xml:space=\"preserve\">")
        try writer.writeDataSet(dataSet, characterSet: dataSet.characterSet)
        writer.buffer.writeStaticString("</NativeDicomModel>\n")
        return writer.buffer
    }

    /// The XML document for the data set as a `String`.
    public func encodeString(_ dataSet: DataSet) throws(DICOMParseError) -> String {
        String(buffer: try encode(dataSet))
    }
}

extension DICOMXMLEncoder {
    private struct Writer {
        let policy: BulkDataPolicy
        var buffer: ByteBuffer
        var path: AttributePath

        mutating func writeDataSet(_ dataSet: DataSet, characterSet: SpecificCharacterSet) throws(DICOMParseError) {
            guard path.count <= AttributeRules.maximumEncodingDepth else {
                throw DICOMParseError(.nestingTooDeep, "sequences nested too deep to encode", tagPath: path.tags)
            }
            for element in dataSet where AttributeRules.isIncluded(element.tag) {
                path.enter(element.tag)
                try writeAttribute(element, in: dataSet, characterSet: characterSet)
                path.leave()
            }
        }

        private mutating func writeAttribute(
            _ element: DataElement, in dataSet: DataSet, characterSet: SpecificCharacterSet
        ) throws(DICOMParseError) {
            let vr = AttributeRules.vr(of: element)
            buffer.writeStaticString("<DicomAttribute tag=\"")
            buffer.writeTagHex(element.tag)
            buffer.writeStaticString("\" vr=\"")
            buffer.writeVR(vr)
            buffer.writeASCII(UInt8(ascii: "\""))
            if !element.tag.isPrivate, let entry = DataDictionary.entry(for: element.tag) {
                buffer.writeStaticString(" keyword=\"")
                buffer.writeXMLText(entry.keyword, isAttribute: true)
                buffer.writeASCII(UInt8(ascii: "\""))
            }
            if let creatorTag = element.tag.privateCreatorTag, let creator = dataSet[creatorTag]?.bytes {
                buffer.writeStaticString(" privateCreator=\"")
                var isFirst = true
                TextValues.forEach(in: creator, vr: .LO, characterSet: characterSet) { value in
                    guard isFirst else { return }
                    isFirst = false
                    buffer.writeXMLText(value, isAttribute: true)
                }
                buffer.writeASCII(UInt8(ascii: "\""))
            }
            let start = buffer.writerIndex
            buffer.writeASCII(UInt8(ascii: ">"))
            switch try policy.representation(of: element, vr: vr, path: path) {
            case .bulkDataURI(let uri):
                buffer.writeStaticString("<BulkData uri=\"")
                buffer.writeXMLText(uri, isAttribute: true)
                buffer.writeStaticString("\"/>")
            case .encapsulated(let bytes):
                writeInlineBinary(bytes)
            case .value:
                switch element.value {
                case .sequence(let items):
                    for (index, item) in items.enumerated() {
                        buffer.writeStaticString("<Item number=\"")
                        buffer.writeDecimal(index + 1)
                        buffer.writeStaticString("\">")
                        let itemCharacterSet =
                            item.contains(StructuralTag.specificCharacterSet) ? item.characterSet : characterSet
                        path.enterItem(index)
                        try writeDataSet(item, characterSet: itemCharacterSet)
                        path.leaveItem()
                        buffer.writeStaticString("</Item>")
                    }
                case .bytes(let bytes):
                    try writeValue(bytes, vr: vr, characterSet: characterSet)
                case .fragments, .bulkData:
                    break  // the policy never keeps these as values
                }
            }
            if buffer.writerIndex == start + 1 {
                // No content: an empty-element tag, `<DicomAttribute … />`.
                buffer.moveWriterIndex(to: start)
                buffer.writeStaticString("/>")
            } else {
                buffer.writeStaticString("</DicomAttribute>")
            }
        }

        private mutating func writeValue(
            _ bytes: ByteBuffer, vr: VR, characterSet: SpecificCharacterSet
        ) throws(DICOMParseError) {
            guard bytes.readableBytes > 0 else { return }
            switch AttributeRules.kind(of: vr) {
            case .text, .decimalString, .integerString:
                guard !TextValues.isBlank(bytes) else { return }
                var number = 0
                TextValues.forEach(in: bytes, vr: vr, characterSet: characterSet) { value in
                    number += 1
                    writeValueStart(number)
                    if value.isEmpty {
                        buffer.writeStaticString("/>")
                    } else {
                        buffer.writeASCII(UInt8(ascii: ">"))
                        buffer.writeXMLText(value, isAttribute: false)
                        buffer.writeStaticString("</Value>")
                    }
                }
            case .personName:
                guard !TextValues.isBlank(bytes) else { return }
                var number = 0
                TextValues.forEach(in: bytes, vr: vr, characterSet: characterSet) { value in
                    number += 1
                    writePersonName(PersonNameGroups(value), number: number)
                }
            case .attributeTag:
                guard bytes.readableBytes % 4 == 0 else { throw badLength(bytes, unit: 4, vr: vr) }
                var reader = bytes
                var number = 0
                while let group = reader.readInteger(endianness: .little, as: UInt16.self),
                    let element = reader.readInteger(endianness: .little, as: UInt16.self)
                {
                    number += 1
                    writeValueStart(number)
                    buffer.writeASCII(UInt8(ascii: ">"))
                    buffer.writeTagHex(Tag(group: group, element: element))
                    buffer.writeStaticString("</Value>")
                }
            case .binaryNumber:
                try writeBinaryNumbers(bytes, vr: vr)
            case .inlineBinary:
                writeInlineBinary(bytes)
            case .sequence:
                throw DICOMParseError(.invalidValue, "an SQ element holds bytes instead of items", tagPath: path.tags)
            }
        }

        /// `<Value number="n"`, to be closed by the caller.
        private mutating func writeValueStart(_ number: Int) {
            buffer.writeStaticString("<Value number=\"")
            buffer.writeDecimal(number)
            buffer.writeASCII(UInt8(ascii: "\""))
        }

        /// PS3.19 §A.1.5 (Table A.1.5-2): the non-empty groups, each with its non-empty components.
        private mutating func writePersonName(_ groups: PersonNameGroups, number: Int) {
            buffer.writeStaticString("<PersonName number=\"")
            buffer.writeDecimal(number)
            buffer.writeASCII(UInt8(ascii: "\""))
            guard !groups.isEmpty else {
                buffer.writeStaticString("/>")
                return
            }
            buffer.writeASCII(UInt8(ascii: ">"))
            writeGroup(groups.alphabetic, open: "<Alphabetic>", close: "</Alphabetic>")
            writeGroup(groups.ideographic, open: "<Ideographic>", close: "</Ideographic>")
            writeGroup(groups.phonetic, open: "<Phonetic>", close: "</Phonetic>")
            buffer.writeStaticString("</PersonName>")
        }

        /// One component group split at `^` (PS3.5 §6.2.1.1); carets past the fourth stay in the name suffix.
        private mutating func writeGroup(_ group: UnsafeBufferPointer<UInt8>, open: StaticString, close: StaticString) {
            guard !group.isEmpty else { return }
            buffer.writeStaticString(open)
            var component = 0
            var start = 0
            for index in 0...group.count {
                let isEnd = index == group.count
                guard isEnd || (group[index] == UInt8(ascii: "^") && component < 4) else { continue }
                if start < index {
                    let (componentOpen, componentClose) = Self.componentElement(component)
                    buffer.writeStaticString(componentOpen)
                    buffer.writeXMLText(UnsafeBufferPointer(rebasing: group[start..<index]), isAttribute: false)
                    buffer.writeStaticString(componentClose)
                }
                component += 1
                start = index + 1
            }
            buffer.writeStaticString(close)
        }

        private static func componentElement(_ component: Int) -> (open: StaticString, close: StaticString) {
            switch component {
            case 0: ("<FamilyName>", "</FamilyName>")
            case 1: ("<GivenName>", "</GivenName>")
            case 2: ("<MiddleName>", "</MiddleName>")
            case 3: ("<NamePrefix>", "</NamePrefix>")
            default: ("<NameSuffix>", "</NameSuffix>")
            }
        }

        private mutating func writeBinaryNumbers(_ bytes: ByteBuffer, vr: VR) throws(DICOMParseError) {
            let size = vr.fixedValueSize ?? 1
            guard bytes.readableBytes % size == 0 else { throw badLength(bytes, unit: size, vr: vr) }
            var reader = bytes
            var number = 0
            while reader.readableBytes > 0 {
                number += 1
                writeValueStart(number)
                buffer.writeASCII(UInt8(ascii: ">"))
                switch vr {
                case .US: buffer.writeDecimal(reader.readInteger(endianness: .little, as: UInt16.self) ?? 0)
                case .SS: buffer.writeDecimal(reader.readInteger(endianness: .little, as: Int16.self) ?? 0)
                case .UL: buffer.writeDecimal(reader.readInteger(endianness: .little, as: UInt32.self) ?? 0)
                case .SL: buffer.writeDecimal(reader.readInteger(endianness: .little, as: Int32.self) ?? 0)
                case .UV: buffer.writeDecimal(reader.readInteger(endianness: .little, as: UInt64.self) ?? 0)
                case .SV: buffer.writeDecimal(reader.readInteger(endianness: .little, as: Int64.self) ?? 0)
                case .FL:
                    let bits = reader.readInteger(endianness: .little, as: UInt32.self) ?? 0
                    writeFloatingPoint(Float(bitPattern: bits))
                default:
                    let bits = reader.readInteger(endianness: .little, as: UInt64.self) ?? 0
                    writeFloatingPoint(Double(bitPattern: bits))
                }
                buffer.writeStaticString("</Value>")
            }
        }

        /// `xsd:double` lexical forms: the shortest round-tripping decimal, `NaN`, `INF`, `-INF`.
        private mutating func writeFloatingPoint<Number: BinaryFloatingPoint & CustomStringConvertible>(
            _ value: Number
        ) {
            if value.isNaN {
                buffer.writeStaticString("NaN")
            } else if value.isInfinite {
                buffer.writeStaticString(value < 0 ? "-INF" : "INF")
            } else {
                buffer.writeString(value.description)
            }
        }

        private mutating func writeInlineBinary(_ bytes: ByteBuffer) {
            buffer.writeStaticString("<InlineBinary>")
            Base64.encode(bytes, into: &buffer)
            buffer.writeStaticString("</InlineBinary>")
        }

        private func badLength(_ bytes: ByteBuffer, unit: Int, vr: VR) -> DICOMParseError {
            DICOMParseError(
                .invalidValue, "a \(vr) value of \(bytes.readableBytes) bytes is not a multiple of \(unit)",
                tagPath: path.tags)
        }
    }
}
