public import DICOMCore
import DICOM
public import NIOCore

/// Deflated Image Frame Compression (1.2.840.10008.1.2.8.1): each frame a raw deflate stream of its native bytes,
/// PS3.5 §8.2.17 and §10.20.
///
/// Inflation stops at the frame's native length plus a little, so a deflate bomb fails as `corruptCodeStream`.
public struct DeflatedFrameCodec: FrameDecoder, FrameEncoder {
    public init() {}

    public var transferSyntax: TransferSyntax { .deflatedImageFrame }
    public var isLossless: Bool { true }

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        let native: ByteBuffer
        do {
            native = try Deflate.inflate(codeStream, maximumLength: (description.nativeFrameBits + 7) / 8 + 1)
        } catch {
            throw PixelDataError(.corruptCodeStream, "deflate: \(error.reason)")
        }
        return try NativeCodec().decode(native, as: description)
    }

    public func encode(_ frame: PixelBuffer) throws(PixelDataError) -> ByteBuffer {
        do {
            return try Deflate.deflate(ByteBuffer(bytes: NativeCodec().encode(frame)))
        } catch {
            throw PixelDataError(.encodingFailed, "deflate: \(error.reason)")
        }
    }
}
