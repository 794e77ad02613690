public import DICOMCore
import DICOM
public import NIOCore

/// Writes data sets in the DICOM JSON Model (PS3.18 Annex F), for QIDO-RS responses and WADO-RS metadata.
///
/// PS3.18 §F.2. Output is compact UTF-8 JSON (RFC 8259) streamed straight into a `ByteBuffer`: no intermediate
/// strings or dictionaries for the common, ASCII, values. Attributes are keyed by eight upper-case hexadecimal
/// digits in tag order; every attribute has "vr"; "Value" is left out when the value is empty (§F.2.5).
///
/// Choices where PS3.18 leaves room, or says nothing:
/// - Left out: group lengths (gggg,0000) (§F.2.2 forbids them), the file meta information group (0002,xxxx),
///   which is not part of the data set (PS3.10 §7.1), and item/delimiter tags. Private attributes are written;
///   a private creator read as UN from implicit VR data is written as LO (PS3.5 §7.8.1).
/// - Text is decoded with the data set's Specific Character Set (items inherit it, PS3.5 §7.5.3), split at
///   backslashes (except LT, ST, UT, UR), and trimmed of insignificant padding as `ValueText` does. Empty values
///   among others are `null`; an element holding only padding has no "Value" (§F.2.5).
/// - PN: an object per value with the non-empty groups among "Alphabetic", "Ideographic" and "Phonetic"; the
///   groups are written as they are, components and carets untouched. An empty value is `null`.
/// - DS and IS: JSON numbers when the text is a number, rewritten into JSON's number grammar (`+1.50` → `1.50`,
///   `.5` → `0.5`, `007` → `7`) without changing its digits. Text that is not a number, a DS beyond the range of a
///   double (`1E999`) and an IS of more than 15 digits stay JSON strings, which PS3.18 allows (Table F.2.3-1 note)
///   "to preserve the original format". So the output is always valid JSON and numbers are always exact.
/// - SV and UV: numbers when their magnitude is below 2^53 (exact in every JSON reader), else strings, as the
///   same note allows "to avoid losing precision".
/// - FL and FD: the shortest decimal that reads back as the same float. NaN and the infinities have no JSON
///   number, so they are written as the strings "NaN", "Infinity" and "-Infinity" (JavaScript's spellings), which
///   `DICOMJSONDecoder` reads back.
/// - AT: "GGGGEEEE" strings.
/// - OB, OD, OF, OL, OV, OW and UN: "InlineBinary", base64 of the little-endian bytes, padding included.
/// - Bulk data (§F.2.6): see `bulkDataThreshold` and `bulkDataURI`. `.bulkData(.uri)` values keep their URI;
///   `.bulkData(.file)` values need a URI from the closure (without one, encoding throws `invalidValue`: the
///   encoder never reads files); encapsulated pixel data is always offered to the closure and, without a URI,
///   written as InlineBinary of its PS3.5 encapsulated Value Field (the items, without the Sequence Delimitation
///   Item), as pydicom does.
/// - A binary value whose length is not a multiple of its VR's size (a US of 3 bytes) throws `invalidValue` with
///   its tag path rather than losing bytes silently.
/// - An element holding items is written as SQ whatever its VR (a UN read as an implicit VR sequence).
public struct DICOMJSONEncoder: Sendable {
    /// Values longer than this many bytes, of a VR that may be bulk data (PS3.18 §F.2.2: DS, FL, FD, IS, LT, OB,
    /// OD, OF, OL, OV, OW, SL, SS, ST, SV, UC, UL, UN, US, UT, UV), are offered to `bulkDataURI`. nil offers none.
    public var bulkDataThreshold: Int?

    /// Gives the BulkDataURI for an element: its path from the top-level data set (the tags, ending with its own,
    /// and the index of the item taken in each sequence, so that the same tag in two items gets two URIs), and the
    /// element. nil keeps the value inline. Called for values over `bulkDataThreshold`, for every
    /// `.bulkData(.file)` value and for encapsulated pixel data.
    public var bulkDataURI: (@Sendable (_ path: AttributePath, _ element: DataElement) -> String?)?

    public init(
        bulkDataThreshold: Int? = nil,
        bulkDataURI: (@Sendable (_ path: AttributePath, _ element: DataElement) -> String?)? = nil
    ) {
        self.bulkDataThreshold = bulkDataThreshold
        self.bulkDataURI = bulkDataURI
    }

    /// One DICOM JSON Model object: `{"00100010":{"vr":"PN","Value":[{"Alphabetic":"…"}]},…}`.
    public func encode(_ dataSet: DataSet) throws(DICOMParseError) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1024)
        try encode(dataSet, into: &buffer)
        return buffer
    }

    /// One DICOM JSON Model object as a `String`.
    public func encodeString(_ dataSet: DataSet) throws(DICOMParseError) -> String {
        String(buffer: try encode(dataSet))
    }

    /// A JSON array of DICOM JSON Model objects, as QIDO-RS responses and WADO-RS metadata are.
    public func encode(_ dataSets: [DataSet]) throws(DICOMParseError) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1024 * min(max(dataSets.count, 1), 16 * 1024))
        buffer.writeASCII(UInt8(ascii: "["))
        for (index, dataSet) in dataSets.enumerated() {
            if index > 0 { buffer.writeASCII(UInt8(ascii: ",")) }
            try encode(dataSet, into: &buffer)
        }
        buffer.writeASCII(UInt8(ascii: "]"))
        return buffer
    }

    /// Appends one DICOM JSON Model object, for responses streamed an instance at a time (the caller writes the
    /// surrounding `[`, `,` and `]`). When it throws, the buffer is left as it was.
    public func encode(_ dataSet: DataSet, into buffer: inout ByteBuffer) throws(DICOMParseError) {
        let start = buffer.writerIndex
        var writer = Writer(
            policy: BulkDataPolicy(threshold: bulkDataThreshold, uri: bulkDataURI), buffer: buffer,
            path: AttributePath(tags: [], itemIndices: []))
        buffer = ByteBuffer()  // let the writer own the storage, so that appends do not copy it
        do throws(DICOMParseError) {
            try writer.writeDataSet(dataSet, characterSet: dataSet.characterSet)
        } catch {
            buffer = writer.buffer
            buffer.moveWriterIndex(to: start)
            throw error
        }
        buffer = writer.buffer
    }
}

extension DICOMJSONEncoder {
    /// The state of one encoding: output and the tag path of the element being written.
    private struct Writer {
        let policy: BulkDataPolicy
        var buffer: ByteBuffer
        var path: AttributePath

        mutating func writeDataSet(_ dataSet: DataSet, characterSet: SpecificCharacterSet) throws(DICOMParseError) {
            guard path.count <= AttributeRules.maximumEncodingDepth else {
                throw DICOMParseError(.nestingTooDeep, "sequences nested too deep to encode", tagPath: path.tags)
            }
            buffer.writeASCII(UInt8(ascii: "{"))
            var isFirst = true
            for element in dataSet where AttributeRules.isIncluded(element.tag) {
                if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                isFirst = false
                buffer.writeASCII(UInt8(ascii: "\""))
                buffer.writeTagHex(element.tag)
                buffer.writeStaticString("\":")
                path.enter(element.tag)
                try writeAttribute(element, characterSet: characterSet)
                path.leave()
            }
            buffer.writeASCII(UInt8(ascii: "}"))
        }

        private mutating func writeAttribute(
            _ element: DataElement, characterSet: SpecificCharacterSet
        ) throws(DICOMParseError) {
            let vr = AttributeRules.vr(of: element)
            buffer.writeStaticString("{\"vr\":\"")
            buffer.writeVR(vr)
            buffer.writeASCII(UInt8(ascii: "\""))
            switch try policy.representation(of: element, vr: vr, path: path) {
            case .bulkDataURI(let uri):
                buffer.writeStaticString(",\"BulkDataURI\":")
                buffer.writeJSONString(uri)
            case .encapsulated(let bytes):
                writeInlineBinary(bytes)
            case .value:
                switch element.value {
                case .sequence(let items):
                    try writeItems(items, characterSet: characterSet)
                case .bytes(let bytes):
                    try writeValue(bytes, vr: vr, characterSet: characterSet)
                case .fragments, .bulkData:
                    break  // the policy never keeps these as values
                }
            }
            buffer.writeASCII(UInt8(ascii: "}"))
        }

        private mutating func writeItems(
            _ items: [DataSet], characterSet: SpecificCharacterSet
        ) throws(DICOMParseError) {
            guard !items.isEmpty else { return }
            buffer.writeStaticString(",\"Value\":[")
            for (index, item) in items.enumerated() {
                if index > 0 { buffer.writeASCII(UInt8(ascii: ",")) }
                // An item's own (0008,0005) replaces the enclosing character set (PS3.5 §7.5.3).
                let itemCharacterSet =
                    item.contains(StructuralTag.specificCharacterSet) ? item.characterSet : characterSet
                path.enterItem(index)
                try writeDataSet(item, characterSet: itemCharacterSet)
                path.leaveItem()
            }
            buffer.writeASCII(UInt8(ascii: "]"))
        }

        private mutating func writeValue(
            _ bytes: ByteBuffer, vr: VR, characterSet: SpecificCharacterSet
        ) throws(DICOMParseError) {
            guard bytes.readableBytes > 0 else { return }
            switch AttributeRules.kind(of: vr) {
            case .text:
                guard !TextValues.isBlank(bytes) else { return }
                buffer.writeStaticString(",\"Value\":[")
                var isFirst = true
                TextValues.forEach(in: bytes, vr: vr, characterSet: characterSet) { value in
                    if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                    isFirst = false
                    if value.isEmpty {
                        buffer.writeStaticString("null")
                    } else {
                        buffer.writeJSONString(value)
                    }
                }
                buffer.writeASCII(UInt8(ascii: "]"))
            case .personName:
                guard !TextValues.isBlank(bytes) else { return }
                buffer.writeStaticString(",\"Value\":[")
                var isFirst = true
                TextValues.forEach(in: bytes, vr: vr, characterSet: characterSet) { value in
                    if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                    isFirst = false
                    writePersonName(PersonNameGroups(value))
                }
                buffer.writeASCII(UInt8(ascii: "]"))
            case .decimalString, .integerString:
                guard !TextValues.isBlank(bytes) else { return }
                buffer.writeStaticString(",\"Value\":[")
                var isFirst = true
                TextValues.forEach(in: bytes, vr: vr, characterSet: characterSet) { value in
                    if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                    isFirst = false
                    if value.isEmpty {
                        buffer.writeStaticString("null")
                        return
                    }
                    let isNumber =
                        vr == .DS
                        ? NumericText.writeDecimalAsJSONNumber(value, into: &buffer)
                        : NumericText.writeIntegerAsJSONNumber(value, into: &buffer)
                    if !isNumber { buffer.writeJSONString(value) }
                }
                buffer.writeASCII(UInt8(ascii: "]"))
            case .attributeTag:
                guard bytes.readableBytes % 4 == 0 else { throw badLength(bytes, unit: 4, vr: vr) }
                buffer.writeStaticString(",\"Value\":[")
                var reader = bytes
                var isFirst = true
                while let group = reader.readInteger(endianness: .little, as: UInt16.self),
                    let element = reader.readInteger(endianness: .little, as: UInt16.self)
                {
                    if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                    isFirst = false
                    buffer.writeASCII(UInt8(ascii: "\""))
                    buffer.writeTagHex(Tag(group: group, element: element))
                    buffer.writeASCII(UInt8(ascii: "\""))
                }
                buffer.writeASCII(UInt8(ascii: "]"))
            case .binaryNumber:
                try writeBinaryNumbers(bytes, vr: vr)
            case .inlineBinary:
                writeInlineBinary(bytes)
            case .sequence:
                throw DICOMParseError(.invalidValue, "an SQ element holds bytes instead of items", tagPath: path.tags)
            }
        }

        /// PS3.18 §F.2.2: the non-empty groups, by name; `null` for a value with none.
        private mutating func writePersonName(_ groups: PersonNameGroups) {
            guard !groups.isEmpty else {
                buffer.writeStaticString("null")
                return
            }
            buffer.writeASCII(UInt8(ascii: "{"))
            var isFirst = true
            writeGroup("\"Alphabetic\":", groups.alphabetic, isFirst: &isFirst)
            writeGroup("\"Ideographic\":", groups.ideographic, isFirst: &isFirst)
            writeGroup("\"Phonetic\":", groups.phonetic, isFirst: &isFirst)
            buffer.writeASCII(UInt8(ascii: "}"))
        }

        private mutating func writeGroup(
            _ name: StaticString, _ group: UnsafeBufferPointer<UInt8>, isFirst: inout Bool
        ) {
            guard !group.isEmpty else { return }
            if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
            isFirst = false
            buffer.writeStaticString(name)
            buffer.writeJSONString(group)
        }

        private mutating func writeBinaryNumbers(_ bytes: ByteBuffer, vr: VR) throws(DICOMParseError) {
            let size = vr.fixedValueSize ?? 1
            guard bytes.readableBytes % size == 0 else { throw badLength(bytes, unit: size, vr: vr) }
            buffer.writeStaticString(",\"Value\":[")
            var reader = bytes
            var isFirst = true
            while reader.readableBytes > 0 {
                if !isFirst { buffer.writeASCII(UInt8(ascii: ",")) }
                isFirst = false
                switch vr {
                case .US: buffer.writeDecimal(reader.readInteger(endianness: .little, as: UInt16.self) ?? 0)
                case .SS: buffer.writeDecimal(reader.readInteger(endianness: .little, as: Int16.self) ?? 0)
                case .UL: buffer.writeDecimal(reader.readInteger(endianness: .little, as: UInt32.self) ?? 0)
                case .SL: buffer.writeDecimal(reader.readInteger(endianness: .little, as: Int32.self) ?? 0)
                case .UV: writeLargeInteger(reader.readInteger(endianness: .little, as: UInt64.self) ?? 0)
                case .SV: writeLargeInteger(reader.readInteger(endianness: .little, as: Int64.self) ?? 0)
                case .FL:
                    let bits = reader.readInteger(endianness: .little, as: UInt32.self) ?? 0
                    writeFloatingPoint(Float(bitPattern: bits))
                default:
                    let bits = reader.readInteger(endianness: .little, as: UInt64.self) ?? 0
                    writeFloatingPoint(Double(bitPattern: bits))
                }
            }
            buffer.writeASCII(UInt8(ascii: "]"))
        }

        /// SV and UV: a number below 2^53 in magnitude, else a string (PS3.18 Table F.2.3-1 note).
        private mutating func writeLargeInteger<Integer: FixedWidthInteger>(_ value: Integer) {
            if value.magnitude < 1 << 53 {
                buffer.writeDecimal(value)
            } else {
                buffer.writeASCII(UInt8(ascii: "\""))
                buffer.writeDecimal(value)
                buffer.writeASCII(UInt8(ascii: "\""))
            }
        }

        /// The shortest round-tripping decimal (Swift's `description`, which is always in JSON's number grammar
        /// for finite values); NaN and the infinities as strings.
        private mutating func writeFloatingPoint<Number: BinaryFloatingPoint & CustomStringConvertible>(
            _ value: Number
        ) {
            if value.isNaN {
                buffer.writeStaticString("\"NaN\"")
            } else if value.isInfinite {
                buffer.writeStaticString(value < 0 ? "\"-Infinity\"" : "\"Infinity\"")
            } else {
                buffer.writeString(value.description)
            }
        }

        private mutating func writeInlineBinary(_ bytes: ByteBuffer) {
            buffer.writeStaticString(",\"InlineBinary\":\"")
            Base64.encode(bytes, into: &buffer)
            buffer.writeASCII(UInt8(ascii: "\""))
        }

        private func badLength(_ bytes: ByteBuffer, unit: Int, vr: VR) -> DICOMParseError {
            DICOMParseError(
                .invalidValue, "a \(vr) value of \(bytes.readableBytes) bytes is not a multiple of \(unit)",
                tagPath: path.tags)
        }
    }
}
