import CImagingCodecs
import NIOCore

/// Calls into the C shims (CImagingCodecs): one code stream in, samples into a Swift array or encoder output out.
enum CCodecCall {
    /// Runs a C decoder over `codeStream` into a zeroed buffer of `capacity` bytes.
    static func decode(
        _ codeStream: ByteBuffer, capacity: Int, codec: String,
        _ body: (UnsafePointer<UInt8>, Int, UnsafeMutablePointer<UInt8>, Int, inout nuage_image_info,
            UnsafeMutablePointer<CChar>) -> Int32
    ) throws(PixelDataError) -> (bytes: [UInt8], info: nuage_image_info) {
        var output = [UInt8](repeating: 0, count: capacity)
        var info = nuage_image_info()
        var message = [CChar](repeating: 0, count: Int(NUAGE_MESSAGE_CAPACITY))
        let status = codeStream.withUnsafeReadableBytes { source -> Int32 in
            guard let base = source.baseAddress?.assumingMemoryBound(to: UInt8.self), source.count > 0 else {
                return Int32(NUAGE_CORRUPT)
            }
            return output.withUnsafeMutableBufferPointer { target in
                message.withUnsafeMutableBufferPointer { text in
                    guard let destination = target.baseAddress, let messageBase = text.baseAddress else {
                        return Int32(NUAGE_OUT_OF_MEMORY)
                    }
                    return body(base, source.count, destination, target.count, &info, messageBase)
                }
            }
        }
        try check(status, message: message, codec: codec, code: .corruptCodeStream)
        return (output, info)
    }

    /// Runs a C encoder over a frame's bytes; copies and frees its malloc'ed output.
    static func encode(
        _ bytes: [UInt8], codec: String,
        _ body: (UnsafePointer<UInt8>, UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>, UnsafeMutablePointer<Int>,
            UnsafeMutablePointer<CChar>) -> Int32
    ) throws(PixelDataError) -> ByteBuffer {
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        var message = [CChar](repeating: 0, count: Int(NUAGE_MESSAGE_CAPACITY))
        let status = bytes.withUnsafeBufferPointer { source -> Int32 in
            message.withUnsafeMutableBufferPointer { text in
                guard let base = source.baseAddress, let messageBase = text.baseAddress else {
                    return Int32(NUAGE_CORRUPT)
                }
                return body(base, &output, &length, messageBase)
            }
        }
        defer { nuage_free(output) }
        try check(status, message: message, codec: codec, code: .encodingFailed)
        guard let output else { throw PixelDataError(.encodingFailed, "\(codec) produced no output") }
        return ByteBuffer(bytes: UnsafeBufferPointer(start: output, count: length))
    }

    private static func check(_ status: Int32, message: [CChar], codec: String, code: PixelDataError.Code)
        throws(PixelDataError)
    {
        switch status {
        case Int32(NUAGE_OK): return
        case Int32(NUAGE_TOO_SMALL):
            throw PixelDataError(.mismatchedCodeStream, "\(codec) image is larger than the attributes describe")
        case Int32(NUAGE_OUT_OF_MEMORY): throw PixelDataError(code, "\(codec): out of memory")
        default:
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PixelDataError(code, text.isEmpty ? "\(codec) failed" : text)
        }
    }

    /// Checks the decoded image's size and sample count against the attributes.
    static func checkShape(_ info: nuage_image_info, _ description: PixelDescription, codec: String)
        throws(PixelDataError)
    {
        guard Int(info.width) == description.columns, Int(info.height) == description.rows,
            Int(info.components) == description.samplesPerPixel
        else {
            throw PixelDataError(
                .mismatchedCodeStream,
                "\(codec) image is \(info.width)×\(info.height)×\(info.components), the attributes say "
                    + "\(description.columns)×\(description.rows)×\(description.samplesPerPixel)")
        }
    }
}
