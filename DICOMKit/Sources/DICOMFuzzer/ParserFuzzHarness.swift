import DICOM
import DICOMCore
import NIOCore

/// Runs one input through every way of reading DICOM bytes and traps when they disagree.
///
/// Each input is read: whole by `DICOMFile(bytes:)`; drip-fed to `Part10Parser` in chunks whose sizes are drawn
/// from a generator seeded by the input (so a finding replays exactly); both again stopping before pixel data; and
/// its data set (what follows the meta group, or the whole input) by `DataSetTokenizer` in Implicit VR Little
/// Endian, Explicit VR Little Endian and Explicit VR Big Endian, whole and drip-fed with small streaming
/// thresholds, assembled by `DataSetBuilder`. A thrown `DICOMParseError` is an answer; a trap is a finding, and so is:
/// - whole and drip-fed reads that differ (one fails, different files, or different error codes);
/// - a header-only read that fails, or holds an element the full read does not, when the full read succeeds;
/// - a tokenizer whose `offset` is not the count of bytes it consumed, that consumes bytes and returns nil, that
///   returns more tokens than the input can hold, or whose tokens `DataSetBuilder` rejects as out of place;
/// - re-encoding a file it read trapping (the writer must throw or succeed).
enum ParserFuzzHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = ByteBuffer(bytes: input)
        var random = DeterministicRandom(seed: DeterministicRandom.fnv1a(input))

        let full = checkPart10(bytes, options: DICOMReadOptions(), random: &random)
        let header = checkPart10(bytes, options: DICOMReadOptions(stopsBeforePixelData: true), random: &random)
        checkHeaderAgainstFull(header: header, full: full)
        if case .success(let file) = full {
            _ = try? file.encoded()
        }

        var dataSet = bytes
        dataSet.moveReaderIndex(forwardBy: dataSetStart(bytes))
        for syntax in [TransferSyntax.implicitVRLittleEndian, .explicitVRLittleEndian, .explicitVRBigEndian] {
            checkTokenizer(dataSet, syntax: syntax, random: &random)
        }
    }

    // MARK: - Part 10

    private static func checkPart10(
        _ bytes: ByteBuffer, options: DICOMReadOptions, random: inout DeterministicRandom
    ) -> Result<DICOMFile, DICOMParseError> {
        let whole = Result { () throws(DICOMParseError) in try DICOMFile(bytes: bytes, options: options) }
        let dripFed = parseDripFed(bytes, options: options, random: &random)
        let mode = options.stopsBeforePixelData ? "header-only" : "full"
        switch (whole, dripFed) {
        case (.success(let a), .success(let b)):
            if a != b || a.stoppedBeforePixelData != b.stoppedBeforePixelData {
                fatalError("\(mode) Part 10 read: whole and drip-fed files differ: \(Self.difference(a, b))")
            }
            if a.warnings != b.warnings {
                fatalError("\(mode) Part 10 read: whole warned \(a.warnings), drip-fed warned \(b.warnings)")
            }
        case (.failure(let a), .failure(let b)):
            if a.code != b.code {
                fatalError("\(mode) Part 10 read: whole threw \(a), drip-fed threw \(b)")
            }
        case (.success, .failure(let error)):
            fatalError("\(mode) Part 10 read: whole succeeded, drip-fed threw \(error)")
        case (.failure(let error), .success):
            fatalError("\(mode) Part 10 read: whole threw \(error), drip-fed succeeded")
        }
        return whole
    }

    /// Feeds `Part10Parser` a few bytes at a time, as a network reader would.
    private static func parseDripFed(
        _ bytes: ByteBuffer, options: DICOMReadOptions, random: inout DeterministicRandom
    ) -> Result<DICOMFile, DICOMParseError> {
        var parser = Part10Parser(options: options)
        var source = bytes
        var buffer = ByteBuffer()
        var calls = 0
        while true {
            calls += 1
            if calls > bytes.readableBytes + 16 {
                fatalError("Part10Parser asked for more input \(calls) times for \(bytes.readableBytes) bytes")
            }
            let isEndOfInput = source.readableBytes == 0
            let step: Part10Parser.Step
            do throws(DICOMParseError) {
                step = try parser.parse(&buffer, isEndOfInput: isEndOfInput)
            } catch {
                return .failure(error)
            }
            switch step {
            case .finished(let file):
                return .success(file)
            case .skipInput(let count):
                fatalError("Part10Parser asked to skip \(count) bytes of input held in memory")
            case .needsMoreInput where isEndOfInput:
                // What `DICOMFile(bytes:)` answers for this step.
                return .failure(DICOMParseError(.truncated, "the input ended before the data set"))
            case .needsMoreInput:
                if random.next(below: 4) == 0 { buffer.discardReadBytes() }
                var chunk = source.readSlice(length: min(random.chunkSize(), source.readableBytes)) ?? ByteBuffer()
                buffer.writeBuffer(&chunk)
            }
        }
    }

    /// A read that stops before pixel data must succeed when the full read does, and hold only what it holds.
    private static func checkHeaderAgainstFull(
        header headerRead: Result<DICOMFile, DICOMParseError>, full fullRead: Result<DICOMFile, DICOMParseError>
    ) {
        guard case .success(let full) = fullRead else { return }
        let header: DICOMFile
        switch headerRead {
        case .success(let file): header = file
        case .failure(let error): fatalError("the full read succeeded but the header-only read threw \(error)")
        }
        guard header.stoppedBeforePixelData else {
            if header != full { fatalError("a header-only read that did not stop differs: \(Self.difference(header, full))") }
            return
        }
        guard header.fileMetaInformation == full.fileMetaInformation, header.transferSyntax == full.transferSyntax else {
            fatalError("header-only and full reads differ in meta information or transfer syntax")
        }
        for element in header.dataSet.elements where full.dataSet[element.tag] != element {
            fatalError("header-only read has \(element.tag) that the full read \(full.dataSet[element.tag] == nil ? "lacks" : "reads differently")")
        }
    }

    // MARK: - Tokenizer

    private static func checkTokenizer(_ bytes: ByteBuffer, syntax: TransferSyntax, random: inout DeterministicRandom) {
        let whole = tokenize(
            bytes, syntax: syntax, configuration: DataSetTokenizer.Configuration(), dripFed: false, random: &random)
        let configuration = DataSetTokenizer.Configuration(
            streamingThreshold: UInt32(random.next(below: 300)), streamsPixelData: random.next(below: 2) == 0)
        let dripFed = tokenize(bytes, syntax: syntax, configuration: configuration, dripFed: true, random: &random)
        switch (whole, dripFed) {
        case (.success(let a), .success(let b)):
            if a != b { fatalError("tokenizer (\(syntax)): whole and drip-fed data sets differ: \(difference(a, b))") }
        case (.failure(let a), .failure(let b)):
            if a.code != b.code { fatalError("tokenizer (\(syntax)): whole threw \(a), drip-fed threw \(b)") }
        case (.success, .failure(let error)):
            fatalError("tokenizer (\(syntax)): whole succeeded, drip-fed (streaming ≥ \(configuration.streamingThreshold)) threw \(error)")
        case (.failure(let error), .success):
            fatalError("tokenizer (\(syntax)): whole threw \(error), drip-fed (streaming ≥ \(configuration.streamingThreshold)) succeeded")
        }
    }

    /// Tokenizes a data set, whole or in chunks, into a `DataSet`; checks the tokenizer's bookkeeping on the way.
    private static func tokenize(
        _ bytes: ByteBuffer, syntax: TransferSyntax, configuration: DataSetTokenizer.Configuration, dripFed: Bool,
        random: inout DeterministicRandom
    ) -> Result<DataSet, DICOMParseError> {
        var tokenizer = DataSetTokenizer(transferSyntax: syntax, configuration: configuration)
        var builder = DataSetBuilder()
        var source = bytes
        var buffer = ByteBuffer()
        if !dripFed { swap(&source, &buffer) }
        var consumed = 0
        var tokens = 0
        let maximumTokens = 2 * bytes.readableBytes + 16
        do throws(DICOMParseError) {
            while true {
                let before = buffer.readableBytes
                guard let token = try tokenizer.next(&buffer) else {
                    if buffer.readableBytes != before {
                        let skipped = buffer.getSlice(at: buffer.readerIndex - (before - buffer.readableBytes), length: 8)
                        if !isKnownStrayDelimiterSkip(skipped, consumed: before - buffer.readableBytes, syntax: syntax) {
                            fatalError(
                                "tokenizer (\(syntax)) consumed \(before - buffer.readableBytes) bytes and returned nil")
                        }
                        consumed += before - buffer.readableBytes
                        if tokenizer.offset != consumed {
                            fatalError("tokenizer (\(syntax)) offset \(tokenizer.offset) after consuming \(consumed) bytes")
                        }
                    }
                    if source.readableBytes == 0 {
                        try tokenizer.finish(remaining: buffer)
                        return .success(try builder.finish())
                    }
                    let size = dripFed ? random.chunkSize() : source.readableBytes
                    var chunk = source.readSlice(length: min(size, source.readableBytes)) ?? ByteBuffer()
                    buffer.writeBuffer(&chunk)
                    continue
                }
                consumed += before - buffer.readableBytes
                tokens += 1
                if tokenizer.offset != consumed {
                    fatalError("tokenizer (\(syntax)) offset \(tokenizer.offset) after consuming \(consumed) bytes")
                }
                if tokens > maximumTokens {
                    fatalError("tokenizer (\(syntax)) returned \(tokens) tokens for \(bytes.readableBytes) bytes")
                }
                do throws(DICOMParseError) {
                    try builder.append(token)
                } catch where error.code == .unexpectedToken {
                    fatalError("DataSetBuilder rejected a token from the tokenizer (\(syntax)): \(error)")
                }
                if case .elementHeader = token, !dripFed {
                    fatalError("tokenizer (\(syntax)) streamed a value with streaming off")
                }
            }
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Helpers

    /// KNOWN ISSUE (fuzz finding 1; remove this exemption once fixed): a stray Sequence Delimitation Item at the top
    /// level is skipped by consuming its 8 bytes and recursing into `next`, which returns nil when the element after
    /// it is incomplete: `next` then returns nil having consumed 8 bytes (its `offset` stays consistent).
    private static func isKnownStrayDelimiterSkip(_ bytes: ByteBuffer?, consumed: Int, syntax: TransferSyntax) -> Bool {
        let endianness: Endianness = syntax.byteOrder == .bigEndian ? .big : .little
        guard consumed % 8 == 0, let bytes, let group = bytes.getInteger(at: bytes.readerIndex, endianness: endianness, as: UInt16.self),
            let element = bytes.getInteger(at: bytes.readerIndex + 2, endianness: endianness, as: UInt16.self)
        else { return false }
        return group == 0xFFFE && element == 0xE0DD
    }

    /// Where the data set starts: after the preamble, "DICM" and the group 0002 elements of a Part 10 file; the
    /// reader index for anything else. Walks Explicit VR Little Endian headers, stopping at anything odd.
    static func dataSetStart(_ bytes: ByteBuffer) -> Int {
        let magic = Array("DICM".utf8)
        var index: Int
        if bytes.getBytes(at: bytes.readerIndex + 128, length: 4) == magic {
            index = 132
        } else if bytes.getBytes(at: bytes.readerIndex, length: 4) == magic {
            index = 4
        } else {
            return 0
        }
        while let group = bytes.getInteger(at: bytes.readerIndex + index, endianness: .little, as: UInt16.self),
            group == 0x0002,
            let first = bytes.getInteger(at: bytes.readerIndex + index + 4, as: UInt8.self),
            let second = bytes.getInteger(at: bytes.readerIndex + index + 5, as: UInt8.self),
            let vr = VR(firstByte: first, secondByte: second)
        {
            let length: Int
            let headerLength = vr.hasLongExplicitLength ? 12 : 8
            if vr.hasLongExplicitLength {
                guard let long = bytes.getInteger(at: bytes.readerIndex + index + 8, endianness: .little, as: UInt32.self),
                    long != 0xFFFF_FFFF
                else { break }
                length = Int(long)
            } else {
                guard let short = bytes.getInteger(at: bytes.readerIndex + index + 6, endianness: .little, as: UInt16.self)
                else { break }
                length = Int(short)
            }
            guard index + headerLength + length <= bytes.readableBytes else { break }
            index += headerLength + length
        }
        return index
    }

    private static func difference(_ a: DICOMFile, _ b: DICOMFile) -> String {
        if a.preamble != b.preamble { return "preambles" }
        if a.transferSyntax != b.transferSyntax { return "transfer syntax \(a.transferSyntax) vs \(b.transferSyntax)" }
        if a.fileMetaInformation != b.fileMetaInformation {
            return "meta information: " + difference(a.fileMetaInformation, b.fileMetaInformation)
        }
        if a.dataSet != b.dataSet { return "data set: " + difference(a.dataSet, b.dataSet) }
        return "stopped before pixel data: \(a.stoppedBeforePixelData) vs \(b.stoppedBeforePixelData)"
    }

    private static func difference(_ a: DataSet, _ b: DataSet) -> String {
        for (x, y) in zip(a.elements, b.elements) where x != y {
            return x.tag == y.tag ? "values of \(x.tag) (\(x.vr) vs \(y.vr))" : "\(x.tag) vs \(y.tag)"
        }
        return "\(a.count) vs \(b.count) elements"
    }
}

/// SplitMix64, seeded from the input so that chunk boundaries replay exactly.
struct DeterministicRandom {
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound` (bound > 0).
    mutating func next(below bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// Mostly tiny chunks (splitting headers), some medium, a few large.
    mutating func chunkSize() -> Int {
        switch next(below: 10) {
        case 0..<5: 1 + next(below: 8)
        case 5..<8: 1 + next(below: 64)
        default: 1 + next(below: 4096)
        }
    }

    static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
