public import DICOMCore
import DICOMDictionary
public import NIOCore

/// Encodes data sets in a native transfer syntax (PS3.5 §7), the inverse of `DataSetTokenizer`.
///
/// Values are written as they are held (little-endian in memory, swapped for Explicit VR Big Endian), so reading
/// then writing in the same syntax gives the same bytes. Sequences and items keep the defined or undefined length
/// they were read with; defined lengths are computed from what is written. Deflate is applied by `DICOMFile`.
public struct DataSetWriter: Sendable {
    private let isExplicitVR: Bool
    private let isBigEndian: Bool

    public init(transferSyntax: TransferSyntax) {
        self.isExplicitVR = transferSyntax.isExplicitVR
        self.isBigEndian = transferSyntax.byteOrder == .bigEndian
    }

    private init(isExplicitVR: Bool, isBigEndian: Bool) {
        self.isExplicitVR = isExplicitVR
        self.isBigEndian = isBigEndian
    }

    /// Appends the encoding of every element of the data set.
    public func write(_ dataSet: DataSet, into buffer: inout ByteBuffer) throws(DICOMParseError) {
        for element in dataSet.elements {
            try write(element, into: &buffer)
        }
    }

    /// Appends the encoding of one element.
    public func write(_ element: DataElement, into buffer: inout ByteBuffer) throws(DICOMParseError) {
        switch try element.decodedValue() {
        case .bytes(let value):
            try writeHeader(
                element.tag, element.vr, length: Self.encodable(value.readableBytes, tag: element.tag), into: &buffer)
            let unit = isBigEndian ? element.vr.byteSwapUnit : 1
            if unit > 1 {
                var swapped = DataSetTokenizer.swapped(value, unit: unit)
                buffer.writeBuffer(&swapped)
            } else {
                buffer.writeImmutableBuffer(value)
            }
        case .sequence(let items):
            // A UN sequence holds Implicit VR Little Endian items whatever the enclosing syntax (PS3.5 §6.2.2).
            let itemWriter = element.vr == .UN ? DataSetWriter(isExplicitVR: false, isBigEndian: false) : self
            let length =
                element.hasUndefinedLength
                ? ElementHeader.undefinedLength
                : try Self.encodable(itemWriter.encodedLength(ofItems: items), tag: element.tag)
            try writeHeader(element.tag, element.vr, length: length, into: &buffer)
            for item in items {
                try itemWriter.writeItem(item, into: &buffer)
            }
            if element.hasUndefinedLength {
                writeDelimiter(StructuralTag.sequenceDelimitation, into: &buffer)
            }
        case .fragments(let pixelFragments):
            try writeHeader(element.tag, element.vr, length: ElementHeader.undefinedLength, into: &buffer)
            for fragment in CollectionOfOne(pixelFragments.offsetTable) + pixelFragments.fragments {
                try Self.writeLittleEndianItem(fragment, into: &buffer)
            }
            Self.writeLittleEndianTag(StructuralTag.sequenceDelimitation, length: 0, into: &buffer)
        case .bulkData:
            throw DICOMParseError(
                .invalidValue, "bulk data must be loaded before the element is written", tagPath: [element.tag])
        }
    }

    /// The encoded length of the data set's elements in this writer's syntax.
    public func encodedLength(of dataSet: DataSet) throws(DICOMParseError) -> Int {
        var total = 0
        for element in dataSet.elements {
            total += try encodedLength(of: element)
        }
        return total
    }

    private func encodedLength(of element: DataElement) throws(DICOMParseError) -> Int {
        let header = isExplicitVR && !element.vr.hasLongExplicitLength ? 8 : (isExplicitVR ? 12 : 8)
        switch try element.decodedValue() {
        case .bytes(let value):
            return header + value.readableBytes
        case .sequence(let items):
            let itemWriter = element.vr == .UN ? DataSetWriter(isExplicitVR: false, isBigEndian: false) : self
            return header + (try itemWriter.encodedLength(ofItems: items)) + (element.hasUndefinedLength ? 8 : 0)
        case .fragments(let fragments):
            let items = fragments.fragments.reduce(8 + fragments.offsetTable.readableBytes) {
                $0 + 8 + $1.readableBytes
            }
            return header + items + 8
        case .bulkData:
            throw DICOMParseError(
                .invalidValue, "bulk data must be loaded before the element is written", tagPath: [element.tag])
        }
    }

    private func encodedLength(ofItems items: [DataSet]) throws(DICOMParseError) -> Int {
        var total = 0
        for item in items {
            total += 8 + (try encodedLength(of: item)) + (item.hasUndefinedItemLength ? 8 : 0)
        }
        return total
    }

    private func writeItem(_ item: DataSet, into buffer: inout ByteBuffer) throws(DICOMParseError) {
        let length =
            item.hasUndefinedItemLength
            ? ElementHeader.undefinedLength : try Self.encodable(encodedLength(of: item), tag: StructuralTag.item)
        writeTag(StructuralTag.item, into: &buffer)
        writeUInt32(length, into: &buffer)
        try write(item, into: &buffer)
        if item.hasUndefinedItemLength {
            writeDelimiter(StructuralTag.itemDelimitation, into: &buffer)
        }
    }

    private func writeHeader(_ tag: Tag, _ vr: VR, length: UInt32, into buffer: inout ByteBuffer)
        throws(DICOMParseError)
    {
        writeTag(tag, into: &buffer)
        guard isExplicitVR else {
            writeUInt32(length, into: &buffer)
            return
        }
        let (first, second) = vr.bytes
        buffer.writeInteger(first)
        buffer.writeInteger(second)
        if vr.hasLongExplicitLength {
            buffer.writeInteger(UInt16(0))
            writeUInt32(length, into: &buffer)
        } else {
            guard length <= UInt32(UInt16.max) else {
                throw DICOMParseError(
                    .valueTooLong, "a \(vr) value of \(length) bytes does not fit a 16-bit length", tagPath: [tag])
            }
            buffer.writeInteger(UInt16(length), endianness: isBigEndian ? .big : .little)
        }
    }

    private func writeDelimiter(_ tag: Tag, into buffer: inout ByteBuffer) {
        writeTag(tag, into: &buffer)
        writeUInt32(0, into: &buffer)
    }

    private func writeTag(_ tag: Tag, into buffer: inout ByteBuffer) {
        let endianness: Endianness = isBigEndian ? .big : .little
        buffer.writeInteger(tag.group, endianness: endianness)
        buffer.writeInteger(tag.element, endianness: endianness)
    }

    private func writeUInt32(_ value: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeInteger(value, endianness: isBigEndian ? .big : .little)
    }

    /// A length that fits the 32-bit length field and is not the undefined length.
    private static func encodable(_ length: Int, tag: Tag) throws(DICOMParseError) -> UInt32 {
        guard let encodable = UInt32(exactly: length), encodable != ElementHeader.undefinedLength else {
            throw DICOMParseError(.valueTooLong, "\(length) bytes do not fit a 32-bit length", tagPath: [tag])
        }
        return encodable
    }

    private static func writeLittleEndianItem(_ value: ByteBuffer, into buffer: inout ByteBuffer)
        throws(DICOMParseError)
    {
        let length = try encodable(value.readableBytes, tag: StructuralTag.pixelData)
        writeLittleEndianTag(StructuralTag.item, length: length, into: &buffer)
        buffer.writeImmutableBuffer(value)
    }

    private static func writeLittleEndianTag(_ tag: Tag, length: UInt32, into buffer: inout ByteBuffer) {
        buffer.writeInteger(tag.group, endianness: .little)
        buffer.writeInteger(tag.element, endianness: .little)
        buffer.writeInteger(length, endianness: .little)
    }
}
