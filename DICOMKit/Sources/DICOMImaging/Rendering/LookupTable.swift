public import DICOMCore
import DICOMDictionary
import NIOCore

/// A lookup table of the Modality LUT, VOI LUT or palette colour modules: LUT Descriptor and LUT Data.
///
/// PS3.3 §C.11.1.1 and §C.7.6.3.1.5. The descriptor's first value is the number of entries (0 means 65536), the
/// second the first input value mapped (US or SS, as the image's Pixel Representation says), the third the bits per
/// entry. Inputs below the first are mapped to the first entry and above the last to the last.
public struct LookupTable: Hashable, Sendable {
    public var firstMapped: Int
    public var bitsPerEntry: Int
    public var entries: [UInt16]

    /// Reads a table from its descriptor and data elements. Throws `invalidAttribute` when the data holds fewer
    /// entries than the descriptor says or the descriptor is not three values.
    public init(descriptor: DataElement, data: DataElement, signedFirstValue: Bool) throws(PixelDataError) {
        guard let values = try? descriptor.integers(as: UInt16.self), values.count == 3 else {
            throw PixelDataError(.invalidAttribute, "LUT Descriptor \(descriptor.tag) is not three 16-bit values")
        }
        let count = values[0] == 0 ? 65_536 : Int(values[0])
        self.firstMapped = signedFirstValue ? Int(Int16(bitPattern: values[1])) : Int(values[1])
        self.bitsPerEntry = Int(values[2])
        guard (1...16).contains(bitsPerEntry) else {
            throw PixelDataError(.invalidAttribute, "LUT of \(bitsPerEntry) bits per entry")
        }
        guard let bytes = data.bytes else {
            throw PixelDataError(.invalidAttribute, "LUT Data \(data.tag) is not held in memory")
        }
        var entries: [UInt16] = []
        if bytes.readableBytes >= count * 2 {
            var reader = bytes
            entries.reserveCapacity(count)
            for _ in 0..<count {
                guard let value = reader.readInteger(endianness: .little, as: UInt16.self) else { break }
                entries.append(value)
            }
        } else if bytes.readableBytes == count && bitsPerEntry <= 8 {
            // Some writers pack 8-bit entries one per byte.
            entries = bytes.readableBytesView.map(UInt16.init)
        }
        guard entries.count == count else {
            throw PixelDataError(
                .invalidAttribute, "LUT Data \(data.tag) holds \(bytes.readableBytes) bytes for \(count) entries")
        }
        self.entries = entries
    }

    /// The entry for an input value, clamped to the table's range.
    @inlinable
    public func lookup(_ value: Int) -> UInt16 {
        let index = min(max(value - firstMapped, 0), entries.count - 1)
        return entries[index]
    }

    /// The largest value an entry can hold.
    public var maximumOutput: Double { Double((1 << bitsPerEntry) - 1) }

    /// The first item of a LUT sequence (Modality LUT Sequence, VOI LUT Sequence) as a table, nil when absent.
    static func firstItem(of sequence: Tag, in dataSet: DataSet, signed: Bool) throws(PixelDataError)
        -> LookupTable?
    {
        guard let item = dataSet[sequence]?.items?.first, let descriptor = item[.lutDescriptor],
            let data = item[.lutData]
        else { return nil }
        return try LookupTable(descriptor: descriptor, data: data, signedFirstValue: signed)
    }
}
