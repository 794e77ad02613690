public import DICOMCore
import DICOMDictionary
public import NIOCore

/// Reads a Part 10 file, or a bare data set, with no I/O: the caller feeds bytes and acts on each step.
///
/// PS3.10 §7: an optional 128-byte preamble and "DICM", the file meta group in Explicit VR Little Endian, then the
/// data set in the transfer syntax the meta group names. Accepts what pydicom and DCMTK accept: no preamble, no
/// meta group (the encoding is then detected), a meta group without a group length, mislabelled VR encodings.
public struct Part10Parser: Sendable {
    /// What the caller does next.
    public enum Step: Sendable {
        /// Append more input to the buffer and call again, or call with `isEndOfInput` when there is no more.
        case needsMoreInput
        /// Drop this many bytes of input that follow what was fed (seek past them), then call again.
        case skipInput(Int)
        /// The file is read.
        case finished(DICOMFile)
    }

    private enum State: Sendable {
        case preamble
        case meta(DataSetTokenizer, DataSetBuilder)
        case dataSet(DataSetTokenizer, DataSetBuilder)
        case finished
    }

    public let options: DICOMReadOptions
    /// Whether bulk data references to file ranges may be made (the input is a file read from its start).
    private let referencesFile: String?
    private var state: State
    private var preamble: ByteBuffer?
    private var fileMetaInformation: DataSet
    private var transferSyntax: TransferSyntax
    /// Whether the transfer syntax was detected from the data rather than read from (0002,0010).
    private var isTransferSyntaxDetected: Bool
    private var consumedBeforeDataSet: Int
    /// A top-level sequence being deferred whose content has not all arrived yet.
    private var deferredSequenceWalk: DeferredSequenceWalk?

    /// How far the walk through a deferred sequence's content has come. The content stays in the input (unconsumed,
    /// so the caller keeps it) until the walk reaches its end; each call resumes where the last stopped.
    private struct DeferredSequenceWalk: Sendable {
        var header: ElementHeader
        /// The tokenizer as the sequence's header left it: what builds the items later.
        var atFirstItem: DataSetTokenizer
        /// The tokenizer walking the content.
        var walker: DataSetTokenizer
        /// Bytes of content walked so far.
        var walked = 0
    }

    /// A parser; `filePath` enables bulk data references into that file (pass nil for bytes from elsewhere).
    public init(options: DICOMReadOptions = DICOMReadOptions(), filePath: String? = nil) {
        self.options = options
        self.referencesFile = filePath
        self.state = .preamble
        self.preamble = nil
        self.fileMetaInformation = DataSet()
        self.transferSyntax = .implicitVRLittleEndian
        self.consumedBeforeDataSet = 0
        self.isTransferSyntaxDetected = false
        self.deferredSequenceWalk = nil
    }

    /// Reads as far as `buffer` allows. Consumes what it used; the caller keeps the rest and appends to it.
    public mutating func parse(_ buffer: inout ByteBuffer, isEndOfInput: Bool) throws(DICOMParseError) -> Step {
        while true {
            switch state {
            case .preamble:
                guard buffer.readableBytes >= 132 || isEndOfInput else { return .needsMoreInput }
                guard readPreamble(&buffer) else {
                    throw DICOMParseError(
                        .notDICOM, "no DICM prefix, and the first bytes are not a DICOM data element", offset: 0)
                }
            case .meta(var tokenizer, var builder):
                state = .finished
                let metaEnded = try readMeta(&buffer, isEndOfInput: isEndOfInput, &tokenizer, &builder)
                guard metaEnded else {
                    state = .meta(tokenizer, builder)
                    return .needsMoreInput
                }
                fileMetaInformation = try builder.finish()
                consumedBeforeDataSet = tokenizer.offset
                transferSyntax = try metaTransferSyntax(buffer)
                if transferSyntax.isDeflated {
                    guard isEndOfInput else {
                        state = .meta(tokenizer, builder)
                        return .needsMoreInput
                    }
                    buffer = try Deflate.inflate(buffer, maximumLength: options.maximumInflatedLength)
                }
                state = .dataSet(makeDataSetTokenizer(), DataSetBuilder())
            case .dataSet(var tokenizer, var builder):
                state = .finished
                let step = try readDataSet(&buffer, isEndOfInput: isEndOfInput, &tokenizer, &builder)
                if case .finished = step { return step }
                state = .dataSet(tokenizer, builder)
                return step
            case .finished:
                throw DICOMParseError(.unexpectedToken, "the parser has already finished")
            }
        }
    }

    /// Reads the preamble and "DICM" if present; false when the input is neither a file nor a bare data set.
    private mutating func readPreamble(_ buffer: inout ByteBuffer) -> Bool {
        let start = buffer.readerIndex
        var consumed = 0
        if buffer.getBytes(at: start + 128, length: 4) == FileMetaInformation.magic {
            preamble = buffer.getSlice(at: start, length: 128)
            consumed = 132
        } else if buffer.getBytes(at: start, length: 4) == FileMetaInformation.magic {
            consumed = 4
        } else if !Self.startsWithDataElement(buffer) {
            return false
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        let metaSyntax = TransferSyntax.explicitVRLittleEndian
        let configuration = DataSetTokenizer.Configuration(maximumNestingDepth: options.maximumNestingDepth)
        state = .meta(
            DataSetTokenizer(transferSyntax: metaSyntax, configuration: configuration, startOffset: consumed),
            DataSetBuilder())
        return true
    }

    /// Whether a file without "DICM" starts like a data set: a first tag in groups 0002–0FFF (either byte order)
    /// followed by an explicit VR or an implicit length under 16 MB. Text, images and archives fail this at once.
    static func startsWithDataElement(_ buffer: ByteBuffer) -> Bool {
        let start = buffer.readerIndex
        guard let group = buffer.getInteger(at: start, endianness: .little, as: UInt16.self),
            let vr0 = buffer.getInteger(at: start + 4, as: UInt8.self),
            let vr1 = buffer.getInteger(at: start + 5, as: UInt8.self),
            let implicitLength = buffer.getInteger(at: start + 4, endianness: .little, as: UInt32.self)
        else { return false }
        let plausibleGroup = (0x0002...0x0FFF).contains(group) || (0x0002...0x0FFF).contains(group.byteSwapped)
        // A fixed bound, not the bytes at hand: the answer must not depend on how the input was chunked.
        let plausibleHeader = VR(firstByte: vr0, secondByte: vr1) != nil || implicitLength <= 0x00FF_FFFF
        return plausibleGroup && plausibleHeader
    }

    /// Reads meta elements while the next tag is in group 0002; true once the group has ended.
    private func readMeta(
        _ buffer: inout ByteBuffer, isEndOfInput: Bool, _ tokenizer: inout DataSetTokenizer,
        _ builder: inout DataSetBuilder
    ) throws(DICOMParseError) -> Bool {
        while true {
            guard let group = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt16.self) else {
                return isEndOfInput
            }
            guard group == 0x0002 || !tokenizer.isAtTopLevelBoundary else { return true }
            guard let token = try tokenizer.next(&buffer) else {
                if isEndOfInput { try tokenizer.finish(remaining: buffer) }
                return isEndOfInput
            }
            try builder.append(token)
        }
    }

    private mutating func metaTransferSyntax(_ buffer: ByteBuffer) throws(DICOMParseError) -> TransferSyntax {
        guard let uid = fileMetaInformation[.transferSyntaxUID]?.bytes.flatMap(Self.firstUID), !uid.isEmpty else {
            isTransferSyntaxDetected = true
            return Self.detectTransferSyntax(buffer)
        }
        guard let syntax = TransferSyntax(uid: UID(uid)) else {
            throw DICOMParseError(
                .unsupportedTransferSyntax, "unknown transfer syntax \(uid)", offset: consumedBeforeDataSet,
                tagPath: [.transferSyntaxUID])
        }
        return syntax
    }

    /// The first value of a UI element, without its padding (PS3.5 §6.2): read straight from the bytes, since
    /// every file needs its transfer syntax and the general text path splits and trims every value.
    static func firstUID(_ bytes: ByteBuffer) -> String {
        bytes.withUnsafeReadableBytes { raw in
            var end = raw.firstIndex(of: UInt8(ascii: "\\")) ?? raw.count
            while end > 0, raw[end - 1] == 0 || raw[end - 1] == UInt8(ascii: " ") { end -= 1 }
            var start = 0
            while start < end, raw[start] == UInt8(ascii: " ") { start += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self)
        }
    }

    /// For a data set with no transfer syntax: big endian when the first group only makes sense byte-swapped,
    /// else little endian, implicit VR (the tokenizer switches to explicit when the data says so).
    static func detectTransferSyntax(_ buffer: ByteBuffer) -> TransferSyntax {
        guard let little = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt16.self) else {
            return .implicitVRLittleEndian
        }
        let big = little.byteSwapped
        if little > 0x00FF && big <= 0x00FF && big >= 0x0002 {
            return .explicitVRBigEndian
        }
        return .implicitVRLittleEndian
    }

    private func makeDataSetTokenizer() -> DataSetTokenizer {
        let bulkThreshold = referencesFile == nil || transferSyntax.isDeflated ? nil : options.bulkDataThreshold
        let configuration = DataSetTokenizer.Configuration(
            maximumNestingDepth: options.maximumNestingDepth,
            streamingThreshold: bulkThreshold ?? .max,
            streamsPixelData: options.stopsBeforePixelData)
        // Offsets count from the start of the input, so that errors and bulk data name file positions; after
        // inflating they count in the inflated stream, which is all there is to point at.
        let start = transferSyntax.isDeflated ? 0 : consumedBeforeDataSet
        return DataSetTokenizer(transferSyntax: transferSyntax, configuration: configuration, startOffset: start)
    }

    private mutating func readDataSet(
        _ buffer: inout ByteBuffer, isEndOfInput: Bool, _ tokenizer: inout DataSetTokenizer,
        _ builder: inout DataSetBuilder
    ) throws(DICOMParseError) -> Step {
        let defersSequences = options.defersSequences && (referencesFile == nil || options.bulkDataThreshold == nil)
        if var walk = deferredSequenceWalk {
            deferredSequenceWalk = nil
            guard try deferSequence(&walk, &buffer, isEndOfInput: isEndOfInput, &tokenizer, &builder) else {
                deferredSequenceWalk = walk
                return .needsMoreInput
            }
        }
        while true {
            switch try tokenizer.next(&buffer, insertingElementsInto: &builder) {
            case nil:
                guard isEndOfInput else { return .needsMoreInput }
                try tokenizer.finish(remaining: buffer)
                return .finished(try makeFile(builder.finish(), stopped: false, tokenizer: tokenizer))
            case .elementHeader(let header)? where options.stopsBeforePixelData && header.tag == StructuralTag.pixelData
                && tokenizer.tagPath.isEmpty:
                return .finished(makeFile(builder.dataSet, stopped: true, tokenizer: tokenizer))
            case .encapsulatedPixelDataStart? where options.stopsBeforePixelData
                && tokenizer.tagPath == [StructuralTag.pixelData]:
                return .finished(makeFile(builder.dataSet, stopped: true, tokenizer: tokenizer))
            case .sequenceStart(let header)? where defersSequences && tokenizer.isInTopLevelSequence:
                var walk = DeferredSequenceWalk(header: header, atFirstItem: tokenizer, walker: tokenizer)
                guard try deferSequence(&walk, &buffer, isEndOfInput: isEndOfInput, &tokenizer, &builder) else {
                    deferredSequenceWalk = walk
                    return .needsMoreInput
                }
            case .elementHeader(let header)?:
                if let path = referencesFile, let length = header.length {
                    let valueOffset = tokenizer.offset
                    let reference = BulkDataReference(
                        .file(path: path, offset: UInt64(valueOffset), length: UInt64(length)),
                        isBigEndian: transferSyntax.byteOrder == .bigEndian)
                    try builder.insert(DataElement(tag: header.tag, vr: header.vr, value: .bulkData(reference)))
                    let skipped = tokenizer.skipValue()
                    let inBuffer = min(skipped, buffer.readableBytes)
                    buffer.moveReaderIndex(forwardBy: inBuffer)
                    if skipped > inBuffer { return .skipInput(skipped - inBuffer) }
                } else {
                    try builder.append(.elementHeader(header))
                }
            case let token?:
                try builder.append(token)
            }
        }
    }

    /// Walks the content of the top-level sequence whose header was read, checking it as an eager read does, and
    /// inserts the sequence with its bytes, its items left to build (`DICOMReadOptions.defersSequences`). Returns
    /// false when the input ends first, having consumed nothing: the caller asks for more and calls again, and the
    /// walk resumes where it stopped.
    private func deferSequence(
        _ walk: inout DeferredSequenceWalk, _ buffer: inout ByteBuffer, isEndOfInput: Bool,
        _ tokenizer: inout DataSetTokenizer, _ builder: inout DataSetBuilder
    ) throws(DICOMParseError) -> Bool {
        var content = buffer
        content.moveReaderIndex(forwardBy: walk.walked)
        while !walk.walker.isAtTopLevelBoundary {
            guard try walk.walker.skipNextToken(&content) else {
                if isEndOfInput { try walk.walker.finish(remaining: content) }
                walk.walked = content.readerIndex - buffer.readerIndex
                return false
            }
        }
        let encodedValue = buffer.readSlice(length: content.readerIndex - buffer.readerIndex) ?? ByteBuffer()
        try builder.insertDeferredSequence(walk.header, encodedValue: encodedValue, tokenizer: walk.atFirstItem)
        tokenizer = walk.walker
        return true
    }

    private func makeFile(_ dataSet: DataSet, stopped: Bool, tokenizer: DataSetTokenizer) -> DICOMFile {
        var syntax = transferSyntax
        var warnings = tokenizer.warnings
        if isTransferSyntaxDetected && tokenizer.correctedVREncoding {
            // Nothing labelled the encoding: what the data showed is the transfer syntax, not a repair.
            syntax = syntax.byteOrder == .bigEndian ? .explicitVRBigEndian : .explicitVRLittleEndian
            warnings.removeAll { $0.code == .invalidVR && $0.offset == consumedBeforeDataSet }
        }
        var file = DICOMFile(
            preamble: preamble, fileMetaInformation: fileMetaInformation, dataSet: dataSet, transferSyntax: syntax)
        file.stoppedBeforePixelData = stopped
        file.warnings = warnings
        return file
    }
}
