public import DICOMCore
public import NIOCore

/// Splits encapsulated pixel data into frames: which fragments make up each frame.
///
/// PS3.5 §A.4: frames are found through the Extended Offset Table (7FE0,0001) when present, else the Basic Offset
/// Table, else, with no table, one frame is every fragment, as many fragments as frames is one each, and otherwise a
/// frame starts at each fragment that opens with a JPEG SOI, JPEG-LS SOI or JPEG 2000 SOC marker (or a JP2
/// signature). Offsets that do not fall on a fragment boundary, or a scan that does not find Number of Frames
/// starts, are `missingFrame` errors.
public enum EncapsulatedFrames {
    /// The fragment indices of each frame.
    public static func locate(
        _ fragments: PixelFragments, numberOfFrames: Int, extendedOffsets: [UInt64]? = nil
    ) throws(PixelDataError) -> [Range<Int>] {
        let items = fragments.fragments
        guard !items.isEmpty else { throw PixelDataError(.missingFrame, "encapsulated pixel data has no fragments") }
        if let extendedOffsets, !extendedOffsets.isEmpty {
            return try ranges(from: extendedOffsets, items: items, numberOfFrames: numberOfFrames)
        }
        let basic = fragments.basicOffsets
        if !basic.isEmpty, basic.count == numberOfFrames {
            return try ranges(from: basic.map(UInt64.init), items: items, numberOfFrames: numberOfFrames)
        }
        if numberOfFrames == 1 { return [0..<items.count] }
        if items.count == numberOfFrames { return (0..<items.count).map { $0..<($0 + 1) } }
        let starts = items.indices.filter { startsCodeStream(items[$0]) }
        guard starts.count == numberOfFrames, starts.first == 0 else {
            throw PixelDataError(
                .missingFrame,
                "no offset table, and \(items.count) fragments do not split into \(numberOfFrames) frames")
        }
        return starts.indices.map { index in
            starts[index]..<(index + 1 < starts.count ? starts[index + 1] : items.count)
        }
    }

    /// The frame's bytes: its fragments joined (no copy for a frame of one fragment).
    public static func join(_ fragments: ArraySlice<ByteBuffer>) -> ByteBuffer {
        if fragments.count == 1, let only = fragments.first { return only }
        var joined = ByteBuffer()
        joined.reserveCapacity(fragments.reduce(0) { $0 + $1.readableBytes })
        for fragment in fragments { joined.writeImmutableBuffer(fragment) }
        return joined
    }

    /// Maps byte offsets (from the first fragment item's tag, PS3.5 §A.4) to fragment indices.
    private static func ranges(from offsets: [UInt64], items: [ByteBuffer], numberOfFrames: Int)
        throws(PixelDataError) -> [Range<Int>]
    {
        guard offsets.count == numberOfFrames else {
            throw PixelDataError(.missingFrame, "offset table has \(offsets.count) entries for \(numberOfFrames) frames")
        }
        var itemStarts: [UInt64: Int] = [:]
        var position: UInt64 = 0
        for (index, item) in items.enumerated() {
            itemStarts[position] = index
            position += 8 + UInt64(item.readableBytes)
        }
        var starts: [Int] = []
        for offset in offsets {
            guard let index = itemStarts[offset], index >= (starts.last.map { $0 + 1 } ?? 0) else {
                throw PixelDataError(.missingFrame, "offset \(offset) does not start a fragment after the previous frame")
            }
            starts.append(index)
        }
        return starts.indices.map { index in
            starts[index]..<(index + 1 < starts.count ? starts[index + 1] : items.count)
        }
    }

    private static func startsCodeStream(_ fragment: ByteBuffer) -> Bool {
        guard let first = fragment.getInteger(at: fragment.readerIndex, endianness: .big, as: UInt32.self) else {
            return false
        }
        switch first >> 16 {
        case 0xFFD8: return true  // JPEG, JPEG-LS SOI
        case 0xFF4F: return first & 0xFFFF == 0xFF51  // JPEG 2000 SOC then SIZ
        default: return first == 0x0000_000C  // JP2 signature box
        }
    }
}
