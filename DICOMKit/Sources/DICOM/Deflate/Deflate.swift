import CZlib
public import DICOMCore
public import NIOCore

/// Raw deflate (RFC 1951, no zlib or gzip wrapper), as the Deflated Explicit VR Little Endian transfer syntax
/// uses for everything after the file meta group (PS3.5 §A.5).
public enum Deflate {
    /// Inflates a raw deflate stream. Throws `deflate` for a corrupt stream and `limitExceeded` when the output
    /// would pass `maximumLength` (a small input can expand a thousandfold).
    public static func inflate(_ input: ByteBuffer, maximumLength: Int) throws(DICOMParseError) -> ByteBuffer {
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DICOMParseError(.deflate, "zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }

        var output = ByteBuffer()
        output.reserveCapacity(min(maximumLength, max(4096, input.readableBytes * 4)))
        var status: Int32 = Z_OK
        var failure: DICOMParseError?
        input.withUnsafeReadableBytes { source in
            let base = source.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            stream.next_in = base
            stream.avail_in = uInt(source.count)
            while status == Z_OK {
                if output.writableBytes < 16384 {
                    output.reserveCapacity(minimumWritableBytes: max(16384, output.readableBytes))
                }
                let written = output.writeWithUnsafeMutableBytes(minimumWritableBytes: 16384) { target in
                    stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_out = uInt(target.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return target.count - Int(stream.avail_out)
                }
                if output.readableBytes > maximumLength {
                    failure = DICOMParseError(
                        .limitExceeded, "deflated data set inflates past the limit of \(maximumLength) bytes")
                    return
                }
                if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                if written == 0 && status == Z_OK && stream.avail_in == 0 { break }
            }
        }
        if let failure { throw failure }
        switch status {
        case Z_STREAM_END, Z_OK, Z_BUF_ERROR:
            // Z_OK or Z_BUF_ERROR with all input used: the stream lacks its final block. DCMTK and pydicom accept
            // what inflated; so do we, and a truncated data set then fails in the tokenizer with its offset.
            return output
        default:
            throw DICOMParseError(.deflate, "corrupt deflate stream (zlib status \(status))")
        }
    }

    /// Compresses bytes as a raw deflate stream at the given level (0–9).
    public static func deflate(_ input: ByteBuffer, level: Int32 = 6) throws(DICOMParseError) -> ByteBuffer {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw DICOMParseError(.deflate, "zlib could not start deflating")
        }
        defer { deflateEnd(&stream) }
        var output = ByteBuffer()
        let bound = Int(deflateBound(&stream, uLong(input.readableBytes))) + 16
        var status: Int32 = Z_OK
        input.withUnsafeReadableBytes { source in
            let base = source.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            stream.next_in = base
            stream.avail_in = uInt(source.count)
            _ = output.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { target in
                stream.next_out = target.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_out = uInt(target.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                return target.count - Int(stream.avail_out)
            }
        }
        guard status == Z_STREAM_END else {
            throw DICOMParseError(.deflate, "zlib could not finish deflating (status \(status))")
        }
        return output
    }
}
