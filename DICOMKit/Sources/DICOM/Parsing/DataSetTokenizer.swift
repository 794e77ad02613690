public import DICOMCore
import DICOMDictionary
public import NIOCore

/// Reads the encoding of a data set into tokens, with no I/O: bytes in, tokens out.
///
/// PS3.5 §7 (data elements), §7.5 (sequences and items), §A.4 (encapsulated pixel data), §6.2.2 (UN values of
/// undefined length are implicit VR little endian sequences). Feed it the input as it arrives; `next(_:)` returns
/// nil when it needs more bytes and consumes nothing it has not turned into a token (stray top-level delimiters
/// aside, which it skips), so the caller appends and calls again. At the end of input, `finish()` says whether the data set ended at an element boundary.
///
/// Every length read from the input is checked against its enclosing item or sequence before anything is
/// consumed; nesting depth is bounded; values are never allocated ahead of their bytes, and values at least as long
/// as `streamingThreshold` are handed out in chunks as they arrive, so memory stays bounded for any input.
public struct DataSetTokenizer: Sendable {
    /// Limits and streaming choices.
    public struct Configuration: Sendable {
        /// Sequences nested deeper than this are rejected.
        public var maximumNestingDepth: Int
        /// Primitive values and fragments at least this long are streamed as chunks instead of returned whole.
        public var streamingThreshold: UInt32
        /// Whether top-level Pixel Data is always streamed (header first), whatever its length, so that a reader can
        /// stop at its header.
        public var streamsPixelData: Bool

        public init(maximumNestingDepth: Int = 64, streamingThreshold: UInt32 = .max, streamsPixelData: Bool = false) {
            self.maximumNestingDepth = maximumNestingDepth
            self.streamingThreshold = streamingThreshold
            self.streamsPixelData = streamsPixelData
        }
    }

    private struct Encoding: Sendable {
        var isExplicitVR: Bool
        var isBigEndian: Bool
    }

    private enum ContainerKind: Sendable {
        case sequence, item, encapsulatedPixelData
    }

    private struct Container: Sendable {
        var kind: ContainerKind
        var tag: Tag
        /// Absolute offset at which the container ends, nil for an undefined length.
        var end: Int?
        /// The encoding of what the container holds.
        var encoding: Encoding
    }

    private struct StreamedValue: Sendable {
        var remaining: Int
        var swapUnit: Int
        var tag: Tag
    }

    public let configuration: Configuration
    /// Bytes consumed since the start of the data set.
    public private(set) var offset: Int
    /// Set when the data set's first element showed that the transfer syntax's VR encoding was mislabelled
    /// (explicit VR data in a data set declared implicit, or the reverse) and the tokenizer followed the data.
    public private(set) var correctedVREncoding: Bool
    private var topLevelEncoding: Encoding
    private var stack: [Container]
    private var streamedValue: StreamedValue?
    private var hasCheckedEncoding: Bool
    private var hasSkippedDelimiters: Bool
    /// Departures from the standard that the tokenizer repaired as DCMTK and pydicom do (at most 100 kept).
    public private(set) var warnings: [DICOMParseError]

    /// A tokenizer for a data set in the given transfer syntax. Deflate must be undone by the caller.
    public init(transferSyntax: TransferSyntax, configuration: Configuration = Configuration(), startOffset: Int = 0) {
        self.configuration = configuration
        self.offset = startOffset
        self.correctedVREncoding = false
        self.topLevelEncoding = Encoding(
            isExplicitVR: transferSyntax.isExplicitVR, isBigEndian: transferSyntax.byteOrder == .bigEndian)
        self.stack = []
        self.stack.reserveCapacity(8)
        self.streamedValue = nil
        self.hasCheckedEncoding = false
        self.hasSkippedDelimiters = false
        self.warnings = []
    }

    /// The tags of the sequences enclosing the next token, outermost first.
    public var tagPath: [Tag] {
        stack.compactMap { $0.kind == .item ? nil : $0.tag }
    }

    /// Whether the tokenizer is between top-level elements: what has been read so far is a complete data set.
    public var isAtTopLevelBoundary: Bool { stack.isEmpty && streamedValue == nil }

    /// Whether the next token is the first of a top-level sequence's content (its first item, or its end).
    package var isInTopLevelSequence: Bool { stack.count == 1 && stack[0].kind == .sequence }

    /// Returns the next token, or nil when `buffer` does not hold enough bytes for it yet.
    ///
    /// Consumes from `buffer` exactly the bytes of the returned token. Throws on input that no DICOM encoder could
    /// have produced; the error names the offset and the enclosing tags.
    public mutating func next(_ buffer: inout ByteBuffer) throws(DICOMParseError) -> DataSetToken? {
        var tokensOnly = TokensOnly()
        return try nextToken(&buffer, wholeElementsTo: &tokensOnly)
    }

    /// Like `next(_:)`, but each whole primitive element, the bulk of any data set, is inserted into `builder`
    /// rather than returned: the loop of a reader that builds a data set, spared a token per element (copying and
    /// destroying a multi-payload enum costs more than reading the element). Returns the next token of any other
    /// kind, for the caller to act on and usually pass to `builder.append(_:)`, or nil when `buffer` needs more
    /// bytes.
    public mutating func next(
        _ buffer: inout ByteBuffer, insertingElementsInto builder: inout DataSetBuilder
    ) throws(DICOMParseError) -> DataSetToken? {
        try nextToken(&buffer, wholeElementsTo: &builder)
    }

    /// Like `next(_:)`, but whole primitive elements are consumed without being returned or even sliced out of
    /// `buffer`, and other tokens are dropped: a walk that checks the encoding as `next(_:)` does and keeps nothing,
    /// for a reader that defers a sequence's items and takes its bytes whole. False when `buffer` needs more bytes.
    package mutating func skipNextToken(_ buffer: inout ByteBuffer) throws(DICOMParseError) -> Bool {
        var skipped = SkippedElements()
        guard case .some = try nextToken(&buffer, wholeElementsTo: &skipped) else { return false }
        return true
    }

    private mutating func nextToken<Sink: WholeElementSink>(
        _ buffer: inout ByteBuffer, wholeElementsTo sink: inout Sink
    ) throws(DICOMParseError) -> DataSetToken? {
        // Written only when an element position yields a token: an element that goes into the sink leaves nothing
        // to destroy (destroying a token, a multi-payload enum, goes through its value witness).
        var token: DataSetToken?
        while true {
            if streamedValue != nil { return nextChunk(&buffer) }
            if let container = stack.last, let end = container.end, offset >= end {
                guard offset == end else {
                    throw error(.invalidLength, "content runs \(offset - end) bytes past the end of its container")
                }
                stack.removeLast()
                return container.kind == .item ? .itemEnd : .sequenceEnd
            }
            let step: ElementStep
            if let container = stack.last {
                switch container.kind {
                case .item:
                    step = try nextElement(
                        &buffer, encoding: container.encoding, container: container, sink: &sink, token: &token)
                case .sequence:
                    return try nextItem(&buffer, in: container)
                case .encapsulatedPixelData:
                    return try nextFragment(&buffer, in: container)
                }
            } else {
                step = try nextElement(&buffer, encoding: topLevelEncoding, container: nil, sink: &sink, token: &token)
            }
            switch step {
            case .needsMoreInput: return nil
            case .inserted: continue
            case .token: return token
            }
        }
    }

    /// Marks the rest of the value being streamed as consumed without returning it, and returns how many bytes of
    /// input the caller must drop (or seek past) before feeding the tokenizer again. Zero when nothing is streamed.
    public mutating func skipValue() -> Int {
        guard let value = streamedValue else { return 0 }
        streamedValue = nil
        offset += value.remaining
        return value.remaining
    }

    /// Checks that the input ended at a boundary: no header, value, item or sequence left open.
    public func finish(remaining buffer: ByteBuffer) throws(DICOMParseError) {
        if let value = streamedValue {
            throw error(.truncated, "input ends \(value.remaining) bytes before the end of \(value.tag)'s value")
        }
        if let container = stack.last {
            let what = container.kind == .item ? "an item" : "sequence \(container.tag)"
            throw error(.truncated, "input ends inside \(what)")
        }
        if buffer.readableBytes > 0 {
            let bigEndian = stack.last?.encoding.isBigEndian ?? topLevelEncoding.isBigEndian
            let what =
                buffer.readableBytes >= 4
                ? "element \(HeaderWords(buffer).tag(bigEndian: bigEndian))" : "an element header"
            throw error(.truncated, "input ends inside \(what) (\(buffer.readableBytes) bytes left)")
        }
    }

    // MARK: - Elements

    private mutating func nextElement<Sink: WholeElementSink>(
        _ buffer: inout ByteBuffer, encoding declared: Encoding, container: Container?, sink: inout Sink,
        token: inout DataSetToken?
    ) throws(DICOMParseError) -> ElementStep {
        guard buffer.readableBytes >= 8 else { return .needsMoreInput }
        var words = HeaderWords(buffer)
        if container == nil && words.tag(bigEndian: declared.isBigEndian) == StructuralTag.sequenceDelimitation {
            skipStrayDelimiters(&buffer, bigEndian: declared.isBigEndian)
            guard buffer.readableBytes >= 8 else { return .needsMoreInput }
            words = HeaderWords(buffer)
        }
        var encoding = declared
        if container == nil && !hasCheckedEncoding {
            encoding = checkVREncoding(buffer, declared: declared)
        }
        let tag = words.tag(bigEndian: encoding.isBigEndian)

        if tag.isDelimiter {
            guard let delimiterToken = try delimiter(tag, &buffer, container: container) else { return .needsMoreInput }
            token = delimiterToken
            return .token
        }

        let vr: VR
        let length: UInt32
        let headerLength: Int
        if encoding.isExplicitVR {
            guard let explicitVR = VR(firstByte: words.byte4, secondByte: words.byte5) else {
                throw error(
                    .invalidVR, "bytes \(Self.hex(words.byte4))\(Self.hex(words.byte5)) are not a VR for \(tag)")
            }
            vr = explicitVR
            if vr.hasLongExplicitLength {
                guard buffer.readableBytes >= 12 else { return .needsMoreInput }
                length = words.uint32At8(bigEndian: encoding.isBigEndian)
                headerLength = 12
            } else {
                length = UInt32(words.uint16At6(bigEndian: encoding.isBigEndian))
                headerLength = 8
            }
        } else {
            vr = Self.implicitVR(for: tag)
            length = words.uint32At4(bigEndian: encoding.isBigEndian)
            headerLength = 8
        }

        if length == ElementHeader.undefinedLength {
            token = try undefinedLengthElement(tag: tag, vr: vr, headerLength: headerLength, &buffer, encoding: encoding)
            return .token
        }
        let valueLength = Int(length)
        if let end = container?.end, offset + headerLength + valueLength > end {
            throw error(.invalidLength, "\(tag) length \(length) runs past the end of its item")
        }
        if vr == .SQ {
            consume(headerLength, &buffer)
            try push(Container(kind: .sequence, tag: tag, end: offset + valueLength, encoding: encoding))
            token = .sequenceStart(ElementHeader(tag: tag, vr: .SQ, length: length))
            return .token
        }

        let header = ElementHeader(tag: tag, vr: vr, length: length)
        let swapUnit = encoding.isBigEndian ? vr.byteSwapUnit : 1
        let isTopLevelPixelData = container == nil && Self.isPixelData(tag)
        if length >= configuration.streamingThreshold || (configuration.streamsPixelData && isTopLevelPixelData) {
            consume(headerLength, &buffer)
            streamedValue = StreamedValue(remaining: valueLength, swapUnit: swapUnit, tag: tag)
            token = .elementHeader(header)
            return .token
        }
        guard buffer.readableBytes >= headerLength + valueLength else { return .needsMoreInput }
        guard Sink.keepsValues else {
            consume(headerLength + valueLength, &buffer)
            return .inserted
        }
        consume(headerLength, &buffer)
        var value = buffer.readSlice(length: valueLength) ?? ByteBuffer()
        offset += valueLength
        if swapUnit > 1 { value = Self.swapped(value, unit: swapUnit) }
        guard Sink.takesWholeElements else {
            token = .element(header, value)
            return .token
        }
        try sink.insert(DataElement(tag: tag, vr: vr, value: .bytes(value)))
        return .inserted
    }

    private mutating func undefinedLengthElement(
        tag: Tag, vr: VR, headerLength: Int, _ buffer: inout ByteBuffer, encoding: Encoding
    ) throws(DICOMParseError) -> DataSetToken {
        if Self.isPixelData(tag) && vr != .SQ {
            // Encapsulated pixel data is OB (PS3.5 §A.4), whatever an implicit VR lookup says.
            let header = ElementHeader(tag: tag, vr: encoding.isExplicitVR ? vr : .OB, length: nil)
            consume(headerLength, &buffer)
            try push(
                Container(
                    kind: .encapsulatedPixelData, tag: tag, end: nil,
                    encoding: Encoding(isExplicitVR: encoding.isExplicitVR, isBigEndian: false)))
            return .encapsulatedPixelDataStart(header)
        }
        let header = ElementHeader(tag: tag, vr: vr, length: nil)
        switch vr {
        case .SQ:
            consume(headerLength, &buffer)
            try push(Container(kind: .sequence, tag: tag, end: nil, encoding: encoding))
            return .sequenceStart(header)
        case .UN:
            // PS3.5 §6.2.2: a UN value of undefined length is a sequence in Implicit VR Little Endian.
            consume(headerLength, &buffer)
            let implicit = Encoding(isExplicitVR: false, isBigEndian: false)
            try push(Container(kind: .sequence, tag: tag, end: nil, encoding: implicit))
            return .sequenceStart(header)
        default:
            throw error(.invalidLength, "\(tag) has an undefined length, which VR \(vr) does not allow")
        }
    }

    private mutating func delimiter(
        _ tag: Tag, _ buffer: inout ByteBuffer, container: Container?
    ) throws(DICOMParseError) -> DataSetToken? {
        switch tag {
        case StructuralTag.itemDelimitation:
            guard let container, container.kind == .item, container.end == nil else {
                throw error(.invalidTag, "Item Delimitation Item outside an item of undefined length")
            }
            consume(8, &buffer)
            stack.removeLast()
            return .itemEnd
        default:
            throw error(.invalidTag, "\(tag) where a data element belongs")
        }
    }

    /// Some writers leave Sequence Delimitation Items between or after top-level elements; they carry nothing.
    /// Skips every one at the start of the buffer, in a loop (thousands of them must not recurse). These are the
    /// only bytes the tokenizer consumes without returning a token.
    private mutating func skipStrayDelimiters(_ buffer: inout ByteBuffer, bigEndian: Bool) {
        var skipped = 0
        while buffer.readableBytes >= 8,
            HeaderWords(buffer).tag(bigEndian: bigEndian) == StructuralTag.sequenceDelimitation
        {
            consume(8, &buffer)
            skipped += 1
        }
        if skipped > 0 && !hasSkippedDelimiters {
            hasSkippedDelimiters = true
            warn(.invalidTag, "skipped Sequence Delimitation Items outside any sequence")
        }
    }

    // MARK: - Items and fragments

    private mutating func nextItem(_ buffer: inout ByteBuffer, in container: Container) throws(DICOMParseError)
        -> DataSetToken?
    {
        guard buffer.readableBytes >= 8 else { return nil }
        let bigEndian = container.encoding.isBigEndian
        let words = HeaderWords(buffer)
        let tag = words.tag(bigEndian: bigEndian)
        let length = words.uint32At4(bigEndian: bigEndian)
        switch tag {
        case StructuralTag.item:
            var end: Int?
            if length != ElementHeader.undefinedLength {
                end = offset + 8 + Int(length)
                if let sequenceEnd = container.end, let itemEnd = end, itemEnd > sequenceEnd {
                    // DCMTK and pydicom read such an item up to the sequence's end; so do we, and say so.
                    warn(.invalidLength, "item length \(length) runs \(itemEnd - sequenceEnd) bytes past its sequence")
                    end = sequenceEnd
                }
            }
            consume(8, &buffer)
            try push(Container(kind: .item, tag: container.tag, end: end, encoding: container.encoding))
            return .itemStart(length: end.map { UInt32(truncatingIfNeeded: $0 - offset) })
        case StructuralTag.sequenceDelimitation:
            guard container.end == nil else {
                throw error(.invalidTag, "Sequence Delimitation Item in a sequence of defined length")
            }
            consume(8, &buffer)
            stack.removeLast()
            return .sequenceEnd
        default:
            throw error(.invalidTag, "\(tag) where an item of sequence \(container.tag) belongs")
        }
    }

    private mutating func nextFragment(_ buffer: inout ByteBuffer, in container: Container) throws(DICOMParseError)
        -> DataSetToken?
    {
        guard buffer.readableBytes >= 8 else { return nil }
        let words = HeaderWords(buffer)
        let tag = words.tag(bigEndian: false)
        let length = words.uint32At4(bigEndian: false)
        switch tag {
        case StructuralTag.item:
            guard length != ElementHeader.undefinedLength else {
                throw error(.invalidLength, "a pixel data fragment has an undefined length")
            }
            if length >= configuration.streamingThreshold {
                consume(8, &buffer)
                streamedValue = StreamedValue(remaining: Int(length), swapUnit: 1, tag: container.tag)
                return .fragmentHeader(length: length)
            }
            guard buffer.readableBytes >= 8 + Int(length) else { return nil }
            consume(8, &buffer)
            let fragment = buffer.readSlice(length: Int(length)) ?? ByteBuffer()
            offset += Int(length)
            return .fragment(fragment)
        case StructuralTag.sequenceDelimitation:
            consume(8, &buffer)
            stack.removeLast()
            return .encapsulatedPixelDataEnd
        default:
            throw error(.invalidTag, "\(tag) where a pixel data fragment belongs")
        }
    }

    private mutating func nextChunk(_ buffer: inout ByteBuffer) -> DataSetToken? {
        guard var value = streamedValue else { return nil }
        var length = min(value.remaining, buffer.readableBytes)
        if length < value.remaining { length -= length % value.swapUnit }
        guard length > 0 || value.remaining == 0 else { return nil }
        var chunk = buffer.readSlice(length: length) ?? ByteBuffer()
        offset += length
        value.remaining -= length
        if value.swapUnit > 1 { chunk = Self.swapped(chunk, unit: value.swapUnit) }
        if value.remaining == 0 {
            streamedValue = nil
            return .valueChunk(chunk, isLast: true)
        }
        streamedValue = value
        return .valueChunk(chunk, isLast: false)
    }

    // MARK: - Helpers

    private mutating func push(_ container: Container) throws(DICOMParseError) {
        // Sequences are at most the whole stack: count them only when the stack is that deep.
        if stack.count >= configuration.maximumNestingDepth {
            let depth = stack.reduce(0) { $0 + ($1.kind == .item ? 0 : 1) }
            guard depth < configuration.maximumNestingDepth else {
                throw error(.nestingTooDeep, "sequences nest deeper than \(configuration.maximumNestingDepth) levels")
            }
        }
        stack.append(container)
    }

    private mutating func consume(_ count: Int, _ buffer: inout ByteBuffer) {
        buffer.moveReaderIndex(forwardBy: count)
        offset += count
    }

    /// Follows the data rather than the label when the first element shows the VR encoding is mislabelled, as
    /// pydicom and DCMTK do: explicit VR data in an implicit VR data set, or the reverse.
    private mutating func checkVREncoding(_ buffer: ByteBuffer, declared: Encoding) -> Encoding {
        hasCheckedEncoding = true
        let words = HeaderWords(buffer)
        let looksExplicit = VR(firstByte: words.byte4, secondByte: words.byte5) != nil
        guard looksExplicit != declared.isExplicitVR else { return declared }
        let tag = words.tag(bigEndian: declared.isBigEndian)
        // Only trust the guess for a plausible first tag; delimiters and group 0000 prove nothing.
        guard !tag.isDelimiter, tag.group >= 0x0002 else { return declared }
        if looksExplicit {
            // An implicit length whose low bytes spell a VR would be an absurd first length (over 16 kB).
            let implicitLength = words.uint32At4(bigEndian: declared.isBigEndian)
            guard implicitLength > 0x4000 else { return declared }
        }
        correctedVREncoding = true
        warn(.invalidVR, "the data set is encoded with \(looksExplicit ? "explicit" : "implicit") VR, not as labelled")
        topLevelEncoding.isExplicitVR = looksExplicit
        return topLevelEncoding
    }

    private mutating func warn(_ code: DICOMParseError.Code, _ reason: String) {
        if warnings.count < 100 { warnings.append(error(code, reason)) }
    }

    private func error(_ code: DICOMParseError.Code, _ reason: String, file: String = #fileID, line: Int = #line)
        -> DICOMParseError
    {
        DICOMParseError(code, reason, offset: offset, tagPath: tagPath, file: file, line: line)
    }

    /// The VR an implicit VR data set implies for a tag: the dictionary's, OW for pixel data.
    @inline(__always)
    private static func implicitVR(for tag: Tag) -> VR {
        if isPixelData(tag) { return .OW }
        return DataDictionary.vr(for: tag)
    }

    @inline(__always)
    private static func isPixelData(_ tag: Tag) -> Bool {
        tag == StructuralTag.pixelData
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0" + digits : digits
    }

    /// Reverses the bytes of each `unit`-sized word: big-endian values become little-endian and back.
    static func swapped(_ value: ByteBuffer, unit: Int) -> ByteBuffer {
        var result = ByteBuffer()
        result.reserveCapacity(value.readableBytes)
        value.withUnsafeReadableBytes { source in
            let whole = source.count - source.count % unit
            var index = 0
            while index < whole {
                for byte in (index..<index + unit).reversed() { result.writeInteger(source[byte]) }
                index += unit
            }
            if whole < source.count { result.writeBytes(source[whole...]) }
        }
        return result
    }
}

/// Where the tokenizer puts whole primitive elements: into a data set being built, out as tokens, or nowhere.
protocol WholeElementSink {
    /// Whether whole elements are inserted here; when false they are returned as `.element` tokens.
    static var takesWholeElements: Bool { get }
    /// Whether values are read at all; when false whole elements are consumed and dropped.
    static var keepsValues: Bool { get }
    mutating func insert(_ element: consuming DataElement) throws(DICOMParseError)
}

extension DataSetBuilder: WholeElementSink {
    static var takesWholeElements: Bool { true }
    static var keepsValues: Bool { true }
}

/// For `DataSetTokenizer.next(_:)`: every element comes back as a token.
private struct TokensOnly: WholeElementSink {
    static var takesWholeElements: Bool { false }
    static var keepsValues: Bool { true }
    func insert(_ element: consuming DataElement) {}
}

/// For `DataSetTokenizer.skipNextToken(_:)`: whole elements are checked and dropped.
private struct SkippedElements: WholeElementSink {
    static var takesWholeElements: Bool { true }
    static var keepsValues: Bool { false }
    func insert(_ element: consuming DataElement) {}
}

/// What reading at an element position produced.
private enum ElementStep {
    case needsMoreInput
    /// A whole primitive element went into the sink.
    case inserted
    /// A token, written to the caller's `token`.
    case token
}

/// The first 12 bytes of an element, item or delimiter header (fewer at the end of input, the rest read as zeros),
/// loaded in one access to the buffer: tag, then VR and lengths in either layout (PS3.5 §7.1.1-§7.1.3).
private struct HeaderWords {
    private let word0: UInt32
    private let word1: UInt32
    private let word2: UInt32

    @inline(__always)
    init(_ buffer: ByteBuffer) {
        (word0, word1, word2) = buffer.withUnsafeReadableBytes { raw in
            if raw.count >= 12 {
                return (
                    UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
                    UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4, as: UInt32.self)),
                    UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
            }
            var words: (UInt32, UInt32, UInt32) = (0, 0, 0)
            withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(12))) }
            return (UInt32(littleEndian: words.0), UInt32(littleEndian: words.1), UInt32(littleEndian: words.2))
        }
    }

    /// Bytes 0-3: group then element, each 16 bits in the data set's byte order.
    @inline(__always)
    func tag(bigEndian: Bool) -> Tag {
        let group = UInt16(truncatingIfNeeded: word0)
        let element = UInt16(truncatingIfNeeded: word0 >> 16)
        return bigEndian
            ? Tag(group: group.byteSwapped, element: element.byteSwapped) : Tag(group: group, element: element)
    }

    /// Byte 4: the first character of an explicit VR.
    var byte4: UInt8 { UInt8(truncatingIfNeeded: word1) }

    /// Byte 5: the second character of an explicit VR.
    var byte5: UInt8 { UInt8(truncatingIfNeeded: word1 >> 8) }

    /// Bytes 6-7: the 16-bit length of an explicit VR header.
    @inline(__always)
    func uint16At6(bigEndian: Bool) -> UInt16 {
        let value = UInt16(truncatingIfNeeded: word1 >> 16)
        return bigEndian ? value.byteSwapped : value
    }

    /// Bytes 4-7: the length of an implicit VR header, an item or a delimiter.
    @inline(__always)
    func uint32At4(bigEndian: Bool) -> UInt32 { bigEndian ? word1.byteSwapped : word1 }

    /// Bytes 8-11: the 32-bit length of an explicit VR header with reserved bytes.
    @inline(__always)
    func uint32At8(bigEndian: Bool) -> UInt32 { bigEndian ? word2.byteSwapped : word2 }
}
