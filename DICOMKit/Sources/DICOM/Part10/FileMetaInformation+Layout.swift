public import DICOMCore
public import NIOCore

extension FileMetaInformation {
    /// Where the data set starts in the first bytes of a Part 10 object: after the preamble, "DICM" and the file
    /// meta group (0 for a bare data set). Nil when `prefix` ends before the meta group does (or is shorter than a
    /// preamble).
    ///
    /// PS3.10 §7.1: the meta group is Explicit VR Little Endian; it ends at the first element outside group 0002,
    /// whatever (0002,0000) says (some writers get it wrong). A meta element longer than 1 MiB is refused, so a
    /// hostile length cannot make the caller buffer without bound.
    public static func dataSetOffset(in prefix: ByteBuffer) throws(DICOMParseError) -> Int? {
        let bytes = prefix.readableBytesView
        let start = bytes.startIndex
        func byte(_ offset: Int) -> UInt8 { bytes[start + offset] }
        func littleEndian16(_ offset: Int) -> Int { Int(byte(offset)) | Int(byte(offset + 1)) << 8 }
        func littleEndian32(_ offset: Int) -> Int { littleEndian16(offset) | littleEndian16(offset + 2) << 16 }

        var offset: Int
        if bytes.count >= 132, bytes[(start + 128)..<(start + 132)].elementsEqual(magic) {
            offset = 132
        } else if bytes.count >= 2, byte(0) == 0x02, byte(1) == 0x00 {
            offset = 0  // A meta group without a preamble.
        } else if bytes.count < 132 {
            return nil  // Too short to tell a preamble from a data set.
        } else {
            return 0  // A bare data set.
        }
        while true {
            guard offset + 8 <= bytes.count else { return nil }
            guard littleEndian16(offset) == 0x0002 else { return offset }
            guard let vr = VR(firstByte: byte(offset + 4), secondByte: byte(offset + 5)) else {
                throw DICOMParseError(.invalidVR, "the file meta group has an element without a valid VR", offset: offset)
            }
            let headerLength: Int
            let valueLength: Int
            if vr.hasLongExplicitLength {
                guard offset + 12 <= bytes.count else { return nil }
                headerLength = 12
                valueLength = littleEndian32(offset + 8)
            } else {
                headerLength = 8
                valueLength = littleEndian16(offset + 6)
            }
            guard valueLength <= 1 << 20 else {
                throw DICOMParseError(
                    .valueTooLong, "a file meta element claims \(valueLength) bytes", offset: offset)
            }
            offset += headerLength + valueLength
        }
    }
}
