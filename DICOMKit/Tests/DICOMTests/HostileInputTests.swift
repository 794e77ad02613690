import DICOM
import DICOMCore
import DICOMDictionary
import Glibc
import NIOCore
import Testing

/// Inputs an attacker or a broken modality could send: truncated headers, absurd lengths, deep nesting, items that
/// never end, bad VR bytes. Each must be rejected with the right `DICOMParseError.Code`, at once, read whole or
/// drip-fed, and without allocating the length it claims (a 20-byte input claiming a 4 GB value is truncated).
/// `scripts/fuzz` explores around these; add its findings here.
struct HostileInputTests {
    @Test(arguments: HostileInput.all)
    func rejectedWhole(_ input: HostileInput) {
        let (error, elapsed, growth) = Self.measure { () throws(DICOMParseError) in
            _ = try DICOMFile(bytes: ByteBuffer(bytes: input.bytes))
        }
        #expect(error?.code == input.code, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(elapsed < .seconds(1))
        #expect(growth < 64 << 20, "peak memory grew by \(growth) bytes")
    }

    @Test(arguments: HostileInput.all)
    func rejectedDripFed(_ input: HostileInput) {
        let (error, elapsed, growth) = Self.measure { () throws(DICOMParseError) in
            var parser = Part10Parser()
            var source = ByteBuffer(bytes: input.bytes)
            var buffer = ByteBuffer()
            while true {
                let isEndOfInput = source.readableBytes == 0
                switch try parser.parse(&buffer, isEndOfInput: isEndOfInput) {
                case .finished, .skipInput:
                    return
                case .needsMoreInput:
                    if isEndOfInput { throw DICOMParseError(.truncated, "needs more input at the end") }
                    var chunk = source.readSlice(length: min(7, source.readableBytes)) ?? ByteBuffer()
                    buffer.writeBuffer(&chunk)
                }
            }
        }
        #expect(error?.code == input.code, "\(error.map(String.init(describing:)) ?? "no error")")
        #expect(elapsed < .seconds(1))
        #expect(growth < 64 << 20, "peak memory grew by \(growth) bytes")
    }

    /// Inputs that are read (as DCMTK and pydicom read them), but whose cost must stay linear in their size.
    @Test(arguments: HostileInput.readable)
    func readQuicklyWithoutBlowingTheStack(_ input: HostileInput) {
        let (error, elapsed, growth) = Self.measure { () throws(DICOMParseError) in
            _ = try DICOMFile(bytes: ByteBuffer(bytes: input.bytes))
        }
        #expect(error == nil)
        #expect(elapsed < .seconds(2))
        #expect(growth < 64 << 20, "peak memory grew by \(growth) bytes")
    }

    /// Fuzz finding 4: tags out of order used to be inserted one by one into a sorted array, quadratic in their
    /// number. The builder now appends and sorts each data set once, keeping the first of a repeated tag. Checked
    /// as a ratio to the same elements in order, read just before, so that a loaded machine slows both alike:
    /// quadratic reading is tens of times slower at this size.
    @Test func readsOutOfOrderTagsInNLogN() throws {
        let descending = HostileInput.tagsInOrder(count: 50_000, descending: true)
        let ascending = HostileInput.tagsInOrder(count: 50_000, descending: false)
        func fastest(_ bytes: [UInt8]) -> Duration {
            (0..<3).map { _ in
                let (error, elapsed, _) = Self.measure { () throws(DICOMParseError) in
                    _ = try DICOMFile(bytes: ByteBuffer(bytes: bytes))
                }
                #expect(error == nil)
                return elapsed
            }.min() ?? .zero
        }
        let inOrder = fastest(ascending)
        let outOfOrder = fastest(descending)
        #expect(outOfOrder < inOrder * 8, "in order \(inOrder), descending \(outOfOrder)")
        let tags = try DICOMFile(bytes: ByteBuffer(bytes: descending)).dataSet.elements.map(\.tag)
        #expect(tags.count == 50_000)
        #expect(tags == tags.sorted())
    }

    /// Tags out of order, at the top level and in an item, with repeats: sorted, the first of each repeat kept
    /// (as pydicom and DCMTK keep it), whole and drip-fed alike.
    @Test func sortsOutOfOrderTagsKeepingTheFirstOfARepeat() throws {
        typealias H = HostileInput
        let item =
            H.explicit(0x0010, 0x0020, "LO", Array("ID2 ".utf8)) + H.explicit(0x0008, 0x1155, "UI", Array("1.2\0".utf8))
            + H.explicit(0x0010, 0x0020, "LO", Array("ID3 ".utf8))
        let bytes = H.part10(
            H.explicitLE,
            H.explicit(0x0010, 0x0010, "PN", Array("B^B ".utf8)) + H.explicit(0x0008, 0x0060, "CS", Array("CT".utf8))
                + H.explicitHeader(0x0008, 0x1140, "SQ", length: H.undefined) + H.item + H.le32(UInt32(item.count))
                + item + H.sequenceEnd + H.explicit(0x0010, 0x0010, "PN", Array("C^C ".utf8)))
        let file = try DICOMFile(bytes: ByteBuffer(bytes: bytes))
        #expect(file.dataSet.elements.map(\.tag) == [.modality, .referencedImageSequence, .patientName])
        #expect(file.dataSet.strings(.patientName) == ["B^B"])
        let parsedItem = try #require(file.dataSet[.referencedImageSequence]?.items?.first)
        #expect(parsedItem.elements.map(\.tag) == [.referencedSOPInstanceUID, .patientID])
        #expect(parsedItem.strings(.patientID) == ["ID2"])
        #expect(try Self.readDripFed(bytes) == file)
    }

    private static func readDripFed(_ bytes: [UInt8]) throws -> DICOMFile? {
        var parser = Part10Parser()
        var buffer = ByteBuffer()
        for byte in bytes {
            buffer.writeInteger(byte)
            if case .finished = try parser.parse(&buffer, isEndOfInput: false) { return nil }
        }
        if case .finished(let file) = try parser.parse(&buffer, isEndOfInput: true) { return file }
        return nil
    }

    /// A deflated data set stops inflating at `maximumInflatedLength` (a thousandfold expansion is easy).
    @Test func deflateBombStopsAtTheLimit() throws {
        var plain = ByteBuffer(bytes: HostileInput.explicitHeader(0x0009, 0x1010, "OB", length: 8 << 20))
        plain.writeRepeatingByte(0, count: 8 << 20)
        let deflated = try Deflate.deflate(plain)
        let bytes = HostileInput.part10("1.2.840.10008.1.2.1.99", Array(deflated.readableBytesView))
        let options = DICOMReadOptions(maximumInflatedLength: 1 << 20)
        let error = #expect(throws: DICOMParseError.self) {
            try DICOMFile(bytes: ByteBuffer(bytes: bytes), options: options)
        }
        #expect(error?.code == .limitExceeded)
    }

    /// The tokenizer alone, streaming long values: a claimed length is never reserved ahead of its bytes.
    @Test(arguments: [UInt32(0xFFFF_FFF0), 0x8000_0000, 0x7FFF_FFFF])
    func tokenizerStreamsAbsurdLengthWithoutAllocating(_ length: UInt32) throws {
        var bytes = HostileInput.implicitHeader(0x7FE0, 0x0010, length: length)
        bytes += [UInt8](repeating: 0xAB, count: 12)
        var tokenizer = DataSetTokenizer(
            transferSyntax: .implicitVRLittleEndian, configuration: .init(streamingThreshold: 1024))
        var buffer = ByteBuffer(bytes: bytes)
        var chunks = 0
        while let token = try tokenizer.next(&buffer) {
            if case .valueChunk(let chunk, _) = token { chunks += chunk.readableBytes }
        }
        #expect(chunks == 12)
        let error = #expect(throws: DICOMParseError.self) { try tokenizer.finish(remaining: buffer) }
        #expect(error?.code == .truncated)
    }

    /// Runs `body`; returns what it threw, how long it took and how much the process's peak memory grew.
    private static func measure(_ body: () throws(DICOMParseError) -> Void) -> (DICOMParseError?, Duration, Int) {
        let before = peakResidentBytes()
        let clock = ContinuousClock()
        let start = clock.now
        var thrown: DICOMParseError?
        do {
            try body()
        } catch {
            thrown = error
        }
        return (thrown, start.duration(to: clock.now), peakResidentBytes() - before)
    }

    private static func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }
}

/// One hostile input and the code it must be rejected with (nil for an input that must be read).
struct HostileInput: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let code: DICOMParseError.Code?

    var testDescription: String { name }

    init(_ name: String, _ code: DICOMParseError.Code?, _ bytes: [UInt8]) {
        self.name = name
        self.code = code
        self.bytes = bytes
    }

    static let explicitLE = "1.2.840.10008.1.2.1"
    static let implicitLE = "1.2.840.10008.1.2"
    static let explicitBE = "1.2.840.10008.1.2.2"
    static let undefined: UInt32 = 0xFFFF_FFFF
    static let item: [UInt8] = [0xFE, 0xFF, 0x00, 0xE0]
    static let itemEnd: [UInt8] = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0]
    static let sequenceEnd: [UInt8] = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0]
    static let sopClass = explicit(0x0008, 0x0016, "UI", Array("1.2.3\0".utf8))
    static let sequenceStart = explicitHeader(0x0008, 0x1115, "SQ", length: undefined)

    static let all: [HostileInput] = [
        // Not DICOM at all.
        HostileInput("empty input", .notDICOM, []),
        HostileInput("text", .notDICOM, Array("This is not a DICOM file, only some text.\n".utf8)),
        HostileInput(
            "PNG signature", .notDICOM, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D] + Array("IHDR".utf8)),
        HostileInput("zeros without DICM", .notDICOM, [UInt8](repeating: 0, count: 200)),
        // Truncated headers and values.
        HostileInput("truncated meta element header", .truncated, preamble + [0x02, 0x00, 0x00, 0x00, 0x55, 0x4C]),
        HostileInput(
            "meta value cut short", .truncated,
            preamble + [0x02, 0x00, 0x10, 0x00, 0x55, 0x49, 20, 0] + Array("1.2.8".utf8)),
        HostileInput(
            "data set element header cut short", .truncated,
            part10(explicitLE, sopClass + [0x10, 0x00, 0x10, 0x00, 0x50])),
        // Absurd lengths: rejected as truncated, never allocated.
        HostileInput(
            "20 bytes claiming a 4 GB value", .truncated,
            Array("DICM".utf8) + [0x02, 0x00, 0x01, 0x00, 0x4F, 0x42, 0, 0, 0xF0, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4]),
        HostileInput(
            "explicit VR LE value of 0xFFFFFFF0 bytes", .truncated,
            part10(explicitLE, sopClass + explicitHeader(0x0042, 0x0011, "OB", length: 0xFFFF_FFF0) + [1, 2, 3, 4])),
        HostileInput(
            "implicit VR LE pixel data of 0xFFFFFFF0 bytes", .truncated,
            part10(implicitLE, implicitHeader(0x7FE0, 0x0010, length: 0xFFFF_FFF0) + [UInt8](repeating: 0, count: 16))),
        HostileInput(
            "explicit VR BE value of 0xFFFFFFF0 bytes", .truncated,
            part10(explicitBE, [0x00, 0x42, 0x00, 0x11, 0x4F, 0x42, 0, 0, 0xFF, 0xFF, 0xFF, 0xF0, 1, 2, 3, 4])),
        HostileInput(
            "item claiming 0xFFFFFFF0 bytes", .truncated,
            part10(explicitLE, sequenceStart + item + le32(0xFFFF_FFF0) + sopClass)),
        // Lengths that disagree with their container.
        HostileInput(
            "element longer than its item", .invalidLength,
            part10(
                explicitLE, explicitHeader(0x0008, 0x1115, "SQ", length: undefined) + item + le32(10)
                    + explicitHeader(0x0010, 0x0010, "PN", length: 20) + [UInt8](repeating: 0x41, count: 20))),
        HostileInput(
            "odd item length splitting an element header", .invalidLength,
            part10(
                explicitLE, explicitHeader(0x0008, 0x1115, "SQ", length: undefined) + item + le32(7)
                    + explicitHeader(0x0010, 0x0010, "PN", length: 0) + itemEnd + sequenceEnd)),
        HostileInput(
            "undefined length on UT", .invalidLength,
            part10(explicitLE, sopClass + explicitHeader(0x0040, 0xA160, "UT", length: undefined) + sequenceEnd)),
        HostileInput(
            "pixel data fragment of undefined length", .invalidLength,
            part10(
                "1.2.840.10008.1.2.4.50",
                explicitHeader(0x7FE0, 0x0010, "OB", length: undefined) + item + le32(undefined) + [1, 2, 3, 4])),
        // Nesting.
        HostileInput(
            "10,000 nested sequences", .nestingTooDeep,
            part10(
                explicitLE,
                Array(repeating: sequenceStart + item + le32(undefined), count: 10_000)
                    .flatMap { $0 })),
        HostileInput(
            "10,000 nested UN values of undefined length", .nestingTooDeep,
            part10(
                explicitLE,
                explicitHeader(0x0009, 0x1010, "UN", length: undefined) + item + le32(undefined)
                    + Array(
                        repeating: implicitHeader(0x0009, 0x1010, length: undefined) + item + le32(undefined),
                        count: 10_000)
                    .flatMap { $0 })),
        // Undefined lengths that never end.
        HostileInput(
            "undefined-length item that never ends", .truncated,
            part10(explicitLE, sequenceStart + item + le32(undefined) + sopClass)),
        HostileInput(
            "undefined-length sequence that never ends", .truncated,
            part10(explicitLE, sopClass + explicitHeader(0x0008, 0x1115, "SQ", length: undefined))),
        HostileInput(
            "encapsulated pixel data that never ends", .truncated,
            part10(
                "1.2.840.10008.1.2.4.50",
                explicitHeader(0x7FE0, 0x0010, "OB", length: undefined) + item + le32(0) + item + le32(4)
                    + [0xFF, 0xD8, 0xFF, 0xD9])),
        // Bad VR bytes and misplaced tags.
        HostileInput(
            "bad VR bytes in the data set", .invalidVR,
            part10(explicitLE, sopClass + [0x10, 0x00, 0x10, 0x00, 0x51, 0x21, 4, 0] + Array("A^B ".utf8))),
        HostileInput(
            "bad VR bytes in the meta group", .invalidVR,
            preamble + explicit(0x0002, 0x0001, "OB", [0, 1]) + [0x02, 0x00, 0x10, 0x00, 0x00, 0x00, 2, 0, 0x31, 0x00]),
        HostileInput("item delimiter at the top level", .invalidTag, part10(explicitLE, sopClass + itemEnd)),
        HostileInput("item where an element belongs", .invalidTag, part10(explicitLE, sopClass + item + le32(0))),
        HostileInput(
            "sequence delimiter in a sequence of defined length", .invalidTag,
            part10(explicitLE, explicitHeader(0x0008, 0x1115, "SQ", length: 8) + sequenceEnd)),
        // Transfer syntaxes.
        HostileInput("unknown transfer syntax", .unsupportedTransferSyntax, part10("1.2.3.4", sopClass)),
        HostileInput(
            "corrupt deflate stream", .deflate,
            part10("1.2.840.10008.1.2.1.99", [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x01, 0x02])),
    ]

    /// Inputs that must be read, and that cost more than linear time or stack in a naive reader.
    static var readable: [HostileInput] { strayDelimiters + manyFragments }

    static let strayDelimiters: [HostileInput] = [
        HostileInput(
            "10,000 stray sequence delimiters", nil,
            part10(
                explicitLE,
                Array(repeating: sequenceEnd, count: 10_000).flatMap { $0 }
                    + explicit(0x0010, 0x0010, "PN", Array("A^B ".utf8)))),
    ]

    /// A Part 10 file of `count` empty elements with distinct tags, in ascending or descending order.
    static func tagsInOrder(count: Int, descending: Bool) -> [UInt8] {
        let headers = (0..<count).map { index in
            implicitHeader(0x7000 - 2 * UInt16(index >> 15), 0xFFFF - UInt16(index & 0x7FFF), length: 0)
        }
        return part10(implicitLE, (descending ? headers : headers.reversed()).flatMap { $0 })
    }

    static let manyFragments: [HostileInput] = [
        HostileInput(
            "25,000 empty pixel data fragments", nil,
            part10(
                "1.2.840.10008.1.2.4.50",
                explicitHeader(0x7FE0, 0x0010, "OB", length: undefined)
                    + Array(repeating: item + le32(0), count: 25_000).flatMap { $0 } + sequenceEnd)),
    ]

    // MARK: - Encoding helpers

    static let preamble = [UInt8](repeating: 0, count: 128) + Array("DICM".utf8)

    static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    static func le32(_ value: UInt32) -> [UInt8] { le16(UInt16(value & 0xFFFF)) + le16(UInt16(value >> 16)) }

    static func explicitHeader(_ group: UInt16, _ element: UInt16, _ vr: String, length: UInt32) -> [UInt8] {
        let head = le16(group) + le16(element) + Array(vr.utf8)
        switch vr {
        case "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV":
            return head + [0, 0] + le32(length)
        default: return head + le16(UInt16(truncatingIfNeeded: length))
        }
    }

    static func explicit(_ group: UInt16, _ element: UInt16, _ vr: String, _ value: [UInt8]) -> [UInt8] {
        explicitHeader(group, element, vr, length: UInt32(value.count)) + value
    }

    static func implicitHeader(_ group: UInt16, _ element: UInt16, length: UInt32) -> [UInt8] {
        le16(group) + le16(element) + le32(length)
    }

    /// Preamble, "DICM", a meta group naming `transferSyntax`, then `dataSet`.
    static func part10(_ transferSyntax: String, _ dataSet: [UInt8]) -> [UInt8] {
        var uid = Array(transferSyntax.utf8)
        if uid.count % 2 == 1 { uid.append(0) }
        let syntax = explicit(0x0002, 0x0010, "UI", uid)
        return preamble + explicit(0x0002, 0x0000, "UL", le32(UInt32(syntax.count))) + syntax + dataSet
    }
}
