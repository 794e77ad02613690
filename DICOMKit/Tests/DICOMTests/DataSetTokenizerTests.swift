import DICOM
import DICOMCore
import DICOMDictionary
import NIOCore
import Testing

@Suite struct DataSetTokenizerTests {
    /// (0010,0010) PN "Doe^John", (0010,0020) LO "123 " in Explicit VR Little Endian.
    static let explicitLittle: [UInt8] =
        [0x10, 0x00, 0x10, 0x00, 0x50, 0x4E, 0x08, 0x00] + Array("Doe^John".utf8)
        + [0x10, 0x00, 0x20, 0x00, 0x4C, 0x4F, 0x04, 0x00] + Array("123 ".utf8)

    @Test func readsExplicitLittleEndianElements() throws {
        let tokens = try Self.tokens(Self.explicitLittle, syntax: .explicitVRLittleEndian)
        #expect(
            tokens == [
                .element(ElementHeader(tag: .patientName, vr: .PN, length: 8), ByteBuffer(string: "Doe^John")),
                .element(ElementHeader(tag: .patientID, vr: .LO, length: 4), ByteBuffer(string: "123 ")),
            ])
    }

    @Test func readsImplicitVRFromTheDictionary() throws {
        let bytes: [UInt8] = [0x28, 0x00, 0x10, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02]
        let tokens = try Self.tokens(bytes, syntax: .implicitVRLittleEndian)
        #expect(tokens == [.element(ElementHeader(tag: .rows, vr: .US, length: 2), ByteBuffer(bytes: [0x00, 0x02]))])
    }

    @Test func swapsBigEndianValuesToLittleEndian() throws {
        // (0028,0010) US 512 in Explicit VR Big Endian.
        let bytes: [UInt8] = [0x00, 0x28, 0x00, 0x10, 0x55, 0x53, 0x00, 0x02, 0x02, 0x00]
        let tokens = try Self.tokens(bytes, syntax: .explicitVRBigEndian)
        #expect(tokens == [.element(ElementHeader(tag: .rows, vr: .US, length: 2), ByteBuffer(bytes: [0x00, 0x02]))])
    }

    @Test func readsNestedSequencesOfBothLengthKinds() throws {
        var inner = DataSet()
        inner.insert(DataElement(tag: .codeValue, vr: .SH, asciiStrings: ["T-D1100"]))
        var definedItem = inner
        definedItem.hasUndefinedItemLength = false
        var outer = DataSet()
        outer.insert(DataElement(tag: .codeMeaning, vr: .LO, asciiStrings: ["Head"]))
        outer.insert(DataElement(tag: .conceptNameCodeSequence, items: [definedItem, inner], hasUndefinedLength: false))
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .contentSequence, items: [outer], hasUndefinedLength: true))
        dataSet.insert(DataElement(tag: .patientID, vr: .LO, asciiStrings: ["42"]))

        for syntax in [TransferSyntax.explicitVRLittleEndian, .implicitVRLittleEndian, .explicitVRBigEndian] {
            var encoded = ByteBuffer()
            try DataSetWriter(transferSyntax: syntax).write(dataSet, into: &encoded)
            let decoded = try Self.dataSet(Array(encoded.readableBytesView), syntax: syntax)
            #expect(decoded == dataSet, "\(syntax)")
            let sequence = try #require(decoded[.contentSequence]?.items?.first?[.conceptNameCodeSequence])
            #expect(sequence.hasUndefinedLength == false)
            #expect(sequence.items?.map(\.hasUndefinedItemLength) == [false, true])
        }
    }

    @Test func dripFedBytesGiveTheSameTokensAsWholeInput() throws {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .patientName, vr: .PN, asciiStrings: ["Doe^Jane"]))
        var item = DataSet()
        item.insert(DataElement(tag: .referencedSOPInstanceUID, vr: .UI, asciiStrings: ["1.2.3.4"]))
        dataSet.insert(DataElement(tag: .referencedImageSequence, items: [item, item], hasUndefinedLength: false))
        dataSet.insert(
            DataElement(
                tag: StructuralTag.pixelData, vr: .OB,
                value: .fragments(
                    PixelFragments(fragments: [ByteBuffer(bytes: [1, 2, 3, 4]), ByteBuffer(bytes: [5, 6])]))))
        var encoded = ByteBuffer()
        try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(dataSet, into: &encoded)
        let bytes = Array(encoded.readableBytesView)

        let whole = try Self.tokens(bytes, syntax: .explicitVRLittleEndian)
        var tokenizer = DataSetTokenizer(transferSyntax: .explicitVRLittleEndian)
        var buffer = ByteBuffer()
        var dripped: [DataSetToken] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            while let token = try tokenizer.next(&buffer) { dripped.append(token) }
        }
        try tokenizer.finish(remaining: buffer)
        #expect(dripped == whole)
        #expect(whole.count == 14)
    }

    @Test func streamsLongValuesInChunksThatJoinToTheValue() throws {
        let value = (0..<1000).map { UInt8(truncatingIfNeeded: $0) }
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .patientID, vr: .LO, asciiStrings: ["7"]))
        dataSet.insert(DataElement(tag: StructuralTag.pixelData, vr: .OW, bytes: ByteBuffer(bytes: value)))
        var encoded = ByteBuffer()
        try DataSetWriter(transferSyntax: .explicitVRBigEndian).write(dataSet, into: &encoded)

        var tokenizer = DataSetTokenizer(
            transferSyntax: .explicitVRBigEndian, configuration: .init(streamingThreshold: 100))
        var builder = DataSetBuilder()
        var input = ByteBuffer()
        var chunks = 0
        var remaining = encoded
        while remaining.readableBytes > 0 {
            var slice = remaining.readSlice(length: min(37, remaining.readableBytes)) ?? ByteBuffer()
            input.writeBuffer(&slice)
            while let token = try tokenizer.next(&input) {
                if case .valueChunk(let chunk, _) = token {
                    chunks += 1
                    #expect(chunk.readableBytes % 2 == 0, "big endian OW chunks keep whole words")
                }
                try builder.append(token)
            }
        }
        try tokenizer.finish(remaining: input)
        #expect(chunks > 10)
        #expect(try builder.finish() == dataSet)
    }

    @Test func stopsAtPixelDataWithoutReadingIt() throws {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: ["1.2.840.10008.5.1.4.1.1.7"]))
        dataSet.insert(DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: ["1.2.3"]))
        dataSet.insert(DataElement(tag: .rows, vr: .US, integers: [UInt16(4)]))
        dataSet.insert(DataElement(tag: StructuralTag.pixelData, vr: .OW, bytes: ByteBuffer(repeating: 7, count: 4096)))
        let encoded = try DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).encoded()
        // Only the first 600 bytes are available: enough for the header, not for the pixels.
        let header = encoded.getSlice(at: 0, length: 600) ?? ByteBuffer()
        var parser = Part10Parser(options: DICOMReadOptions(stopsBeforePixelData: true))
        var input = header
        guard case .finished(let file) = try parser.parse(&input, isEndOfInput: false) else {
            Issue.record("the parser wanted the pixel data")
            return
        }
        #expect(file.stoppedBeforePixelData)
        #expect(file.dataSet[.rows] == dataSet[.rows])
        #expect(file.dataSet[StructuralTag.pixelData] == nil)
    }

    @Test func acceptsAnItemThatOverrunsItsSequenceAsDCMTKDoes() throws {
        // A defined-length sequence of 16 bytes holding an item that claims 24: read up to the sequence's end.
        var bytes: [UInt8] = [0x08, 0x00, 0x40, 0x11, 0x53, 0x51, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00]
        bytes += [0xFE, 0xFF, 0x00, 0xE0, 0x18, 0x00, 0x00, 0x00]
        bytes += [0x08, 0x00, 0x50, 0x11, 0x55, 0x49, 0x00, 0x00]
        var tokenizer = DataSetTokenizer(transferSyntax: .explicitVRLittleEndian)
        var buffer = ByteBuffer(bytes: bytes)
        var builder = DataSetBuilder()
        while let token = try tokenizer.next(&buffer) { try builder.append(token) }
        try tokenizer.finish(remaining: buffer)
        #expect(tokenizer.warnings.map(\.code) == [.invalidLength])
        #expect(try builder.finish()[.referencedImageSequence]?.items?.count == 1)
    }

    static func tokens(_ bytes: [UInt8], syntax: TransferSyntax) throws -> [DataSetToken] {
        var tokenizer = DataSetTokenizer(transferSyntax: syntax)
        var buffer = ByteBuffer(bytes: bytes)
        var tokens: [DataSetToken] = []
        while let token = try tokenizer.next(&buffer) { tokens.append(token) }
        try tokenizer.finish(remaining: buffer)
        return tokens
    }

    static func dataSet(_ bytes: [UInt8], syntax: TransferSyntax) throws -> DataSet {
        var builder = DataSetBuilder()
        for token in try tokens(bytes, syntax: syntax) { try builder.append(token) }
        return try builder.finish()
    }
}
