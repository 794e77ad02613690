public import DICOMCore
import NIOCore

/// Assembles a `DataSet` from the tokens of a `DataSetTokenizer`.
///
/// Checks that tokens nest as an encoder would write them, joins streamed chunks (up to `maximumValueLength`), and
/// gives each sequence item the character set of the data set that encloses it (PS3.5 §7.5.3).
public struct DataSetBuilder: Sendable {
    private enum Frame: Sendable {
        case dataSet(DataSet)
        case sequence(ElementHeader, [DataSet])
        case pixelData(ElementHeader, PixelFragments?)
    }

    private enum PendingValue: Sendable {
        case element(ElementHeader, ByteBuffer)
        case fragment(ByteBuffer)
    }

    /// Values and fragments streamed longer than this are rejected instead of joined.
    public var maximumValueLength: Int
    private var frames: [Frame]
    private var pending: PendingValue?
    private var parsedCharacterSet: (value: ByteBuffer, characterSet: SpecificCharacterSet?)?

    public init(maximumValueLength: Int = Int(UInt32.max)) {
        self.maximumValueLength = maximumValueLength
        self.frames = [.dataSet(DataSet())]
        self.pending = nil
        self.parsedCharacterSet = nil
    }

    /// Whether every sequence and item that was opened has been closed.
    public var isComplete: Bool { frames.count == 1 && pending == nil }

    /// Adds one token. Throws `unexpectedToken` for a token that cannot come in the current state.
    public mutating func append(_ token: DataSetToken) throws(DICOMParseError) {
        switch token {
        case .element(let header, let value):
            try insert(DataElement(tag: header.tag, vr: header.vr, value: .bytes(value)))
        case .elementHeader(let header):
            try expectNoPendingValue(token)
            pending = .element(header, ByteBuffer())
        case .valueChunk(let chunk, let isLast):
            try appendChunk(chunk, isLast: isLast)
        case .sequenceStart(let header):
            try expectNoPendingValue(token)
            frames.append(.sequence(header, []))
        case .itemStart(let length):
            guard case .sequence = frames.last else { throw unexpected(token) }
            var item = DataSet()
            item.hasUndefinedItemLength = length == nil
            item.inheritedCharacterSet = enclosingCharacterSet()
            frames.append(.dataSet(item))
        case .itemEnd:
            guard frames.count >= 3, case .dataSet(let item) = frames.removeLast(),
                case .sequence(let header, var items) = frames.removeLast()
            else { throw unexpected(token) }
            items.append(item)
            frames.append(.sequence(header, items))
        case .sequenceEnd:
            guard case .sequence(let header, let items) = frames.last else { throw unexpected(token) }
            frames.removeLast()
            try insert(
                DataElement(tag: header.tag, vr: header.vr, value: .sequence(items), hasUndefinedLength: header.length == nil))
        case .encapsulatedPixelDataStart(let header):
            try expectNoPendingValue(token)
            frames.append(.pixelData(header, nil))
        case .fragment(let bytes):
            try appendFragment(bytes, token: token)
        case .fragmentHeader:
            guard case .pixelData = frames.last, pending == nil else { throw unexpected(token) }
            pending = .fragment(ByteBuffer())
        case .encapsulatedPixelDataEnd:
            guard case .pixelData(let header, let fragments) = frames.last, pending == nil else {
                throw unexpected(token)
            }
            frames.removeLast()
            try insert(
                DataElement(tag: header.tag, vr: header.vr, value: .fragments(fragments ?? PixelFragments(fragments: []))))
        }
    }

    /// Inserts an element that the reader resolved itself (a bulk data reference), in place of streamed tokens.
    public mutating func insert(_ element: DataElement) throws(DICOMParseError) {
        guard case .dataSet(var dataSet) = frames.last else {
            throw DICOMParseError(.unexpectedToken, "element \(element.tag) outside a data set or item")
        }
        frames[frames.count - 1] = .dataSet(DataSet())  // release the frame's copy so that the insert is in place
        if let last = dataSet.elements.last, element.tag <= last.tag {
            // Out of order or repeated tags: keep the first of a repeated tag, as pydicom and DCMTK do.
            if dataSet.contains(element.tag) {
                frames[frames.count - 1] = .dataSet(dataSet)
                return
            }
        }
        dataSet.insert(element)
        frames[frames.count - 1] = .dataSet(dataSet)
    }

    /// Marks the value being streamed as skipped: the reader has replaced it (by a bulk data reference).
    public mutating func discardPendingValue() {
        pending = nil
    }

    /// The data set built so far, with any open items or sequences left out.
    public var dataSet: DataSet {
        if case .dataSet(let root) = frames.first { return root }
        return DataSet()
    }

    /// The finished data set; throws when a sequence, item or value is still open.
    public func finish() throws(DICOMParseError) -> DataSet {
        guard isComplete else {
            throw DICOMParseError(.truncated, "the data set ends inside a sequence, an item or a value")
        }
        return dataSet
    }

    private mutating func appendChunk(_ chunk: ByteBuffer, isLast: Bool) throws(DICOMParseError) {
        guard let current = pending else { throw unexpected(.valueChunk(chunk, isLast: isLast)) }
        pending = nil
        switch current {
        case .element(let header, var value):
            try accumulate(chunk, into: &value, tag: header.tag)
            if isLast {
                try insert(DataElement(tag: header.tag, vr: header.vr, value: .bytes(value)))
            } else {
                pending = .element(header, value)
            }
        case .fragment(var value):
            try accumulate(chunk, into: &value, tag: StructuralTag.pixelData)
            if isLast {
                try appendFragment(value, token: .fragment(value))
            } else {
                pending = .fragment(value)
            }
        }
    }

    private func accumulate(_ chunk: ByteBuffer, into value: inout ByteBuffer, tag: Tag) throws(DICOMParseError) {
        guard value.readableBytes + chunk.readableBytes <= maximumValueLength else {
            throw DICOMParseError(
                .valueTooLong, "value longer than the limit of \(maximumValueLength) bytes", tagPath: [tag])
        }
        if value.readableBytes == 0 {
            value = chunk
        } else {
            var chunk = chunk
            value.writeBuffer(&chunk)
        }
    }

    private mutating func appendFragment(_ bytes: ByteBuffer, token: DataSetToken) throws(DICOMParseError) {
        guard case .pixelData(let header, var fragments) = frames.last else { throw unexpected(token) }
        // Release the frame's copy first, so that the append is in place rather than a copy per fragment.
        frames[frames.count - 1] = .pixelData(header, nil)
        if fragments == nil {
            fragments = PixelFragments(offsetTable: bytes, fragments: [])
        } else {
            fragments?.fragments.append(bytes)
        }
        frames[frames.count - 1] = .pixelData(header, fragments)
    }

    /// The character set an item starting now inherits: that of the nearest enclosing data set. The last parsed
    /// (0008,0005) value is cached, since every item of a sequence asks for the same one.
    private mutating func enclosingCharacterSet() -> SpecificCharacterSet? {
        for frame in frames.reversed() {
            guard case .dataSet(let dataSet) = frame else { continue }
            guard let value = dataSet[StructuralTag.specificCharacterSet]?.bytes else {
                return dataSet.inheritedCharacterSet
            }
            if let cached = parsedCharacterSet, cached.value == value { return cached.characterSet }
            let characterSet = SpecificCharacterSet(encodedValue: value)
            let inherited = characterSet.isDefaultRepertoire ? nil : characterSet
            parsedCharacterSet = (value, inherited)
            return inherited
        }
        return nil
    }

    private func expectNoPendingValue(_ token: DataSetToken) throws(DICOMParseError) {
        guard pending == nil else { throw unexpected(token) }
    }

    private func unexpected(_ token: DataSetToken) -> DICOMParseError {
        DICOMParseError(.unexpectedToken, "token \(Self.name(of: token)) cannot come here")
    }

    private static func name(of token: DataSetToken) -> String {
        switch token {
        case .element(let header, _): "element \(header.tag)"
        case .elementHeader(let header): "element header \(header.tag)"
        case .sequenceStart(let header): "sequence start \(header.tag)"
        case .itemStart: "item start"
        case .itemEnd: "item end"
        case .sequenceEnd: "sequence end"
        case .encapsulatedPixelDataStart: "encapsulated pixel data start"
        case .fragment: "fragment"
        case .fragmentHeader: "fragment header"
        case .encapsulatedPixelDataEnd: "encapsulated pixel data end"
        case .valueChunk: "value chunk"
        }
    }
}
