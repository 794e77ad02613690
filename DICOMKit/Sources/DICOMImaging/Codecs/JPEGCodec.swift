import CImagingCodecs
public import DICOMCore
public import NIOCore

/// JPEG Baseline (Process 1) and Extended (Process 2 & 4) through libjpeg-turbo: PS3.5 §8.2.1, ITU T.81.
///
/// Debian's libjpeg-turbo decodes 8-bit samples only; 12-bit Extended streams go to the Swift decoder
/// (`JPEGLosslessDecoder` shares its Huffman decoding with it). Colour frames come out as RGB: a stream without a JFIF
/// or Adobe marker is read in the colour space the Photometric Interpretation names (RGB stays RGB, YBR_* are
/// converted). Corrupt data, libjpeg's warnings included, is `corruptCodeStream`.
public struct JPEGCodec: FrameDecoder {
    public init() {}

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        if let precision = JPEGMarkers.framePrecision(codeStream), precision > 8 {
            return try JPEGLosslessDecoder().decode(codeStream, as: description)
        }
        guard description.bitsAllocated == 8 else {
            throw PixelDataError(
                .mismatchedCodeStream, "8-bit JPEG data in an image of \(description.bitsAllocated) bits allocated")
        }
        let hint: Int32 =
            switch description.photometricInterpretation {
            case .rgb: Int32(NUAGE_JPEG_COLOR_RGB)
            case .ybrFull, .ybrFull422, .ybrPartial420: Int32(NUAGE_JPEG_COLOR_YCBCR)
            default: Int32(NUAGE_JPEG_COLOR_AUTO)
            }
        let (bytes, info) = try CCodecCall.decode(codeStream, capacity: description.frameLength, codec: "libjpeg") {
            source, length, target, capacity, info, message in
            nuage_jpeg_decode(source, length, hint, target, capacity, &info, message)
        }
        try CCodecCall.checkShape(info, description, codec: "JPEG")
        var layout = description.decodedFrame
        if description.samplesPerPixel == 3 { layout.photometricInterpretation = .rgb }
        return PixelBuffer(pixelDescription: layout, bytes: bytes)
    }

    /// Encodes 8-bit grey or RGB samples as a JPEG baseline file (for rendered images), quality 1…100.
    public static func encode(
        _ pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int
    ) throws(PixelDataError) -> ByteBuffer {
        guard components == 1 || components == 3, pixels.count >= width * height * components,
            width > 0, height > 0, width <= 65_500, height <= 65_500
        else {
            throw PixelDataError(.encodingFailed, "JPEG needs 8-bit grey or RGB pixels of 1…65500 per side")
        }
        let level = Int32(min(max(quality, 1), 100))
        return try CCodecCall.encode(pixels, codec: "libjpeg") { source, output, length, message in
            var produced = 0
            let status = nuage_jpeg_encode(
                source, Int32(width), Int32(height), Int32(components), level, output, &produced, message)
            length.pointee = produced
            return status
        }
    }
}

/// Reads the few JPEG (T.81) markers that pick a decoder.
enum JPEGMarkers {
    /// The sample precision in the first SOF marker (P of the frame header), nil when there is none.
    static func framePrecision(_ codeStream: ByteBuffer) -> Int? {
        let bytes = codeStream.readableBytesView
        var index = bytes.startIndex
        guard bytes.count >= 4, bytes[index] == 0xFF, bytes[index + 1] == 0xD8 else { return nil }
        index += 2
        while index + 4 < bytes.endIndex {
            guard bytes[index] == 0xFF else { return nil }
            let marker = bytes[index + 1]
            if marker == 0xFF {
                index += 1
                continue
            }
            let length = Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
            switch marker {
            case 0xC0...0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                return index + 4 < bytes.endIndex ? Int(bytes[index + 4]) : nil
            default:
                index += 2 + length
            }
        }
        return nil
    }
}
