public import DICOM
public import DICOMCore
import DICOMDictionary
public import NIOCore

/// Re-encodes pixel data in another transfer syntax: what WADO-RS Accept negotiation and C-GET/C-MOVE call when a
/// peer does not take the stored syntax.
///
/// Every frame is decoded with the source syntax's codec and encoded with the target's: native (Explicit or Implicit
/// VR Little Endian, Deflated, Big Endian), RLE Lossless, JPEG-LS Lossless, JPEG 2000 Lossless, Deflated Image Frame.
/// The new data set has its Pixel Data re-encapsulated (one fragment per frame, a Basic Offset Table, the Extended
/// Offset Table removed), Photometric Interpretation and Planar Configuration as the decoded or encoded frames are,
/// and Lossy Image Compression "01" when the source was lossy (PS3.3 §C.7.6.1.1.5). Everything else is kept.
public enum Transcoder {
    /// Whether frames of `source` can be written in `target`.
    public static func canTranscode(from source: TransferSyntax, to target: TransferSyntax) -> Bool {
        guard PixelCodecs.decoder(for: source) != nil else { return false }
        return target.isNative || PixelCodecs.encoder(for: target) != nil
    }

    /// The data set with its pixel data in `target`. A data set without Pixel Data, or already in `target`, comes
    /// back unchanged.
    public static func transcode(_ dataSet: DataSet, from source: TransferSyntax, to target: TransferSyntax)
        throws(PixelDataError) -> DataSet
    {
        guard dataSet.contains(.pixelData), source.uid != target.uid else { return dataSet }
        if source.isNative && target.isNative { return dataSet }
        let pixelData = try PixelData(dataSet: dataSet, transferSyntax: source)
        var frames: [PixelBuffer] = []
        frames.reserveCapacity(pixelData.numberOfFrames)
        for index in 0..<pixelData.numberOfFrames { frames.append(try pixelData.frame(at: index)) }
        guard var decoded = frames.first?.pixelDescription else {
            throw PixelDataError(.missingFrame, "no frames to transcode")
        }
        decoded.numberOfFrames = frames.count

        var output = dataSet
        output.remove(Tag(rawValue: 0x7FE0_0001))
        output.remove(Tag(rawValue: 0x7FE0_0002))
        var photometric = decoded.photometricInterpretation
        if target.isNative {
            output[.pixelData] = nativePixelData(frames, description: decoded)
        } else {
            guard let encoder = PixelCodecs.encoder(for: target) else {
                throw PixelDataError(
                    .unsupportedTransferSyntax, "no encoder for this transfer syntax", transferSyntax: target.uid)
            }
            var fragments: [ByteBuffer] = []
            for (index, frame) in frames.enumerated() {
                do {
                    var encoded = try encoder.encode(frame)
                    if encoded.readableBytes % 2 == 1 { encoded.writeInteger(UInt8(0)) }
                    fragments.append(encoded)
                } catch {
                    throw error.at(frame: index, transferSyntax: target.uid)
                }
            }
            photometric = encoder.encodedPhotometricInterpretation(for: decoded)
            output[.pixelData] = DataElement(
                tag: .pixelData, vr: .OB,
                value: .fragments(PixelFragments(offsetTable: basicOffsetTable(fragments), fragments: fragments)))
        }
        output[.photometricInterpretation] = DataElement(
            tag: .photometricInterpretation, vr: .CS, asciiStrings: [photometric.rawValue])
        if decoded.samplesPerPixel > 1 {
            output[.planarConfiguration] = DataElement(tag: .planarConfiguration, vr: .US, integers: [UInt16(0)])
        }
        if isLossy(source), !output.contains(.lossyImageCompression) {
            output[.lossyImageCompression] = DataElement(tag: .lossyImageCompression, vr: .CS, asciiStrings: ["01"])
        }
        return output
    }

    /// A Part 10 file with its pixel data in `target` and a new meta group naming it.
    public static func transcode(_ file: DICOMFile, to target: TransferSyntax) throws(PixelDataError) -> DICOMFile {
        let dataSet = try transcode(file.dataSet, from: file.transferSyntax, to: target)
        var output = DICOMFile(dataSet: dataSet, transferSyntax: target)
        output.preamble = file.preamble
        return output
    }

    /// Whether a syntax discards information (the JPEG and JPEG 2000 lossy processes, JPEG-LS near-lossless).
    public static func isLossy(_ syntax: TransferSyntax) -> Bool {
        [
            TransferSyntax.jpegBaseline8Bit.uid, TransferSyntax.jpegExtended12Bit.uid, TransferSyntax.jpeg2000.uid,
            TransferSyntax.jpeg2000MC.uid, TransferSyntax.jpegLSNearLossless.uid, TransferSyntax.htj2k.uid,
        ].contains(syntax.uid)
    }

    private static func nativePixelData(_ frames: [PixelBuffer], description: PixelDescription) -> DataElement {
        let codec = NativeCodec()
        var bytes: [UInt8] = []
        if description.bitsAllocated == 1 {
            // 1-bit frames follow each other bit by bit, not byte by byte (PS3.5 §8.1.1).
            var joined = PixelBuffer(pixelDescription: description, bytes: [])
            for frame in frames { joined.bytes += frame.bytes }
            bytes = codec.encode(joined)
        } else {
            bytes.reserveCapacity(description.frameLength * frames.count)
            for frame in frames { bytes += frame.bytes }
        }
        if bytes.count % 2 == 1 { bytes.append(0) }
        return DataElement(tag: .pixelData, vr: description.bitsAllocated > 8 ? .OW : .OB, bytes: ByteBuffer(bytes: bytes))
    }

    /// The Basic Offset Table (PS3.5 §A.4): each frame's offset from the first fragment item; empty past 4 GiB.
    private static func basicOffsetTable(_ fragments: [ByteBuffer]) -> ByteBuffer {
        var table = ByteBuffer()
        var offset: UInt64 = 0
        for fragment in fragments {
            guard offset <= UInt64(UInt32.max) else { return ByteBuffer() }
            table.writeInteger(UInt32(offset), endianness: .little)
            offset += 8 + UInt64(fragment.readableBytes)
        }
        return table
    }
}
