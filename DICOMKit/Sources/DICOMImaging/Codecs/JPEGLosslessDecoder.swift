public import DICOMCore
public import NIOCore

/// JPEG Lossless (Process 14, every predictor, and its first-order SV1 form) and 12-bit Extended sequential DCT
/// (Process 4) decoding in Swift: ITU T.81 Annexes F and H, PS3.5 §8.2.1.
///
/// Debian's libjpeg-turbo is built for 8-bit DCT only, so these two processes are decoded here, sharing one
/// Huffman decoder (`JPEGHuffmanTable`). Every marker length is checked against the stream; a truncated or corrupt
/// stream, a missing table or a scan that ends early is `corruptCodeStream`; subsampled or progressive streams are
/// `unsupportedLayout`.
public struct JPEGLosslessDecoder: FrameDecoder {
    public init() {}

    public func decode(_ codeStream: ByteBuffer, as description: PixelDescription) throws(PixelDataError)
        -> PixelBuffer
    {
        var decoder = try JPEGStreamDecoder(bytes: Array(codeStream.readableBytesView))
        let planes = try decoder.decode()
        let frame = try decoder.requireFrame()
        guard frame.width == description.columns, frame.height == description.rows,
            frame.components.count == description.samplesPerPixel
        else {
            throw PixelDataError(
                .mismatchedCodeStream,
                "JPEG image is \(frame.width)×\(frame.height)×\(frame.components.count), the attributes say "
                    + "\(description.columns)×\(description.rows)×\(description.samplesPerPixel)")
        }
        let width = description.bytesPerSample
        guard width <= 2 else {
            throw PixelDataError(.mismatchedCodeStream, "JPEG samples in \(description.bitsAllocated)-bit pixels")
        }
        let samples = description.samplesPerPixel
        var bytes = [UInt8](repeating: 0, count: description.frameLength)
        for (component, plane) in planes.enumerated() {
            var target = component * width
            for value in plane {
                bytes[target] = UInt8(truncatingIfNeeded: value)
                if width == 2 { bytes[target + 1] = UInt8(truncatingIfNeeded: value >> 8) }
                target += samples * width
            }
        }
        SampleLayout.signExtend(&bytes, description: description)
        var layout = description.decodedFrame
        if samples == 3 && decoder.isDCT && description.photometricInterpretation != .rgb {
            // A colour DCT stream is YCbCr unless DICOM says RGB: the samples are as decoded, labelled YBR_FULL.
            layout.photometricInterpretation = .ybrFull
        }
        return PixelBuffer(pixelDescription: layout, bytes: bytes)
    }
}

/// The frame header (SOF): precision, size and components (T.81 §B.2.2).
struct JPEGFrameHeader {
    struct Component {
        var identifier: UInt8
        var horizontal: Int
        var vertical: Int
        var quantizationTable: Int
    }

    var process: UInt8
    var precision: Int
    var height: Int
    var width: Int
    var components: [Component]
}

/// Walks the markers of one JPEG stream and decodes its scans into one plane of samples per component.
struct JPEGStreamDecoder {
    private let bytes: [UInt8]
    private var position = 2
    private var frame: JPEGFrameHeader?
    private var dcTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    private var acTables = [JPEGHuffmanTable?](repeating: nil, count: 4)
    private var quantization = [[Int]?](repeating: nil, count: 4)
    private var restartInterval = 0
    private var planes: [[Int32]] = []

    init(bytes: [UInt8]) throws(PixelDataError) {
        guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            throw PixelDataError(.corruptCodeStream, "JPEG stream does not start with SOI")
        }
        self.bytes = bytes
    }

    /// Whether the frame is a DCT process (Extended) rather than lossless.
    var isDCT: Bool { frame.map { $0.process != 0xC3 } ?? false }

    func requireFrame() throws(PixelDataError) -> JPEGFrameHeader {
        guard let frame else { throw PixelDataError(.corruptCodeStream, "JPEG stream has no frame header") }
        return frame
    }

    /// Decodes every scan up to EOI; returns the planes, one per frame component.
    mutating func decode() throws(PixelDataError) -> [[Int32]] {
        var scans = 0
        while true {
            while position < bytes.count && bytes[position] == 0xFF && position + 1 < bytes.count
                && bytes[position + 1] == 0xFF
            {
                position += 1
            }
            guard position + 1 < bytes.count, bytes[position] == 0xFF else {
                if scans > 0 { break }  // a missing EOI after complete scans is tolerated, as libjpeg does
                throw PixelDataError(.corruptCodeStream, "JPEG stream ends before its scan")
            }
            let marker = bytes[position + 1]
            position += 2
            if marker == 0xD9 { break }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { continue }
            let segment = try segmentBody()
            switch marker {
            case 0xC3, 0xC1:
                try readFrame(segment, process: marker)
            case 0xC0:
                throw PixelDataError(.unsupportedLayout, "8-bit baseline JPEG belongs to libjpeg-turbo")
            case 0xC2, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                throw PixelDataError(
                    .unsupportedLayout, "JPEG process SOF\(marker - 0xC0) (progressive, hierarchical or arithmetic)")
            case 0xC4: try readHuffmanTables(segment)
            case 0xDB: try readQuantizationTables(segment)
            case 0xDD:
                guard segment.count >= 2 else { throw corrupt("DRI segment too short") }
                restartInterval = Int(bytes[segment.lowerBound]) << 8 | Int(bytes[segment.lowerBound + 1])
            case 0xDA:
                try decodeScan(segment)
                scans += 1
            default: break  // APPn, COM and others carry nothing the decoder needs
            }
        }
        guard scans > 0, frame != nil else { throw corrupt("JPEG stream has no scan") }
        return planes
    }

    /// The body of the marker segment at `position` (after its length), advancing past it.
    private mutating func segmentBody() throws(PixelDataError) -> Range<Int> {
        guard position + 2 <= bytes.count else { throw corrupt("marker segment length is truncated") }
        let length = Int(bytes[position]) << 8 | Int(bytes[position + 1])
        guard length >= 2, position + length <= bytes.count else {
            throw corrupt("marker segment of \(length) bytes runs past the stream")
        }
        let body = (position + 2)..<(position + length)
        position += length
        return body
    }

    private mutating func readFrame(_ segment: Range<Int>, process: UInt8) throws(PixelDataError) {
        guard segment.count >= 6 else { throw corrupt("SOF segment too short") }
        let start = segment.lowerBound
        let count = Int(bytes[start + 5])
        guard count >= 1, count <= 4, segment.count >= 6 + 3 * count else { throw corrupt("SOF component list") }
        var components: [JPEGFrameHeader.Component] = []
        for index in 0..<count {
            let base = start + 6 + 3 * index
            let sampling = bytes[base + 1]
            components.append(
                .init(
                    identifier: bytes[base], horizontal: Int(sampling >> 4), vertical: Int(sampling & 0x0F),
                    quantizationTable: Int(bytes[base + 2] & 0x03)))
        }
        let header = JPEGFrameHeader(
            process: process, precision: Int(bytes[start]), height: Int(bytes[start + 1]) << 8 | Int(bytes[start + 2]),
            width: Int(bytes[start + 3]) << 8 | Int(bytes[start + 4]), components: components)
        guard (2...16).contains(header.precision), header.width > 0, header.height > 0 else {
            throw corrupt("SOF precision \(header.precision), size \(header.width)×\(header.height)")
        }
        guard components.allSatisfy({ $0.horizontal == 1 && $0.vertical == 1 }) else {
            throw PixelDataError(.unsupportedLayout, "subsampled components in a 12-bit or lossless JPEG")
        }
        guard header.width * header.height <= PixelDescription.maximumFrameLength / 2 else {
            throw corrupt("JPEG frame of \(header.width)×\(header.height) is too large")
        }
        frame = header
        planes = [[Int32]](repeating: [Int32](repeating: 0, count: header.width * header.height), count: count)
    }

    private mutating func readHuffmanTables(_ segment: Range<Int>) throws(PixelDataError) {
        var index = segment.lowerBound
        while index < segment.upperBound {
            guard index + 17 <= segment.upperBound else { throw corrupt("DHT segment truncated") }
            let classAndIdentifier = bytes[index]
            let counts = Array(bytes[(index + 1)..<(index + 17)])
            let total = counts.reduce(0) { $0 + Int($1) }
            guard index + 17 + total <= segment.upperBound else { throw corrupt("DHT symbols truncated") }
            let table = try JPEGHuffmanTable(counts: counts, symbols: Array(bytes[(index + 17)..<(index + 17 + total)]))
            let identifier = Int(classAndIdentifier & 0x03)
            if classAndIdentifier >> 4 == 0 { dcTables[identifier] = table } else { acTables[identifier] = table }
            index += 17 + total
        }
    }

    private mutating func readQuantizationTables(_ segment: Range<Int>) throws(PixelDataError) {
        var index = segment.lowerBound
        while index < segment.upperBound {
            let precision = Int(bytes[index] >> 4)
            let identifier = Int(bytes[index] & 0x03)
            let size = precision == 0 ? 64 : 128
            guard index + 1 + size <= segment.upperBound else { throw corrupt("DQT segment truncated") }
            var table = [Int](repeating: 0, count: 64)
            for entry in 0..<64 {
                table[entry] =
                    precision == 0
                    ? Int(bytes[index + 1 + entry])
                    : Int(bytes[index + 1 + 2 * entry]) << 8 | Int(bytes[index + 2 + 2 * entry])
            }
            quantization[identifier] = table
            index += 1 + size
        }
    }

    /// The scan header (T.81 §B.2.3), then its entropy-coded data.
    private mutating func decodeScan(_ segment: Range<Int>) throws(PixelDataError) {
        let frame = try requireFrame()
        let start = segment.lowerBound
        guard segment.count >= 1 else { throw corrupt("SOS segment too short") }
        let count = Int(bytes[start])
        guard count >= 1, count <= frame.components.count, segment.count >= 1 + 2 * count + 3 else {
            throw corrupt("SOS component list")
        }
        var components: [(plane: Int, dc: JPEGHuffmanTable, ac: JPEGHuffmanTable?, quantization: [Int]?)] = []
        for index in 0..<count {
            let identifier = bytes[start + 1 + 2 * index]
            let selectors = bytes[start + 2 + 2 * index]
            guard let plane = frame.components.firstIndex(where: { $0.identifier == identifier }),
                let dc = dcTables[Int(selectors >> 4 & 0x03)]
            else { throw corrupt("scan names an unknown component or Huffman table") }
            components.append(
                (plane, dc, acTables[Int(selectors & 0x03)], quantization[frame.components[plane].quantizationTable]))
        }
        let selection = Int(bytes[start + 1 + 2 * count])
        let pointTransform = Int(bytes[start + 3 + 2 * count] & 0x0F)
        var reader = JPEGBitReader(bytes: bytes, position: segment.upperBound)
        if frame.process == 0xC3 {
            try decodeLosslessScan(frame, components.map(\.plane), components.map(\.dc), selection, pointTransform, &reader)
        } else {
            try decodeSequentialScan(frame, components, &reader)
        }
        position = reader.markerPosition
    }

    /// Lossless prediction and Huffman-coded differences (T.81 Annex H).
    private mutating func decodeLosslessScan(
        _ frame: JPEGFrameHeader, _ scanPlanes: [Int], _ tables: [JPEGHuffmanTable], _ predictor: Int,
        _ pointTransform: Int, _ reader: inout JPEGBitReader
    ) throws(PixelDataError) {
        guard (1...7).contains(predictor), pointTransform < frame.precision else {
            throw corrupt("lossless predictor \(predictor), point transform \(pointTransform)")
        }
        let width = frame.width
        let initial = Int32(1 << (frame.precision - pointTransform - 1))
        let mask = Int32((1 << (frame.precision - pointTransform)) - 1)
        var mcu = 0
        var restartRow = 0
        var restartColumn = 0
        for row in 0..<frame.height {
            for column in 0..<width {
                if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
                    guard reader.restart() else { throw corrupt("restart marker missing after MCU \(mcu)") }
                    restartRow = row
                    restartColumn = column
                }
                mcu += 1
                let here = row * width + column
                for (slot, plane) in scanPlanes.enumerated() {
                    let size = Int(try tables[slot].decode(&reader))
                    guard size <= 16 else { throw corrupt("difference category \(size)") }
                    let difference = size == 16 ? 32768 : reader.receiveExtended(size)
                    let prediction: Int32
                    if row == restartRow && column == restartColumn {
                        prediction = initial
                    } else if row == restartRow {
                        prediction = planes[plane][here - 1]
                    } else if column == 0 {
                        prediction = planes[plane][here - width]
                    } else {
                        let left = planes[plane][here - 1]
                        let above = planes[plane][here - width]
                        let diagonal = planes[plane][here - width - 1]
                        switch predictor {
                        case 1: prediction = left
                        case 2: prediction = above
                        case 3: prediction = diagonal
                        case 4: prediction = left + above - diagonal
                        case 5: prediction = left + ((above - diagonal) >> 1)
                        case 6: prediction = above + ((left - diagonal) >> 1)
                        default: prediction = (left + above) >> 1
                        }
                    }
                    planes[plane][here] = (prediction + Int32(difference)) & mask
                }
            }
            if reader.reachedMarker && row + 1 < frame.height {
                throw corrupt("scan data ends at row \(row + 1) of \(frame.height)")
            }
        }
        if pointTransform > 0 {
            for plane in scanPlanes { planes[plane] = planes[plane].map { $0 << Int32(pointTransform) } }
        }
    }

    /// Sequential DCT with Huffman coding, 8 to 12 bits (T.81 Annex F), components not subsampled.
    private mutating func decodeSequentialScan(
        _ frame: JPEGFrameHeader,
        _ components: [(plane: Int, dc: JPEGHuffmanTable, ac: JPEGHuffmanTable?, quantization: [Int]?)],
        _ reader: inout JPEGBitReader
    ) throws(PixelDataError) {
        let blockColumns = (frame.width + 7) / 8
        let blockRows = (frame.height + 7) / 8
        let maximum = Int32((1 << frame.precision) - 1)
        let levelShift = Float(1 << (frame.precision - 1))
        var predictions = [Int](repeating: 0, count: components.count)
        var coefficients = [Float](repeating: 0, count: 64)
        var samples = [Float](repeating: 0, count: 64)
        var mcu = 0
        for blockRow in 0..<blockRows {
            for blockColumn in 0..<blockColumns {
                if restartInterval > 0 && mcu > 0 && mcu % restartInterval == 0 {
                    guard reader.restart() else { throw corrupt("restart marker missing after MCU \(mcu)") }
                    for index in predictions.indices { predictions[index] = 0 }
                }
                mcu += 1
                for (slot, component) in components.enumerated() {
                    guard let ac = component.ac, let table = component.quantization else {
                        throw corrupt("scan without its AC Huffman or quantization table")
                    }
                    for index in 0..<64 { coefficients[index] = 0 }
                    let size = Int(try component.dc.decode(&reader))
                    guard size <= 16 else { throw corrupt("DC difference category \(size)") }
                    predictions[slot] += reader.receiveExtended(size)
                    coefficients[0] = Float(predictions[slot] * table[0])
                    var index = 1
                    while index < 64 {
                        let symbol = Int(try ac.decode(&reader))
                        let run = symbol >> 4
                        let bits = symbol & 0x0F
                        if bits == 0 {
                            if run != 15 { break }
                            index += 16
                            continue
                        }
                        index += run
                        guard index < 64 else { throw corrupt("AC coefficients run past the block") }
                        coefficients[Self.zigzag[index]] = Float(reader.receiveExtended(bits) * table[index])
                        index += 1
                    }
                    Self.inverseDCT(coefficients, into: &samples)
                    for y in 0..<8 {
                        let row = blockRow * 8 + y
                        guard row < frame.height else { break }
                        for x in 0..<8 {
                            let column = blockColumn * 8 + x
                            guard column < frame.width else { break }
                            let value = Int32((samples[y * 8 + x] + levelShift).rounded())
                            planes[component.plane][row * frame.width + column] = min(max(value, 0), maximum)
                        }
                    }
                }
            }
            if reader.reachedMarker && blockRow + 1 < blockRows {
                throw corrupt("scan data ends at block row \(blockRow + 1) of \(blockRows)")
            }
        }
    }

    /// The natural (row-major) position of each zig-zag index (T.81 Figure A.6).
    private static let zigzag: [Int] = [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14,
        21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60,
        61, 54, 47, 55, 62, 63,
    ]

    /// C(u)·cos((2x+1)uπ/16) / 2, by [x * 8 + u].
    private static let cosines: [Float] = (0..<64).map { entry in
        let x = Float(entry / 8)
        let u = Float(entry % 8)
        let scale: Float = u == 0 ? (1 / 2).squareRoot() : 1
        return scale * cos((2 * x + 1) * u * .pi / 16) / 2
    }

    /// The 8×8 inverse DCT (T.81 §A.3.3), separably: columns, then rows.
    private static func inverseDCT(_ coefficients: [Float], into samples: inout [Float]) {
        var columns = [Float](repeating: 0, count: 64)
        for u in 0..<8 {
            for y in 0..<8 {
                var sum: Float = 0
                for v in 0..<8 { sum += cosines[y * 8 + v] * coefficients[v * 8 + u] }
                columns[y * 8 + u] = sum
            }
        }
        for y in 0..<8 {
            for x in 0..<8 {
                var sum: Float = 0
                for u in 0..<8 { sum += cosines[x * 8 + u] * columns[y * 8 + u] }
                samples[y * 8 + x] = sum
            }
        }
    }

    private func corrupt(_ reason: String) -> PixelDataError { PixelDataError(.corruptCodeStream, reason) }
}

#if canImport(Glibc)
    import Glibc
#endif
