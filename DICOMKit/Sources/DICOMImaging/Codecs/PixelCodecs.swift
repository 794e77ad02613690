public import DICOMCore
public import NIOCore

/// Decodes one frame's code stream into samples.
public protocol FrameDecoder: Sendable {
    /// Decodes `codeStream` (one frame) that the attributes in `description` describe; returns the samples and what
    /// they turned out to be (a colour JPEG comes back as RGB whatever YBR form it was stored in).
    ///
    /// Throws `corruptCodeStream` for a truncated or corrupt stream and `mismatchedCodeStream` when the image
    /// differs from the attributes.
    func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError) -> PixelBuffer
}

/// Encodes one decoded frame into a transfer syntax's code stream.
public protocol FrameEncoder: Sendable {
    /// The transfer syntax this encoder writes.
    var transferSyntax: TransferSyntax { get }
    /// Whether decoding the output gives back the same samples.
    var isLossless: Bool { get }
    /// The photometric interpretation the encoded frame is to be labelled with (e.g. YBR_RCT for colour JPEG 2000).
    func encodedPhotometricInterpretation(for description: PixelDescription) -> PhotometricInterpretation
    /// Encodes an interleaved frame.
    func encode(_ frame: PixelBuffer) throws(PixelDataError) -> ByteBuffer
}

extension FrameEncoder {
    /// Most codecs keep the colour model: the frame's own interpretation.
    public func encodedPhotometricInterpretation(for description: PixelDescription) -> PhotometricInterpretation {
        description.photometricInterpretation
    }
}

/// The codecs of this toolkit, by transfer syntax.
public enum PixelCodecs {
    /// The decoder for a transfer syntax, or nil when frames of it cannot be decoded here.
    public static func decoder(for transferSyntax: TransferSyntax) -> (any FrameDecoder)? {
        if transferSyntax.isNative { return NativeCodec() }
        switch transferSyntax.uid {
        case TransferSyntax.encapsulatedUncompressedExplicitVRLittleEndian.uid: return NativeCodec()
        case TransferSyntax.rleLossless.uid: return RLECodec()
        case TransferSyntax.jpegBaseline8Bit.uid: return JPEGCodec()
        case TransferSyntax.jpegExtended12Bit.uid: return JPEGCodec()
        case TransferSyntax.jpegLossless.uid, TransferSyntax.jpegLosslessSV1.uid: return JPEGLosslessDecoder()
        case TransferSyntax.jpegLSLossless.uid, TransferSyntax.jpegLSNearLossless.uid: return JPEGLSCodec()
        case TransferSyntax.jpeg2000Lossless.uid, TransferSyntax.jpeg2000.uid, TransferSyntax.htj2kLossless.uid,
            TransferSyntax.htj2kLosslessRPCL.uid, TransferSyntax.htj2k.uid, TransferSyntax.jpeg2000MCLossless.uid,
            TransferSyntax.jpeg2000MC.uid:
            return JPEG2000Codec()
        case TransferSyntax.deflatedImageFrame.uid: return DeflatedFrameCodec()
        default: return nil
        }
    }

    /// The encoder for a transfer syntax, or nil when this toolkit cannot write it.
    public static func encoder(for transferSyntax: TransferSyntax) -> (any FrameEncoder)? {
        switch transferSyntax.uid {
        case TransferSyntax.rleLossless.uid: RLECodec()
        case TransferSyntax.jpegLSLossless.uid: JPEGLSCodec()
        case TransferSyntax.jpeg2000Lossless.uid: JPEG2000Codec()
        case TransferSyntax.deflatedImageFrame.uid: DeflatedFrameCodec()
        default: nil
        }
    }
}

/// Buffer helpers shared by the codecs.
enum SampleLayout {
    /// Colour-by-plane samples rearranged colour-by-pixel.
    static func interleaved(_ planar: [UInt8], samplesPerPixel: Int, bytesPerSample: Int) -> [UInt8] {
        guard samplesPerPixel > 1 else { return planar }
        let planeLength = planar.count / samplesPerPixel
        let pixels = planeLength / bytesPerSample
        var output = [UInt8](repeating: 0, count: planar.count)
        planar.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for sample in 0..<samplesPerPixel {
                    for pixel in 0..<pixels {
                        let from = sample * planeLength + pixel * bytesPerSample
                        let to = (pixel * samplesPerPixel + sample) * bytesPerSample
                        for byte in 0..<bytesPerSample { target[to + byte] = source[from + byte] }
                    }
                }
            }
        }
        return output
    }

    /// The bytes of a buffer, copied out.
    static func bytes(_ buffer: ByteBuffer) -> [UInt8] { Array(buffer.readableBytesView) }

    /// Sign-extends samples that a codec returned as unsigned `bitsStored`-bit values (JPEG-LS and JPEG lossless
    /// know no sign), in place, for signed Pixel Representation.
    static func signExtend(_ bytes: inout [UInt8], description: PixelDescription) {
        guard description.pixelRepresentation == .signed, description.bitsStored < description.bitsAllocated else {
            return
        }
        let width = description.bytesPerSample
        let bits = description.bitsStored
        let signBit: UInt64 = 1 << UInt64(bits - 1)
        let mask: UInt64 = (1 << UInt64(bits)) - 1
        let full: UInt64 = width >= 8 ? .max : (1 << UInt64(8 * width)) - 1
        var index = 0
        while index + width <= bytes.count {
            var value: UInt64 = 0
            for byte in 0..<width { value |= UInt64(bytes[index + byte]) << UInt64(8 * byte) }
            value &= mask
            if value & signBit != 0 { value |= ~mask & full }
            for byte in 0..<width { bytes[index + byte] = UInt8(truncatingIfNeeded: value >> UInt64(8 * byte)) }
            index += width
        }
    }
}
