import CImagingCodecs
public import DICOMCore
public import NIOCore

/// JPEG-LS Lossless and Near-Lossless (ISO 14495-1) through CharLS: PS3.5 §8.2.3.
///
/// JPEG-LS has no sign: signed images are coded as their Bits Stored bits and sign-extended on decode. Colour
/// frames coded component by component (interleave mode none) are interleaved. The encoder writes lossless,
/// sample-interleaved streams.
public struct JPEGLSCodec: FrameDecoder, FrameEncoder {
    public init() {}

    public var transferSyntax: TransferSyntax { .jpegLSLossless }
    public var isLossless: Bool { true }

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        guard description.bitsAllocated == 8 || description.bitsAllocated == 16 else {
            throw PixelDataError(.unsupportedLayout, "JPEG-LS of \(description.bitsAllocated)-bit samples")
        }
        var (bytes, info) = try CCodecCall.decode(codeStream, capacity: description.frameLength, codec: "CharLS") {
            source, length, target, capacity, info, message in
            nuage_jls_decode(source, length, target, capacity, &info, message)
        }
        try CCodecCall.checkShape(info, description, codec: "JPEG-LS")
        let decodedWidth = info.precision > 8 ? 2 : 1
        guard decodedWidth == description.bytesPerSample else {
            throw PixelDataError(
                .mismatchedCodeStream, "JPEG-LS precision \(info.precision) in \(description.bitsAllocated)-bit samples")
        }
        if info.is_planar != 0 {
            bytes = SampleLayout.interleaved(
                bytes, samplesPerPixel: description.samplesPerPixel, bytesPerSample: description.bytesPerSample)
        }
        SampleLayout.signExtend(&bytes, description: description)
        return PixelBuffer(pixelDescription: description.decodedFrame, bytes: bytes)
    }

    public func encode(_ frame: PixelBuffer) throws(PixelDataError) -> ByteBuffer {
        let description = frame.pixelDescription
        guard description.bitsAllocated == 8 || description.bitsAllocated == 16, description.bitsStored >= 2 else {
            throw PixelDataError(.encodingFailed, "JPEG-LS takes 2…16-bit samples, not \(description.bitsStored)")
        }
        var bytes = frame.bytes
        Self.maskToBitsStored(&bytes, description: description)
        return try CCodecCall.encode(bytes, codec: "CharLS") { source, output, length, message in
            nuage_jls_encode_lossless(
                source, Int32(description.columns), Int32(description.rows), Int32(description.samplesPerPixel),
                Int32(description.bytesPerSample), Int32(description.bitsStored), output, length, message)
        }
    }

    /// JPEG-LS codes unsigned values below 2^P: bits above Bits Stored (a signed value's extension) are cleared.
    private static func maskToBitsStored(_ bytes: inout [UInt8], description: PixelDescription) {
        guard description.bitsStored < description.bitsAllocated else { return }
        if description.bytesPerSample == 1 {
            let mask = UInt8((1 << description.bitsStored) - 1)
            for index in bytes.indices { bytes[index] &= mask }
            return
        }
        let mask = UInt16((1 << description.bitsStored) - 1)
        var index = 0
        while index + 1 < bytes.count {
            let value = (UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8) & mask
            bytes[index] = UInt8(truncatingIfNeeded: value)
            bytes[index + 1] = UInt8(value >> 8)
            index += 2
        }
    }
}
