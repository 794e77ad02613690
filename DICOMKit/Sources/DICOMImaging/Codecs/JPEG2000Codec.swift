import CImagingCodecs
public import DICOMCore
public import NIOCore

/// JPEG 2000 (Part 1, lossless and lossy), JPEG 2000 Part 2 multi-component and HTJ2K decoding through OpenJPEG:
/// PS3.5 §8.2.4 and §8.2.15; lossless JPEG 2000 encoding.
///
/// A code stream whose components used the multiple component transform decodes to RGB (YBR_RCT and YBR_ICT are
/// the labels of the coded form). Samples are written in the attributes' width; an
/// unsigned code stream in a signed image is sign-extended from Bits Stored. Subsampled components are `unsupportedLayout`.
public struct JPEG2000Codec: FrameDecoder, FrameEncoder {
    public init() {}

    public var transferSyntax: TransferSyntax { .jpeg2000Lossless }
    public var isLossless: Bool { true }

    public func encodedPhotometricInterpretation(for description: PixelDescription) -> PhotometricInterpretation {
        description.samplesPerPixel == 3 && description.photometricInterpretation == .rgb
            ? .ybrRCT : description.photometricInterpretation
    }

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        let width = Int32(description.bytesPerSample)
        guard [1, 2, 4].contains(width) else {
            throw PixelDataError(.unsupportedLayout, "JPEG 2000 into \(description.bitsAllocated)-bit samples")
        }
        var (bytes, info) = try CCodecCall.decode(codeStream, capacity: description.frameLength, codec: "OpenJPEG") {
            source, length, target, capacity, info, message in
            nuage_j2k_decode(source, length, width, target, capacity, &info, message)
        }
        try CCodecCall.checkShape(info, description, codec: "JPEG 2000")
        // An unsigned code stream in a signed image (pydicom's J2K_pixelrep_mismatch.dcm): the attribute wins, as
        // pydicom and GDCM decide, and the Bits Stored bits are sign-extended.
        if info.is_signed == 0 { SampleLayout.signExtend(&bytes, description: description) }
        var layout = description.decodedFrame
        if info.color_transformed != 0 || [.ybrRCT, .ybrICT].contains(description.photometricInterpretation) {
            layout.photometricInterpretation = .rgb
        }
        return PixelBuffer(pixelDescription: layout, bytes: bytes)
    }

    public func encode(_ frame: PixelBuffer) throws(PixelDataError) -> ByteBuffer {
        let description = frame.pixelDescription
        guard [1, 2, 4].contains(description.bytesPerSample), description.bitsAllocated >= 8 else {
            throw PixelDataError(.encodingFailed, "JPEG 2000 of \(description.bitsAllocated)-bit samples")
        }
        let colourTransform: Int32 = description.samplesPerPixel == 3 && description.photometricInterpretation == .rgb ? 1 : 0
        return try CCodecCall.encode(frame.bytes, codec: "OpenJPEG") { source, output, length, message in
            nuage_j2k_encode_lossless(
                source, Int32(description.columns), Int32(description.rows), Int32(description.samplesPerPixel),
                Int32(description.bytesPerSample), Int32(min(description.bitsStored, 31)),
                description.pixelRepresentation == .signed ? 1 : 0, colourTransform, output, length, message)
        }
    }
}
