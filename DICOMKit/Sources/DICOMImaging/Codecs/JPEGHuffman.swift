/// A JPEG Huffman table (ITU T.81 §C, §F.2.2.3): canonical codes from the DHT marker's 16 code-length counts.
///
/// Used by the Swift JPEG decoders (lossless Process 14, 12-bit Extended).
struct JPEGHuffmanTable: Sendable {
    /// For each code length 1…16: the largest code of that length (-1 when none), the index of its first symbol, the
    /// first code.
    private var maximumCode = [Int](repeating: -1, count: 18)
    private var valueOffset = [Int](repeating: 0, count: 17)
    private var symbols: [UInt8]

    /// Builds a table from the 16 counts and the symbols; throws `corruptCodeStream` when the counts oversubscribe
    /// the code space.
    init(counts: [UInt8], symbols: [UInt8]) throws(PixelDataError) {
        self.symbols = symbols
        var code = 0
        var index = 0
        for length in 1...16 {
            let count = Int(counts[length - 1])
            valueOffset[length] = index - code
            if count > 0 {
                code += count
                maximumCode[length] = code - 1
                index += count
            }
            guard code <= 1 << length else {
                throw PixelDataError(.corruptCodeStream, "Huffman table oversubscribes \(length)-bit codes")
            }
            code <<= 1
        }
        maximumCode[17] = Int.max
    }

    /// Decodes one symbol (T.81 §F.2.2.3); throws `corruptCodeStream` for a code that is not in the table.
    func decode(_ reader: inout JPEGBitReader) throws(PixelDataError) -> UInt8 {
        var code = 0
        for length in 1...16 {
            code = code << 1 | reader.bit()
            if code <= maximumCode[length] {
                let index = code + valueOffset[length]
                guard index >= 0, index < symbols.count else { break }
                return symbols[index]
            }
        }
        throw PixelDataError(.corruptCodeStream, "invalid Huffman code")
    }
}

/// Reads the entropy-coded segment bit by bit (T.81 §F.2.2.5): 0xFF 0x00 is a data 0xFF; any other marker ends
/// the data, after which the reader yields zero bits (a truncated scan decodes to garbage that the caller catches
/// by counting the markers it expected, never past the buffer).
struct JPEGBitReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    private var buffer: UInt32 = 0
    private var count = 0
    /// Whether the reader hit a marker or the end of input.
    private(set) var reachedMarker = false

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
    }

    @inline(__always)
    mutating func bit() -> Int {
        if count == 0 { refill() }
        count -= 1
        return Int(buffer >> UInt32(count) & 1)
    }

    /// `length` bits as an unsigned number, most significant first.
    mutating func bits(_ length: Int) -> Int {
        var value = 0
        for _ in 0..<length { value = value << 1 | bit() }
        return value
    }

    /// A difference of `size` bits, extended to its sign (T.81 §F.2.2.1, EXTEND).
    mutating func receiveExtended(_ size: Int) -> Int {
        guard size > 0 else { return 0 }
        let value = bits(size)
        return value < 1 << (size - 1) ? value - (1 << size) + 1 : value
    }

    private mutating func refill() {
        buffer = 0
        count = 8
        guard !reachedMarker, position < bytes.count else {
            reachedMarker = true
            return
        }
        let byte = bytes[position]
        if byte == 0xFF {
            let next = position + 1 < bytes.count ? bytes[position + 1] : 0xD9
            if next == 0x00 {
                position += 2
                buffer = 0xFF
                return
            }
            reachedMarker = true
            return
        }
        position += 1
        buffer = UInt32(byte)
    }

    /// Skips to the restart marker after the current interval (T.81 §F.2.2.5 and §E.2.4): discards the bits left
    /// in the byte, then expects RSTn. Returns false when the next marker is not a restart marker.
    mutating func restart() -> Bool {
        count = 0
        buffer = 0
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
