import CZlib
import NIOCore

/// A PNG writer for 8-bit grey and RGB images (ISO/IEC 15948): signature, IHDR, one IDAT, IEND.
///
/// Each row is filtered with Up (type 2), which suits medical images' smooth rows, then the whole image is one zlib
/// stream (level 6).
enum PNGEncoder {
    static func encode(_ image: RenderedImage) throws(PixelDataError) -> ByteBuffer {
        guard image.components == 1 || image.components == 3, image.width > 0, image.height > 0,
            image.pixels.count >= image.width * image.height * image.components
        else {
            throw PixelDataError(.encodingFailed, "PNG needs 8-bit grey or RGB pixels")
        }
        let rowLength = image.width * image.components
        var filtered = [UInt8](repeating: 0, count: (rowLength + 1) * image.height)
        for row in 0..<image.height {
            let target = row * (rowLength + 1)
            filtered[target] = 2
            let source = row * rowLength
            for index in 0..<rowLength {
                let above = row > 0 ? image.pixels[source - rowLength + index] : 0
                filtered[target + 1 + index] = image.pixels[source + index] &- above
            }
        }
        var output = ByteBuffer()
        output.writeBytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var header = ByteBuffer()
        header.writeInteger(UInt32(image.width))
        header.writeInteger(UInt32(image.height))
        header.writeBytes([8, image.components == 3 ? 2 : 0, 0, 0, 0])
        writeChunk("IHDR", header, to: &output)
        writeChunk("IDAT", try compressed(filtered), to: &output)
        writeChunk("IEND", ByteBuffer(), to: &output)
        return output
    }

    private static func writeChunk(_ type: String, _ data: ByteBuffer, to output: inout ByteBuffer) {
        output.writeInteger(UInt32(data.readableBytes))
        let typeStart = output.writerIndex
        output.writeString(type)
        output.writeImmutableBuffer(data)
        let checksum = output.withUnsafeReadableBytes { bytes -> uLong in
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[(typeStart - output.readerIndex)...])
            return crc32(0, chunk.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(chunk.count))
        }
        output.writeInteger(UInt32(truncatingIfNeeded: checksum))
    }

    /// A zlib stream (RFC 1950) of the bytes.
    private static func compressed(_ bytes: [UInt8]) throws(PixelDataError) -> ByteBuffer {
        var length = compressBound(uLong(bytes.count))
        var output = [UInt8](repeating: 0, count: Int(length))
        let status = output.withUnsafeMutableBufferPointer { target in
            bytes.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), 6)
            }
        }
        guard status == Z_OK else { throw PixelDataError(.encodingFailed, "zlib status \(status)") }
        return ByteBuffer(bytes: output.prefix(Int(length)))
    }
}
