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
        try locate(
            fragments.fragments.map(FragmentOutline.init), basicOffsets: fragments.basicOffsets.map(UInt64.init),
            numberOfFrames: numberOfFrames, extendedOffsets: extendedOffsets)
    }

    /// The fragment indices of each frame, from what the rules read of the fragments: their lengths and first
    /// bytes (for a caller that reads the object in ranges and never holds the fragments). `basicOffsets` are the
    /// Basic Offset Table's entries (empty when it is).
    public static func locate(
        _ fragments: [FragmentOutline], basicOffsets: [UInt64], numberOfFrames: Int, extendedOffsets: [UInt64]? = nil
    ) throws(PixelDataError) -> [Range<Int>] {
        guard !fragments.isEmpty else {
            throw PixelDataError(.missingFrame, "encapsulated pixel data has no fragments")
        }
        if let extendedOffsets, !extendedOffsets.isEmpty {
            return try ranges(from: extendedOffsets, fragments: fragments, numberOfFrames: numberOfFrames)
        }
        if !basicOffsets.isEmpty, basicOffsets.count == numberOfFrames {
            return try ranges(from: basicOffsets, fragments: fragments, numberOfFrames: numberOfFrames)
        }
        if numberOfFrames == 1 { return [0..<fragments.count] }
        if fragments.count == numberOfFrames { return (0..<fragments.count).map { $0..<($0 + 1) } }
        let starts = fragments.indices.filter { fragments[$0].startsCodeStream }
        guard starts.count == numberOfFrames, starts.first == 0 else {
            throw PixelDataError(
                .missingFrame,
                "no offset table, and \(fragments.count) fragments do not split into \(numberOfFrames) frames")
        }
        return starts.indices.map { index in
            starts[index]..<(index + 1 < starts.count ? starts[index + 1] : fragments.count)
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
    private static func ranges(from offsets: [UInt64], fragments: [FragmentOutline], numberOfFrames: Int)
        throws(PixelDataError) -> [Range<Int>]
    {
        guard offsets.count == numberOfFrames else {
            throw PixelDataError(.missingFrame, "offset table has \(offsets.count) entries for \(numberOfFrames) frames")
        }
        var itemStarts: [UInt64: Int] = [:]
        var position: UInt64 = 0
        for (index, fragment) in fragments.enumerated() {
            itemStarts[position] = index
            position += 8 + UInt64(fragment.length)
        }
        var starts: [Int] = []
        for offset in offsets {
            guard let index = itemStarts[offset], index >= (starts.last.map { $0 + 1 } ?? 0) else {
                throw PixelDataError(.missingFrame, "offset \(offset) does not start a fragment after the previous frame")
            }
            starts.append(index)
        }
        return starts.indices.map { index in
            starts[index]..<(index + 1 < starts.count ? starts[index + 1] : fragments.count)
        }
    }
}

/// What the frame rules read of one fragment: its value length and its first four bytes.
public struct FragmentOutline: Hashable, Sendable {
    /// The value length, in bytes.
    public var length: Int
    /// The value's first four bytes, big-endian; nil when it is shorter.
    public var leadingBytes: UInt32?

    public init(length: Int, leadingBytes: UInt32?) {
        self.length = length
        self.leadingBytes = leadingBytes
    }

    /// The outline of a fragment held in memory.
    public init(_ fragment: ByteBuffer) {
        self.init(
            length: fragment.readableBytes,
            leadingBytes: fragment.getInteger(at: fragment.readerIndex, endianness: .big, as: UInt32.self))
    }

    /// Whether the fragment opens a code stream: a JPEG or JPEG-LS SOI, a JPEG 2000 SOC then SIZ, or a JP2
    /// signature box.
    public var startsCodeStream: Bool {
        guard let first = leadingBytes else { return false }
        switch first >> 16 {
        case 0xFFD8: return true  // JPEG, JPEG-LS SOI
        case 0xFF4F: return first & 0xFFFF == 0xFF51  // JPEG 2000 SOC then SIZ
        default: return first == 0x0000_000C  // JP2 signature box
        }
    }
}
