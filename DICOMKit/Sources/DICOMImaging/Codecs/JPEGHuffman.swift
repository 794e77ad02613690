/// A JPEG Huffman table (ITU T.81 §C, §F.2.2.3): canonical codes from the DHT marker's 16 code-length counts.
///
/// Used by the Swift JPEG decoders (lossless Process 14, 12-bit Extended). Codes of up to 8 bits are found with one
/// table lookup; longer ones by the standard's code-length walk.
struct JPEGHuffmanTable: Sendable {
    /// For each code length 1…16: the largest code of that length (-1 when none) and the symbol index offset.
    private var maximumCode = [Int](repeating: -1, count: 18)
    private var valueOffset = [Int](repeating: 0, count: 17)
    private var symbols: [UInt8]
    /// By the next 8 bits: code length << 8 | symbol, or 0 when the code is longer than 8 bits.
    private var fastLookup = [UInt16](repeating: 0, count: 256)

    /// Builds a table from the 16 counts and the symbols; throws `corruptCodeStream` when the counts oversubscribe
    /// the code space.
    init(counts: [UInt8], symbols: [UInt8]) throws(PixelDataError) {
        self.symbols = symbols
        var code = 0
        var index = 0
        for length in 1...16 {
            let count = Int(counts[length - 1])
            valueOffset[length] = index - code
            guard code + count <= 1 << length else {
                throw PixelDataError(.corruptCodeStream, "Huffman table oversubscribes \(length)-bit codes")
            }
            for _ in 0..<count {
                if length <= 8, index < symbols.count {
                    let first = code << (8 - length)
                    for entry in first..<(first + (1 << (8 - length))) {
                        fastLookup[entry] = UInt16(length) << 8 | UInt16(symbols[index])
                    }
                }
                code += 1
                index += 1
            }
            if count > 0 { maximumCode[length] = code - 1 }
            code <<= 1
        }
        maximumCode[17] = Int.max
    }

    /// Decodes one symbol (T.81 §F.2.2.3); throws `corruptCodeStream` for a code that is not in the table.
    @inline(__always)
    func decode(_ reader: inout JPEGBitReader) throws(PixelDataError) -> UInt8 {
        let entry = fastLookup[reader.peek(8)]
        if entry != 0 {
            reader.consume(Int(entry >> 8))
            return UInt8(truncatingIfNeeded: entry)
        }
        for length in 9...16 {
            let code = reader.peek(length)
            if code <= maximumCode[length] {
                let index = code + valueOffset[length]
                guard index >= 0, index < symbols.count else { break }
                reader.consume(length)
                return symbols[index]
            }
        }
        throw PixelDataError(.corruptCodeStream, "invalid Huffman code")
    }
}

/// Reads the entropy-coded segment (T.81 §F.2.2.5) through a 64-bit accumulator: 0xFF 0x00 is a data 0xFF; any
/// other marker ends the data, after which the reader yields zero bits (a truncated scan decodes to garbage that the
/// caller catches by counting rows and restart markers, never reading past the buffer).
struct JPEGBitReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    /// The `available` most recent bits are the next ones to read, most significant first.
    private var accumulator: UInt64 = 0
    private var available = 0
    /// Whether the reader hit a marker or the end of input.
    private(set) var reachedMarker = false

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    /// The next `count` (1…16) bits, not consumed.
    @inline(__always)
    mutating func peek(_ count: Int) -> Int {
        while available < count { append() }
        return Int(truncatingIfNeeded: accumulator >> UInt64(available - count)) & ((1 << count) - 1)
    }

    @inline(__always)
    mutating func consume(_ count: Int) { available -= count }

    /// `length` (0…16) bits as an unsigned number, most significant first.
    @inline(__always)
    mutating func bits(_ length: Int) -> Int {
        guard length > 0 else { return 0 }
        let value = peek(length)
        consume(length)
        return value
    }

    /// A difference of `size` bits, extended to its sign (T.81 §F.2.2.1, EXTEND).
    @inline(__always)
    mutating func receiveExtended(_ size: Int) -> Int {
        guard size > 0 else { return 0 }
        let value = bits(size)
        return value < 1 << (size - 1) ? value - (1 << size) + 1 : value
    }

    private mutating func append() {
        accumulator <<= 8
        available += 8
        guard !reachedMarker, position < bytes.count else {
            reachedMarker = true
            return
        }
        let byte = bytes[position]
        if byte == 0xFF {
            let next = position + 1 < bytes.count ? bytes[position + 1] : 0xD9
            guard next == 0x00 else {
                reachedMarker = true
                return
            }
            position += 2
        } else {
            position += 1
        }
        accumulator |= UInt64(byte)
    }

    /// Skips to the restart marker after the current interval (T.81 §F.2.2.5 and §E.2.4): discards the bits left
    /// in the byte, then expects RSTn. Returns false when the next marker is not a restart marker.
    mutating func restart() -> Bool {
        accumulator = 0
        available = 0
        while position + 1 < bytes.count && bytes[position] == 0xFF && bytes[position + 1] == 0xFF { position += 1 }
        guard position + 1 < bytes.count, bytes[position] == 0xFF, (0xD0...0xD7).contains(bytes[position + 1]) else {
            return false
        }
        position += 2
        reachedMarker = false
        return true
    }

    /// The position of the marker that ended the data (for the next marker segment).
    var markerPosition: Int {
        var index = position
        while index + 1 < bytes.count && !(bytes[index] == 0xFF && bytes[index + 1] != 0x00 && bytes[index + 1] != 0xFF) {
            index += 1
        }
        return index
    }
}
