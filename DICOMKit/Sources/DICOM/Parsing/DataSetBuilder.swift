public import DICOMCore
package import NIOCore

/// Assembles a `DataSet` from the tokens of a `DataSetTokenizer`.
///
/// Checks that tokens nest as an encoder would write them, joins streamed chunks (up to `maximumValueLength`), and
/// gives each sequence item the character set of the data set that encloses it (PS3.5 §7.5.3). Elements are
/// appended as they come; a data set whose tags came out of order (PS3.5 §7.1 requires ascending order) is sorted
/// once when it ends, keeping the first of a repeated tag as pydicom and DCMTK do, so any order costs n log n.
public struct DataSetBuilder: Sendable {
    /// A data set or item whose elements are still arriving.
    private struct OpenDataSet: Sendable {
        var elements: [DataElement] = []
        var hasUndefinedItemLength = true
        var inheritedCharacterSet: SpecificCharacterSet?
        /// The value of the first (0008,0005) among the elements (nil if that one holds no bytes), kept so that
        /// items need not search for it.
        var characterSetValue: ByteBuffer?
        var hasCharacterSet = false

        mutating func append(_ element: consuming DataElement) {
            if element.tag == StructuralTag.specificCharacterSet, !hasCharacterSet {
                hasCharacterSet = true
                characterSetValue = element.bytes
            }
            elements.append(element)
        }

        func finished() -> DataSet {
            var dataSet = DataSet(keepingFirstOf: elements)
            dataSet.hasUndefinedItemLength = hasUndefinedItemLength
            dataSet.inheritedCharacterSet = inheritedCharacterSet
            return dataSet
        }
    }

    /// An open sequence (or encapsulated pixel data), with the data set it belongs to set aside until it ends.
    private struct OpenContainer: Sendable {
        var header: ElementHeader
        var isPixelData: Bool
        /// The finished items of a sequence.
        var items: [DataSet] = []
        /// Whether an item of this sequence is open (it is then the builder's `current`).
        var isInItem = false
        /// The offset table and fragments of encapsulated pixel data, once its first item has come.
        var fragments: PixelFragments?
        var parent: OpenDataSet
        /// What items of this sequence inherit when they have no (0008,0005) of their own.
        var itemCharacterSet: SpecificCharacterSet?
        /// The element count of the last item: items of one sequence mostly hold the same attributes, so the next
        /// one reserves that much room at once instead of growing one append at a time.
        var itemCapacity = 0
    }

    private enum PendingValue: Sendable {
        case element(ElementHeader, ByteBuffer)
        case fragment(ByteBuffer)
    }

    /// Values and fragments streamed longer than this are rejected instead of joined.
    public var maximumValueLength: Int
    /// The data set receiving elements: the top level, or the innermost open item.
    private var current: OpenDataSet
    /// Open sequences and pixel data, outermost first.
    private var containers: [OpenContainer]
    /// Whether `current` may take elements: no container is open, or the innermost is a sequence with an open item.
    private var acceptsElements: Bool
    private var pending: PendingValue?
    private var parsedCharacterSet: (value: ByteBuffer, characterSet: SpecificCharacterSet?)?

    /// Room reserved for the top-level elements: most headers hold 50-200 (a CT image about 120), so this saves
    /// the first six doublings of the array.
    private static let topLevelCapacity = 64

    /// Room reserved for the first item of a sequence, before any item tells how many to expect: most items of
    /// the functional group sequences that fill multi-frame headers hold one to four elements.
    private static let firstItemCapacity = 4

    public init(maximumValueLength: Int = Int(UInt32.max)) {
        self.maximumValueLength = maximumValueLength
        self.current = OpenDataSet()
        self.current.elements.reserveCapacity(Self.topLevelCapacity)
        self.containers = []
        self.acceptsElements = true
        self.pending = nil
        self.parsedCharacterSet = nil
    }

    /// Whether every sequence and item that was opened has been closed.
    public var isComplete: Bool { containers.isEmpty && pending == nil }

    /// Adds one token. Throws `unexpectedToken` for a token that cannot come in the current state.
    public mutating func append(_ token: DataSetToken) throws(DICOMParseError) {
        switch token {
        case .element(let header, let value):
            try insert(DataElement(tag: header.tag, vr: header.vr, value: .bytes(value)))
        case .elementHeader(let header):
            try expectNoPendingValue("element header \(header.tag)")
            pending = .element(header, ByteBuffer())
        case .valueChunk(let chunk, let isLast):
            try appendChunk(chunk, isLast: isLast)
        case .sequenceStart(let header):
            try expectNoPendingValue("sequence start \(header.tag)")
            guard acceptsElements else { throw unexpected("sequence start \(header.tag)") }
            open(header, isPixelData: false, itemCharacterSet: characterSetForItems(of: current))
        case .itemStart(let length):
            guard let index = containers.indices.last, !containers[index].isPixelData, !containers[index].isInItem
            else { throw unexpected("item start") }
            containers[index].isInItem = true
            current = OpenDataSet(
                hasUndefinedItemLength: length == nil, inheritedCharacterSet: containers[index].itemCharacterSet)
            current.elements.reserveCapacity(max(containers[index].itemCapacity, Self.firstItemCapacity))
            acceptsElements = true
        case .itemEnd:
            guard pending == nil, let index = containers.indices.last, containers[index].isInItem else {
                throw unexpected("item end")
            }
            var item = OpenDataSet()
            swap(&item, &current)
            containers[index].itemCapacity = item.elements.count
            containers[index].items.append(item.finished())
            containers[index].isInItem = false
            acceptsElements = false
        case .sequenceEnd:
            guard let index = containers.indices.last, !containers[index].isPixelData, !containers[index].isInItem
            else { throw unexpected("sequence end") }
            let sequence = close()
            try insert(
                DataElement(
                    tag: sequence.header.tag, vr: sequence.header.vr, value: .sequence(sequence.items),
                    hasUndefinedLength: sequence.header.length == nil))
        case .encapsulatedPixelDataStart(let header):
            try expectNoPendingValue("encapsulated pixel data start")
            guard acceptsElements else { throw unexpected("encapsulated pixel data start") }
            open(header, isPixelData: true, itemCharacterSet: nil)
        case .fragment(let bytes):
            try appendFragment(bytes)
        case .fragmentHeader:
            guard containers.last?.isPixelData == true, pending == nil else { throw unexpected("fragment header") }
            pending = .fragment(ByteBuffer())
        case .encapsulatedPixelDataEnd:
            guard containers.last?.isPixelData == true, pending == nil else {
                throw unexpected("encapsulated pixel data end")
            }
            let pixelData = close()
            try insert(
                DataElement(
                    tag: pixelData.header.tag, vr: pixelData.header.vr,
                    value: .fragments(pixelData.fragments ?? PixelFragments(fragments: []))))
        }
    }

    /// Inserts an element that the reader resolved itself (a bulk data reference), in place of streamed tokens.
    public mutating func insert(_ element: consuming DataElement) throws(DICOMParseError) {
        guard acceptsElements else {
            throw DICOMParseError(.unexpectedToken, "element \(element.tag) outside a data set or item")
        }
        current.append(element)
    }

    /// Inserts a sequence that the reader keeps encoded (`DICOMReadOptions.defersSequences`): `encodedValue` is its
    /// content, which `tokenizer`, as it stood after the sequence's header, has already walked without error. Its
    /// items are built from those bytes by the same tokenizer and a builder like this one when first read, so they
    /// come out as an eager read would have built them, the character set their enclosing data set gives included.
    package mutating func insertDeferredSequence(
        _ header: ElementHeader, encodedValue: ByteBuffer, tokenizer: DataSetTokenizer
    ) throws(DICOMParseError) {
        let itemCharacterSet = characterSetForItems(of: current)
        let sequence = DeferredSequence(encodedValue: encodedValue) { bytes throws(DICOMParseError) in
            try Self.items(of: header, encodedAs: bytes, tokenizer: tokenizer, itemCharacterSet: itemCharacterSet)
        }
        try insert(
            DataElement(
                tag: header.tag, vr: header.vr, deferredSequence: sequence, hasUndefinedLength: header.length == nil))
    }

    /// The items of a deferred sequence: its content tokenized from where its header left `tokenizer`.
    private static func items(
        of header: ElementHeader, encodedAs bytes: ByteBuffer, tokenizer: DataSetTokenizer,
        itemCharacterSet: SpecificCharacterSet?
    ) throws(DICOMParseError) -> [DataSet] {
        var tokenizer = tokenizer
        var buffer = bytes
        var builder = DataSetBuilder()
        builder.open(header, isPixelData: false, itemCharacterSet: itemCharacterSet)
        while !tokenizer.isAtTopLevelBoundary {
            guard let token = try tokenizer.next(&buffer, insertingElementsInto: &builder) else {
                try tokenizer.finish(remaining: buffer)
                throw DICOMParseError(.truncated, "sequence \(header.tag) ends early", tagPath: [header.tag])
            }
            try builder.append(token)
        }
        return try builder.finish().first?.items ?? []
    }

    /// Marks the value being streamed as skipped: the reader has replaced it (by a bulk data reference).
    public mutating func discardPendingValue() {
        pending = nil
    }

    /// The data set built so far, with any open items or sequences left out.
    public var dataSet: DataSet {
        (containers.first?.parent ?? current).finished()
    }

    /// The finished data set; throws when a sequence, item or value is still open.
    public func finish() throws(DICOMParseError) -> DataSet {
        guard isComplete else {
            throw DICOMParseError(.truncated, "the data set ends inside a sequence, an item or a value")
        }
        return current.finished()
    }

    /// Sets `current` aside in a new innermost container, which takes no elements until an item opens. The data
    /// set is swapped in, not copied: a copy would retain and release each of its references.
    private mutating func open(_ header: ElementHeader, isPixelData: Bool, itemCharacterSet: SpecificCharacterSet?) {
        containers.append(
            OpenContainer(
                header: header, isPixelData: isPixelData, parent: OpenDataSet(), itemCharacterSet: itemCharacterSet))
        swap(&containers[containers.count - 1].parent, &current)
        acceptsElements = false
    }

    /// Closes the innermost container and returns it: the data set it was set aside from receives elements again.
    private mutating func close() -> OpenContainer {
        var container = containers.removeLast()
        swap(&current, &container.parent)
        acceptsElements = true
        return container
    }

    private mutating func appendChunk(_ chunk: ByteBuffer, isLast: Bool) throws(DICOMParseError) {
        guard let current = pending else { throw unexpected("value chunk") }
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
                try appendFragment(value)
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

    private mutating func appendFragment(_ bytes: ByteBuffer) throws(DICOMParseError) {
        guard let index = containers.indices.last, containers[index].isPixelData else { throw unexpected("fragment") }
        if containers[index].fragments == nil {
            containers[index].fragments = PixelFragments(offsetTable: bytes, fragments: [])
        } else {
            containers[index].fragments?.fragments.append(bytes)
        }
    }

    /// The character set that items of a sequence starting in `dataSet` inherit: its own (0008,0005), else what it
    /// inherited itself; nil for the default repertoire. The last parsed value is cached, since sequences of one
    /// data set, and of its items, mostly see the same one.
    private mutating func characterSetForItems(of dataSet: OpenDataSet) -> SpecificCharacterSet? {
        guard let value = dataSet.characterSetValue else { return dataSet.inheritedCharacterSet }
        if let cached = parsedCharacterSet, cached.value == value { return cached.characterSet }
        let characterSet = SpecificCharacterSet(encodedValue: value)
        let inherited = characterSet.isDefaultRepertoire ? nil : characterSet
        parsedCharacterSet = (value, inherited)
        return inherited
    }

    private func expectNoPendingValue(_ token: @autoclosure () -> String) throws(DICOMParseError) {
        guard pending == nil else { throw unexpected(token()) }
    }

    private func unexpected(_ token: String) -> DICOMParseError {
        DICOMParseError(.unexpectedToken, "token \(token) cannot come here")
    }
}
