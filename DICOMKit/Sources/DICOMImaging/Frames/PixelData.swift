public import DICOMCore
import DICOMDictionary
public import NIOCore

/// The frames of a data set's Pixel Data (7FE0,0010), ready to decode one at a time.
///
/// PS3.5 §8 and Annex A. Native data is sliced per frame (1-bit frames need not start on a byte); encapsulated data
/// is split through the offset tables or by scanning fragments (`EncapsulatedFrames`). Decoding picks the codec
/// from the transfer syntax (`PixelCodecs`); every failure is a `PixelDataError` naming the frame.
public struct PixelData: Sendable {
    /// The Image Pixel attributes of the data set.
    public let pixelDescription: PixelDescription
    public let transferSyntax: TransferSyntax
    private let storage: Storage

    private enum Storage: Sendable {
        case native(ByteBuffer)
        case encapsulated([ByteBuffer], frames: [Range<Int>])
    }

    /// Reads the Image Pixel attributes and locates the frames.
    ///
    /// Throws `missingAttribute` without Pixel Data or when it was left in the file (bulk data), `missingFrame` when
    /// native data is shorter than its frames or encapsulated frames cannot be located.
    public init(dataSet: DataSet, transferSyntax: TransferSyntax) throws(PixelDataError) {
        let description = try PixelDescription(dataSet)
        guard let element = dataSet[.pixelData] else {
            throw PixelDataError(.missingAttribute, "the data set has no Pixel Data (7FE0,0010)")
        }
        self.pixelDescription = description
        self.transferSyntax = transferSyntax
        switch element.value {
        case .bytes(let bytes):
            var native = bytes
            if transferSyntax.byteOrder == .bigEndian && element.vr == .OW {
                native = Self.restoringBigEndianOrder(bytes, bitsAllocated: description.bitsAllocated)
            }
            let needed = (description.nativeFrameBits * description.numberOfFrames + 7) / 8
            guard native.readableBytes >= needed else {
                throw PixelDataError(
                    .missingFrame,
                    "native Pixel Data holds \(native.readableBytes) bytes, \(description.numberOfFrames) frames need \(needed)")
            }
            storage = .native(native)
        case .fragments(let fragments):
            var extended: [UInt64]?
            do { extended = try dataSet.extendedOffsetTable()?.offsets } catch {
                throw PixelDataError(.invalidAttribute, "Extended Offset Table: \(error.reason)")
            }
            let frames = try EncapsulatedFrames.locate(
                fragments, numberOfFrames: description.numberOfFrames, extendedOffsets: extended)
            storage = .encapsulated(fragments.fragments, frames: frames)
        case .sequence, .bulkData:
            throw PixelDataError(.missingAttribute, "Pixel Data is not held in memory")
        }
    }

    /// Number of frames that can be decoded.
    public var numberOfFrames: Int {
        switch storage {
        case .native: pixelDescription.numberOfFrames
        case .encapsulated(_, let frames): frames.count
        }
    }

    /// The encoded bytes of a frame: its native bytes (1-bit frames realigned to start on a byte), or its
    /// fragments joined.
    public func encodedFrame(at index: Int) throws(PixelDataError) -> ByteBuffer {
        guard index >= 0, index < numberOfFrames else {
            throw PixelDataError(.frameOutOfRange, "frame \(index) of \(numberOfFrames)", frame: index)
        }
        switch storage {
        case .native(let bytes):
            let bits = pixelDescription.nativeFrameBits
            if bits % 8 == 0 {
                let length = bits / 8
                return bytes.getSlice(at: bytes.readerIndex + index * length, length: length) ?? ByteBuffer()
            }
            return NativeCodec.realignedBitFrame(bytes, frame: index, bits: bits)
        case .encapsulated(let fragments, let frames):
            return EncapsulatedFrames.join(fragments[frames[index]])
        }
    }

    /// Decodes a frame with the transfer syntax's codec.
    public func frame(at index: Int) throws(PixelDataError) -> PixelBuffer {
        let encoded = try encodedFrame(at: index)
        guard let decoder = PixelCodecs.decoder(for: transferSyntax) else {
            throw PixelDataError(
                .unsupportedTransferSyntax, "no decoder for this transfer syntax", frame: index,
                transferSyntax: transferSyntax.uid)
        }
        do {
            return try decoder.decode(encoded, as: frameDescription)
        } catch {
            throw error.at(frame: index, transferSyntax: transferSyntax.uid)
        }
    }

    /// The description of one frame as stored (Number of Frames 1).
    public var frameDescription: PixelDescription {
        var description = pixelDescription
        description.numberOfFrames = 1
        return description
    }

    /// Big-endian OW values were swapped per 16-bit word when read, which puts 8- and 16-bit samples in order;
    /// 32-bit samples need their halves exchanged, and packed 1-bit data its byte pairs swapped back (bits are
    /// packed in bytes, as pydicom and DCMTK read them).
    private static func restoringBigEndianOrder(_ bytes: ByteBuffer, bitsAllocated: Int) -> ByteBuffer {
        guard bitsAllocated == 1 || bitsAllocated == 32 else { return bytes }
        var source = Array(bytes.readableBytesView)
        let unit = bitsAllocated == 32 ? 4 : 2
        var start = 0
        while start + unit <= source.count {
            if unit == 2 {
                source.swapAt(start, start + 1)
            } else {
                source.swapAt(start, start + 2)
                source.swapAt(start + 1, start + 3)
            }
            start += unit
        }
        return ByteBuffer(bytes: source)
    }
}
