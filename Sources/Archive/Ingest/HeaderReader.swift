import DICOM
import DICOMCore
import NIOCore

/// Reads the header of a Part 10 object (everything before Pixel Data) from its bytes as they stream past, holding
/// only what the header needs.
///
/// Feeds `Part10Parser` with `stopsBeforePixelData`, so a 2 GB multi-frame costs the few kilobytes of its header.
/// Values before Pixel Data at least `bulkDataThreshold` long (overlays, private blobs, encapsulated documents)
/// are skipped as they stream past rather than buffered, and left out of the header; whatever remains must fit in
/// `maximumBufferedBytes` (a header that does not is rejected, rather than buffered without bound). A deflated
/// data set is inflated whole by the parser, so it too must fit in that limit.
///
/// When the parser stops at a native Pixel Data element of defined length, the reader records how long the object
/// must be; `finish(totalLength:)` rejects an object that ends before its pixel data does.
struct HeaderReader {
    /// The parser's input buffer is never allowed to grow past this.
    let maximumBufferedBytes: Int
    private var parser: Part10Parser
    private var buffer: ByteBuffer
    /// Input bytes still to drop (a skipped value's rest) before feeding the parser again.
    private var pendingSkip: Int
    /// Offset in the object of the first readable byte of `buffer`.
    private var bufferOffset: Int
    /// The header, once the parser has finished.
    private(set) var file: DICOMFile?
    /// The most bytes the parser held at once: what the header cost in memory.
    private(set) var peakBufferedBytes: Int
    /// The length the object must reach for its Pixel Data value to be complete, when known.
    private(set) var minimumObjectLength: Int?

    /// A label for the bulk data references the parser makes for skipped values; they are dropped from the header.
    private static let skippedValueLabel = "<ingest>"

    init(maximumBufferedBytes: Int, bulkDataThreshold: UInt32) {
        self.maximumBufferedBytes = maximumBufferedBytes
        let options = DICOMReadOptions(stopsBeforePixelData: true, bulkDataThreshold: bulkDataThreshold)
        self.parser = Part10Parser(options: options, filePath: Self.skippedValueLabel)
        self.buffer = ByteBuffer()
        self.pendingSkip = 0
        self.bufferOffset = 0
        self.file = nil
        self.peakBufferedBytes = 0
        self.minimumObjectLength = nil
    }

    /// Whether the header is read: later bytes are pixel data (or nothing) and need not be fed.
    var isComplete: Bool { file != nil }

    /// Feeds the next bytes of the object. Throws when they are not DICOM or the header is too large.
    mutating func consume(_ chunk: ByteBuffer) throws(IngestError) {
        guard file == nil else { return }
        var chunk = chunk
        if pendingSkip > 0 {
            let skipped = min(pendingSkip, chunk.readableBytes)
            chunk.moveReaderIndex(forwardBy: skipped)
            pendingSkip -= skipped
            bufferOffset += skipped
        }
        guard chunk.readableBytes > 0 else { return }
        if buffer.readableBytes == 0 {
            buffer = chunk
        } else {
            buffer.writeBuffer(&chunk)
        }
        peakBufferedBytes = max(peakBufferedBytes, buffer.readableBytes)
        guard buffer.readableBytes <= maximumBufferedBytes else {
            throw .headerTooLarge(limit: maximumBufferedBytes)
        }
        try parse(isEndOfInput: false)
    }

    /// Ends the input: returns the header, or throws when the object is truncated or malformed.
    /// `totalLength` is the object's length in bytes.
    mutating func finish(totalLength: Int) throws(IngestError) -> DICOMFile {
        if file == nil {
            guard pendingSkip == 0 else {
                throw .malformed(DICOMParseError(.truncated, "the object ends inside a value", offset: totalLength))
            }
            try parse(isEndOfInput: true)
        }
        guard let file else {
            throw .malformed(DICOMParseError(.truncated, "the object ends before its data set", offset: totalLength))
        }
        if let minimumObjectLength, totalLength < minimumObjectLength {
            throw .truncated(expected: Int64(minimumObjectLength), received: Int64(totalLength))
        }
        return file
    }

    private mutating func parse(isEndOfInput: Bool) throws(IngestError) {
        let needsMoreInput = try step(isEndOfInput: isEndOfInput)
        // Done here, once the copy that `step` keeps of the buffer is gone, so that no copy-on-write happens.
        if needsMoreInput && !isEndOfInput && buffer.readerIndex >= 64 * 1024 { buffer.discardReadBytes() }
    }

    /// One call of the parser; true when it needs more input.
    private mutating func step(isEndOfInput: Bool) throws(IngestError) -> Bool {
        let before = buffer
        let step: Part10Parser.Step
        do {
            step = try parser.parse(&buffer, isEndOfInput: isEndOfInput)
        } catch {
            if error.code == .notDICOM { throw .notDICOM(error) }
            throw .malformed(error)
        }
        let consumed = before.readableBytes - buffer.readableBytes
        bufferOffset += consumed
        switch step {
        case .needsMoreInput:
            return true
        case .skipInput(let count):
            // The parser has consumed the whole buffer; the value's rest follows it.
            pendingSkip = count
            buffer = ByteBuffer()
            if isEndOfInput {
                throw .malformed(DICOMParseError(.truncated, "the object ends inside a value", offset: bufferOffset))
            }
            return true
        case .finished(let file):
            if file.stoppedBeforePixelData {
                minimumObjectLength = Self.pixelDataEnd(
                    header: before, headerEnd: before.readerIndex + consumed, headerEndOffset: bufferOffset,
                    byteOrder: file.transferSyntax.byteOrder)
            }
            self.file = file
            buffer = ByteBuffer()
            return false
        }
    }

    /// Where the Pixel Data value ends in the object, from the element header the parser stopped after (the last
    /// bytes it consumed): nil for an undefined length (encapsulated pixel data, whose end is its delimiter).
    /// PS3.5 §7.1.2: the length is the header's last four bytes, after the tag (and the VR in explicit VR).
    private static func pixelDataEnd(
        header: ByteBuffer, headerEnd: Int, headerEndOffset: Int, byteOrder: TransferSyntax.ByteOrder
    ) -> Int? {
        let endianness: Endianness = byteOrder == .bigEndian ? .big : .little
        let pixelData = StructuralTag.pixelData
        for headerLength in [12, 8] where headerEnd - headerLength >= header.readerIndex {
            let start = headerEnd - headerLength
            guard let group = header.getInteger(at: start, endianness: endianness, as: UInt16.self),
                let element = header.getInteger(at: start + 2, endianness: endianness, as: UInt16.self),
                group == pixelData.group, element == pixelData.element,
                let length = header.getInteger(at: headerEnd - 4, endianness: endianness, as: UInt32.self)
            else { continue }
            return length == ElementHeader.undefinedLength ? nil : headerEndOffset + Int(length)
        }
        return nil
    }
}

extension DataSet {
    /// The data set without values held outside memory (`.bulkData`), at any depth: what the index keeps.
    func removingBulkData() -> DataSet {
        var result = self
        result.removeAll { element in
            if case .bulkData = element.value { return true }
            return false
        }
        for element in result.elements {
            guard let items = element.items else { continue }
            guard items.contains(where: { $0.containsBulkData }) else { continue }
            var stripped = element
            stripped.value = .sequence(items.map { $0.removingBulkData() })
            result[element.tag] = stripped
        }
        return result
    }

    private var containsBulkData: Bool {
        elements.contains { element in
            switch element.value {
            case .bulkData: true
            case .sequence(let items): items.contains { $0.containsBulkData }
            case .bytes, .fragments: false
            }
        }
    }
}
