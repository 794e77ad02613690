public import DICOMCore
public import NIOCore

/// Native (uncompressed) pixel data: PS3.5 §8.1 and §8.2.
///
/// Bits Allocated 1 (packed, first pixel in the least significant bit), 8, 16, 32 or 64; colour-by-plane frames are
/// interleaved; YBR_FULL_422 frames (two luminance samples then Cb and Cr per pair of pixels) are expanded to
/// YBR_FULL. A frame shorter than its attributes is `missingFrame`.
public struct NativeCodec: FrameDecoder {
    public init() {}

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        let output = description.decodedFrame
        if description.bitsAllocated == 1 {
            let needed = (description.sampleCount + 7) / 8
            guard codeStream.readableBytes >= needed else { throw shortFrame(codeStream, needed) }
            return PixelBuffer(pixelDescription: output, bytes: Self.unpackedBits(codeStream, count: description.sampleCount))
        }
        if description.photometricInterpretation == .ybrFull422 && description.samplesPerPixel == 3 {
            return try expanded422(codeStream, description: description)
        }
        let needed = description.frameLength
        guard codeStream.readableBytes >= needed else { throw shortFrame(codeStream, needed) }
        var bytes = Array(codeStream.readableBytesView.prefix(needed))
        if description.planarConfiguration == .planar {
            bytes = SampleLayout.interleaved(
                bytes, samplesPerPixel: description.samplesPerPixel, bytesPerSample: description.bytesPerSample)
        }
        return PixelBuffer(pixelDescription: output, bytes: bytes)
    }

    /// Packs a frame back into native bytes: 1-bit samples eight to a byte, others as they are (interleaved).
    public func encode(_ frame: PixelBuffer) -> [UInt8] {
        guard frame.pixelDescription.bitsAllocated == 1 else { return frame.bytes }
        var packed = [UInt8](repeating: 0, count: (frame.bytes.count + 7) / 8)
        for (index, sample) in frame.bytes.enumerated() where sample & 1 == 1 {
            packed[index / 8] |= 1 << UInt8(index % 8)
        }
        return packed
    }

    /// The bits of frame `frame` (of `bits` bits each) of packed 1-bit data, copied to start on a byte.
    static func realignedBitFrame(_ bytes: ByteBuffer, frame: Int, bits: Int) -> ByteBuffer {
        let view = bytes.readableBytesView
        let first = frame * bits
        var output = [UInt8](repeating: 0, count: (bits + 7) / 8)
        for bit in 0..<bits {
            let source = first + bit
            let byteIndex = view.startIndex + source / 8
            guard byteIndex < view.endIndex else { break }
            if view[byteIndex] >> UInt8(source % 8) & 1 == 1 { output[bit / 8] |= 1 << UInt8(bit % 8) }
        }
        return ByteBuffer(bytes: output)
    }

    private static func unpackedBits(_ bytes: ByteBuffer, count: Int) -> [UInt8] {
        let view = bytes.readableBytesView
        return [UInt8](unsafeUninitializedCapacity: count) { output, initialized in
            var index = 0
            for byte in view {
                var bit = 0
                while bit < 8 && index < count {
                    output[index] = byte >> UInt8(bit) & 1
                    bit += 1
                    index += 1
                }
                if index == count { break }
            }
            initialized = count
        }
    }

    /// YBR_FULL_422 native data (PS3.3 §C.7.6.3.1.2): Y1 Y2 Cb Cr per horizontal pair, 8 bits, expanded to YBR_FULL.
    private func expanded422(_ codeStream: ByteBuffer, description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        guard description.bitsAllocated == 8 else {
            throw PixelDataError(.unsupportedLayout, "native YBR_FULL_422 with \(description.bitsAllocated) bits")
        }
        let pairsPerRow = (description.columns + 1) / 2
        let needed = pairsPerRow * 4 * description.rows
        guard codeStream.readableBytes >= needed else { throw shortFrame(codeStream, needed) }
        let source = Array(codeStream.readableBytesView.prefix(needed))
        var output = [UInt8](repeating: 0, count: description.pixelCount * 3)
        for row in 0..<description.rows {
            for pair in 0..<pairsPerRow {
                let base = (row * pairsPerRow + pair) * 4
                for half in 0..<2 {
                    let column = pair * 2 + half
                    guard column < description.columns else { continue }
                    let target = (row * description.columns + column) * 3
                    output[target] = source[base + half]
                    output[target + 1] = source[base + 2]
                    output[target + 2] = source[base + 3]
                }
            }
        }
        var layout = description.decodedFrame
        layout.photometricInterpretation = .ybrFull
        return PixelBuffer(pixelDescription: layout, bytes: output)
    }

    private func shortFrame(_ codeStream: ByteBuffer, _ needed: Int) -> PixelDataError {
        PixelDataError(.missingFrame, "native frame holds \(codeStream.readableBytes) bytes, needs \(needed)")
    }
}
