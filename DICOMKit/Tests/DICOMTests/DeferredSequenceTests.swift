import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import NIOCore
import Testing

// `DICOMReadOptions.defersSequences`: top-level sequences kept as their bytes and built when first read. The
// contract under test: deferring changes when items are built, never what is read. A file gives the same data set,
// the same warnings, the same error and the same written bytes with and without it; items are built with the
// character set of their enclosing data set; changing a value replaces the deferred sequence in that copy only; and
// bytes that are malformed after all (only a reader bug could defer them) give a typed error, never a crash.

@Suite("Deferred sequences")
struct DeferredSequenceTests {
    private static let deferring = DICOMReadOptions(defersSequences: true)

    @Test("pydicom's files read, fail and write back the same deferred as eager", arguments: PydicomTestData.arguments)
    func pydicomFilesReadAlike(_ name: String) throws {
        let path = try PydicomTestData.path(of: name)
        for stops in [false, true] {
            let eager = Result { () throws(DICOMFileError) in
                try DICOMFile(contentsOf: path, options: DICOMReadOptions(stopsBeforePixelData: stops))
            }
            let deferred = Result { () throws(DICOMFileError) in
                try DICOMFile(
                    contentsOf: path, options: DICOMReadOptions(stopsBeforePixelData: stops, defersSequences: true))
            }
            try Self.expectAlike(eager, deferred, "\(name), stopsBeforePixelData \(stops)")
        }
    }

    @Test("hostile input is rejected with the same error, whole and drip-fed", arguments: HostileInput.all)
    func hostileInputRejectedAlike(_ input: HostileInput) throws {
        let bytes = ByteBuffer(bytes: input.bytes)
        let eager = Result { () throws(DICOMParseError) in try DICOMFile(bytes: bytes) }
        let deferred = Result { () throws(DICOMParseError) in try DICOMFile(bytes: bytes, options: Self.deferring) }
        let dripFed = Result { () throws(DICOMParseError) in try Self.dripFeed(bytes, options: Self.deferring) }
        #expect(Self.describe(deferred) == Self.describe(eager))
        #expect(Self.describe(dripFed) == Self.describe(eager))
    }

    @Test("nested sequences of undefined length: items built on access, with the enclosing character set")
    func nestedItemsBuiltOnAccess() throws {
        let file = try DICOMFile(bytes: try Self.sampleFile().encoded(), options: Self.deferring)
        let element = try #require(file.dataSet[.procedureCodeSequence])
        let deferred = try #require(element.deferredSequence)
        #expect(deferred.encodedValue.readableBytes > 0)
        #expect(element.hasUndefinedLength)
        let items = try #require(element.items)
        #expect(items.count == 2)
        #expect(items[0].string(.codeMeaning) == "Hôpital É")
        let nested = try #require(items[1][.purposeOfReferenceCodeSequence]?.items)
        #expect(nested.first?.string(.codeMeaning) == "Côté")
        // A file read eagerly gives the same, and so do the bytes it writes.
        let eager = try DICOMFile(bytes: try Self.sampleFile().encoded())
        let sameDataSet = file.dataSet == eager.dataSet
        #expect(sameDataSet)
        #expect(try file.encoded() == eager.encoded())
    }

    @Test("setting a value replaces the deferred sequence in that copy only")
    func mutationReplacesTheDeferredSequence() throws {
        let file = try DICOMFile(bytes: try Self.sampleFile().encoded(), options: Self.deferring)
        var changed = file.dataSet
        var element = try #require(changed[.procedureCodeSequence])
        var items = try #require(element.items)
        items.removeLast()
        element.value = .sequence(items)
        changed[.procedureCodeSequence] = element
        #expect(changed[.procedureCodeSequence]?.deferredSequence == nil)
        #expect(changed[.procedureCodeSequence]?.items?.count == 1)
        #expect(file.dataSet[.procedureCodeSequence]?.deferredSequence != nil)
        #expect(file.dataSet[.procedureCodeSequence]?.items?.count == 2)
        // What is written is the change, and reads back as it.
        let written = try DICOMFile(dataSet: changed, transferSyntax: .explicitVRLittleEndian).encoded()
        let readBack = try DICOMFile(bytes: written, options: Self.deferring).dataSet == changed
        #expect(readBack)
    }

    @Test("drip-fed input defers the same sequences", arguments: [1, 7, 100])
    func dripFedDefersAlike(_ chunk: Int) throws {
        let bytes = try Self.sampleFile().encoded()
        let whole = try DICOMFile(bytes: bytes, options: Self.deferring)
        let dripFed = try Self.dripFeed(bytes, options: Self.deferring, chunk: chunk)
        #expect(dripFed.dataSet[.procedureCodeSequence]?.deferredSequence != nil)
        let same = dripFed == whole
        #expect(same)
    }

    @Test("big-endian and implicit VR sequences are built in their own encoding")
    func otherEncodings() throws {
        for syntax in [TransferSyntax.explicitVRBigEndian, .implicitVRLittleEndian] {
            var sample = try Self.sampleFile()
            sample.transferSyntax = syntax
            let bytes = try sample.encoded()
            let eager = try DICOMFile(bytes: bytes)
            let deferred = try DICOMFile(bytes: bytes, options: Self.deferring)
            #expect(deferred.dataSet[.procedureCodeSequence]?.deferredSequence != nil)
            let sameDataSet = deferred.dataSet == eager.dataSet
            #expect(sameDataSet, "\(syntax)")
            #expect(try deferred.encoded() == bytes, "\(syntax)")
        }
    }

    @Test("malformed deferred bytes give a typed error on access, and read as their bytes")
    func malformedBytesFoundOnAccess() throws {
        // An SQ header of defined length, tokenized so that the tokenizer stands at its first item; then content
        // that is not an item at all, deferred as if a reader had let it through.
        var header = ByteBuffer(bytes: [0x08, 0x00, 0x32, 0x10, 0x53, 0x51, 0, 0, 16, 0, 0, 0])
        var tokenizer = DataSetTokenizer(transferSyntax: .explicitVRLittleEndian)
        guard case .sequenceStart(let sequenceHeader)? = try tokenizer.next(&header) else {
            Issue.record("no sequence start")
            return
        }
        let malformed = ByteBuffer(bytes: [0x10, 0x00, 0x10, 0x00, 0x50, 0x4E, 8, 0] + Array("NOT^ITEM".utf8))
        var builder = DataSetBuilder()
        try builder.insertDeferredSequence(sequenceHeader, encodedValue: malformed, tokenizer: tokenizer)
        let element = try #require(try builder.finish()[.procedureCodeSequence])

        #expect(element.value == .bytes(malformed))
        #expect(element.items == nil)
        do {
            _ = try element.decodedValue()
            Issue.record("no error")
        } catch {
            #expect(error.code == .invalidTag)
            #expect(error.offset == 12)
            #expect(error.tagPath == [.procedureCodeSequence])
        }
        var dataSet = DataSet()
        dataSet.insert(element)
        #expect(throws: DICOMParseError.self) {
            try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(dataSet, into: &header)
        }
    }

    // MARK: - Helpers

    /// A data set with Latin-1 text (ISO_IR 100), a two-item sequence of undefined length whose second item nests
    /// another sequence, and Pixel Data after them.
    static func sampleFile() throws -> DICOMFile {
        func text(_ tag: DICOMCore.Tag, _ vr: VR, _ value: String) -> DataElement {
            var bytes = Array(value.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) })
            if bytes.count % 2 == 1 { bytes.append(0x20) }
            return DataElement(tag: tag, vr: vr, bytes: ByteBuffer(bytes: bytes))
        }
        let nested = DataSet([text(.codeValue, .SH, "C1"), text(.codeMeaning, .LO, "Côté")])
        let first = DataSet([text(.codeValue, .SH, "A1"), text(.codeMeaning, .LO, "Hôpital É")])
        var second = DataSet([text(.codeValue, .SH, "B2")])
        second.insert(DataElement(tag: .purposeOfReferenceCodeSequence, items: [nested]))
        var dataSet = DataSet([
            text(.specificCharacterSet, .CS, "ISO_IR 100"), text(.patientName, .PN, "Müller^Zoë"),
            DataElement(tag: .procedureCodeSequence, items: [first, second]),
            DataElement(tag: .pixelData, vr: .OW, bytes: ByteBuffer(repeating: 7, count: 64)),
        ])
        dataSet.insert(text(.sopInstanceUID, .UI, "1.2.3.4"))
        return DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian)
    }

    /// Reads `bytes` through a `Part10Parser` fed `chunk` bytes at a time.
    static func dripFeed(_ bytes: ByteBuffer, options: DICOMReadOptions, chunk: Int = 7) throws(DICOMParseError)
        -> DICOMFile
    {
        var parser = Part10Parser(options: options)
        var source = bytes
        var buffer = ByteBuffer()
        while true {
            let isEndOfInput = source.readableBytes == 0
            switch try parser.parse(&buffer, isEndOfInput: isEndOfInput) {
            case .finished(let file):
                return file
            case .skipInput:
                throw DICOMParseError(.unexpectedToken, "no input is skipped for bytes in memory")
            case .needsMoreInput:
                if isEndOfInput { throw DICOMParseError(.truncated, "needs more input at the end") }
                var next = source.readSlice(length: min(chunk, source.readableBytes)) ?? ByteBuffer()
                buffer.writeBuffer(&next)
            }
        }
    }

    /// An outcome as text: the error without the source line that threw it, or the file's parts.
    static func describe<Failure: Error>(_ result: Result<DICOMFile, Failure>) -> String {
        switch result {
        case .success(let file): "read \(file.dataSet.count) elements, \(file.warnings.count) warnings"
        case .failure(let error as DICOMParseError):
            "failed: \(error.code) at \(error.offset.map(String.init) ?? "?") in \(error.tagPath): \(error.reason)"
        case .failure(let error): "failed: \(error)"
        }
    }

    static func expectAlike(
        _ eager: Result<DICOMFile, DICOMFileError>, _ deferred: Result<DICOMFile, DICOMFileError>, _ what: String
    ) throws {
        switch (eager, deferred) {
        case (.success(let eager), .success(let deferred)):
            let sameDataSet = deferred.dataSet == eager.dataSet
            #expect(sameDataSet, "\(what): data sets differ")
            #expect(deferred.warnings.map(\.reason) == eager.warnings.map(\.reason), "\(what): warnings differ")
            #expect(deferred.stoppedBeforePixelData == eager.stoppedBeforePixelData, "\(what)")
            let eagerBytes = Result { () throws(DICOMParseError) in try eager.encoded() }
            let deferredBytes = Result { () throws(DICOMParseError) in try deferred.encoded() }
            #expect(
                (try? deferredBytes.get()) == (try? eagerBytes.get()), "\(what): written bytes differ")
        case (.failure(.parse(_, let eager)), .failure(.parse(_, let deferred))):
            #expect(deferred.code == eager.code && deferred.offset == eager.offset, "\(what): \(deferred) vs \(eager)")
            #expect(deferred.tagPath == eager.tagPath && deferred.reason == eager.reason, "\(what)")
        case (.failure(let eager), .failure(let deferred)):
            #expect(deferred == eager, "\(what)")
        default:
            Issue.record("\(what): eager \(eager), deferred \(deferred)")
        }
    }
}
