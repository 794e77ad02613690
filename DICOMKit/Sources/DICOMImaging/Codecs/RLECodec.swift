public import DICOMCore
public import NIOCore

/// RLE Lossless (1.2.840.10008.1.2.5), decode and encode: PS3.5 Annex G.
///
/// A frame is a 64-byte header (segment count, then 15 segment offsets) and one PackBits segment per byte plane:
/// for each sample, the most significant byte first. Segments that overrun, a header that disagrees with the
/// attributes and segments that decode short are `corruptCodeStream`.
public struct RLECodec: FrameDecoder, FrameEncoder {
    public init() {}

    public var transferSyntax: TransferSyntax { .rleLossless }
    public var isLossless: Bool { true }

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        let bytesPerSample = description.bytesPerSample
        let planes = description.samplesPerPixel * bytesPerSample
        guard description.bitsAllocated % 8 == 0 else {
            throw PixelDataError(.unsupportedLayout, "RLE of \(description.bitsAllocated)-bit samples")
        }
        guard planes <= 15 else {
            throw PixelDataError(.unsupportedLayout, "RLE holds at most 15 segments, this image needs \(planes)")
        }
        let source = Array(codeStream.readableBytesView)
        guard source.count >= 64 else { throw corrupt("the 64-byte RLE header is truncated") }
        func header(_ index: Int) -> Int {
            let start = index * 4
            return Int(source[start]) | Int(source[start + 1]) << 8 | Int(source[start + 2]) << 16
                | Int(source[start + 3]) << 24
        }
        let segmentCount = header(0)
        guard segmentCount == planes else {
            throw PixelDataError(
                .mismatchedCodeStream, "RLE header lists \(segmentCount) segments, the attributes need \(planes)")
        }
        let pixels = description.pixelCount
        let samples = description.samplesPerPixel
        var output = [UInt8](repeating: 0, count: description.frameLength)
        for segment in 0..<planes {
            let start = header(1 + segment)
            let end = segment + 1 < planes ? header(2 + segment) : source.count
            guard start >= 64, start <= end, end <= source.count else {
                throw corrupt("segment \(segment) spans bytes \(start)..<\(end) of \(source.count)")
            }
            let sample = segment / bytesPerSample
            let byteInSample = bytesPerSample - 1 - segment % bytesPerSample
            let decoded = try Self.unpackBits(
                source[start..<end], count: pixels)
            guard decoded.count == pixels else {
                throw corrupt("segment \(segment) decodes to \(decoded.count) bytes, the frame needs \(pixels)")
            }
            output.withUnsafeMutableBufferPointer { target in
                var position = sample * bytesPerSample + byteInSample
                let step = samples * bytesPerSample
                for value in decoded {
                    target[position] = value
                    position += step
                }
            }
        }
        return PixelBuffer(pixelDescription: description.decodedFrame, bytes: output)
    }

    public func encode(_ frame: PixelBuffer) throws(PixelDataError) -> ByteBuffer {
        let description = frame.pixelDescription
        let bytesPerSample = description.bytesPerSample
        let samples = description.samplesPerPixel
        let planes = samples * bytesPerSample
        guard description.bitsAllocated % 8 == 0, planes <= 15 else {
            throw PixelDataError(.encodingFailed, "RLE cannot hold \(samples) samples of \(description.bitsAllocated) bits")
        }
        guard frame.bytes.count >= description.frameLength else {
            throw PixelDataError(.encodingFailed, "frame holds \(frame.bytes.count) bytes, needs \(description.frameLength)")
        }
        var segments: [[UInt8]] = []
        var plane = [UInt8](repeating: 0, count: description.columns)
        for segment in 0..<planes {
            let offset = (segment / bytesPerSample) * bytesPerSample + (bytesPerSample - 1 - segment % bytesPerSample)
            var encoded: [UInt8] = []
            encoded.reserveCapacity(description.pixelCount / 2)
            for row in 0..<description.rows {
                for column in 0..<description.columns {
                    plane[column] = frame.bytes[((row * description.columns + column) * samples) * bytesPerSample + offset]
                }
                Self.packBits(plane, into: &encoded)
            }
            if encoded.count % 2 == 1 { encoded.append(0x80) }  // a no-op run keeps the next segment even
            segments.append(encoded)
        }
        var output = ByteBuffer()
        output.reserveCapacity(64 + segments.reduce(0) { $0 + $1.count })
        output.writeInteger(UInt32(planes), endianness: .little)
        var offset = 64
        for index in 0..<15 {
            output.writeInteger(UInt32(index < planes ? offset : 0), endianness: .little)
            if index < planes { offset += segments[index].count }
        }
        for segment in segments { output.writeBytes(segment) }
        return output
    }

    /// PackBits decoding (PS3.5 §G.3.2), stopping once `count` bytes are out (trailing padding is ignored).
    static func unpackBits(_ input: ArraySlice<UInt8>, count: Int) throws(PixelDataError) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var index = input.startIndex
        while index < input.endIndex && output.count < count {
            let header = Int(Int8(bitPattern: input[index]))
            index += 1
            if header >= 0 {
                let length = header + 1
                guard input.endIndex - index >= length else {
                    throw PixelDataError(.corruptCodeStream, "a literal run of \(length) passes the end of its segment")
                }
                output.append(contentsOf: input[index..<(index + length)])
                index += length
            } else if header != -128 {
                guard index < input.endIndex else {
                    throw PixelDataError(.corruptCodeStream, "a replicate run passes the end of its segment")
                }
                let value = input[index]
                index += 1
                for _ in 0..<(1 - header) { output.append(value) }
            }
        }
        if output.count > count { output.removeLast(output.count - count) }
        return output
    }

    /// PackBits encoding of one row (PS3.5 §G.3.1): runs of 2…128 equal bytes replicated, others literal.
    static func packBits(_ row: [UInt8], into output: inout [UInt8]) {
        var index = 0
        var literalStart = 0
        func flushLiterals(upTo end: Int) {
            var start = literalStart
            while start < end {
                let length = min(128, end - start)
                output.append(UInt8(length - 1))
                output.append(contentsOf: row[start..<(start + length)])
                start += length
            }
        }
        while index < row.count {
            var run = 1
            while index + run < row.count && run < 128 && row[index + run] == row[index] { run += 1 }
            if run >= 2 {
                flushLiterals(upTo: index)
                output.append(UInt8(bitPattern: Int8(1 - run)))
                output.append(row[index])
                index += run
                literalStart = index
            } else {
                index += 1
            }
        }
        flushLiterals(upTo: row.count)
    }

    private func corrupt(_ reason: String) -> PixelDataError { PixelDataError(.corruptCodeStream, reason) }
}
