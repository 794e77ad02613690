import NIOCore

/// An ordered collection of data elements, at most one per tag, sorted by tag (PS3.5 §7).
///
/// A value type: copying is cheap until one copy changes. Lookup is a binary search; appending in tag order,
/// which is how parsers build data sets, is constant time.
public struct DataSet: Hashable, Sendable {
    @usableFromInline
    internal var storage: [DataElement]

    /// For an item of a sequence: whether it was, or is to be, encoded with an undefined length and an Item
    /// Delimitation Item. Ignored for top-level data sets and by equality.
    public var hasUndefinedItemLength: Bool

    /// The Specific Character Set of the enclosing data set, for an item that has no (0008,0005) of its own
    /// (PS3.5 §7.5.3). Set by parsers; ignored by equality.
    public var inheritedCharacterSet: SpecificCharacterSet?

    public init() {
        self.storage = []
        self.hasUndefinedItemLength = true
        self.inheritedCharacterSet = nil
    }

    public init(_ elements: some Sequence<DataElement>) {
        self.init()
        for element in elements { self[element.tag] = element }
    }

    /// A data set of elements in the order they were encoded, as a parser meets them.
    ///
    /// PS3.5 §7.1 requires ascending tags; elements that break it are sorted here (n log n whatever their order),
    /// and of a repeated tag the first is kept, as pydicom and DCMTK do.
    public init(keepingFirstOf elements: [DataElement]) {
        self.init()
        var isAscending = true
        var index = 1
        while index < elements.count {
            if elements[index].tag <= elements[index - 1].tag {
                isAscending = false
                break
            }
            index += 1
        }
        guard !isAscending else {
            storage = elements
            return
        }
        var order = Array(elements.indices)
        order.sort { elements[$0].tag < elements[$1].tag || (elements[$0].tag == elements[$1].tag && $0 < $1) }
        storage.reserveCapacity(elements.count)
        var lastTag: Tag?
        for index in order where elements[index].tag != lastTag {
            storage.append(elements[index])
            lastTag = elements[index].tag
        }
    }

    /// The elements in tag order.
    @inlinable
    public var elements: [DataElement] { storage }

    @inlinable
    public var count: Int { storage.count }

    @inlinable
    public var isEmpty: Bool { storage.isEmpty }

    /// The element with the tag, if present. Setting nil removes it; setting an element replaces any other with
    /// the same tag. The element's own tag must equal the subscript's; a mismatched one is stored under its own.
    @inlinable
    public subscript(tag: Tag) -> DataElement? {
        get {
            guard let index = index(of: tag) else { return nil }
            return storage[index]
        }
        set {
            if let newValue {
                insert(newValue)
            } else if let index = index(of: tag) {
                storage.remove(at: index)
            }
        }
    }

    /// Whether an element with the tag is present.
    @inlinable
    public func contains(_ tag: Tag) -> Bool { index(of: tag) != nil }

    /// Inserts the element, replacing any element with the same tag.
    @inlinable
    public mutating func insert(_ element: DataElement) {
        if let last = storage.last, last.tag < element.tag {
            storage.append(element)
            return
        }
        let position = insertionPoint(for: element.tag)
        if position < storage.count, storage[position].tag == element.tag {
            storage[position] = element
        } else {
            storage.insert(element, at: position)
        }
    }

    /// Removes and returns the element with the tag.
    @discardableResult
    @inlinable
    public mutating func remove(_ tag: Tag) -> DataElement? {
        guard let index = index(of: tag) else { return nil }
        return storage.remove(at: index)
    }

    /// Removes every element that the predicate selects.
    public mutating func removeAll(where shouldRemove: (DataElement) throws -> Bool) rethrows {
        try storage.removeAll(where: shouldRemove)
    }

    /// The elements whose tags lie in the range, in order.
    public func elements(in range: ClosedRange<Tag>) -> ArraySlice<DataElement> {
        let start = insertionPoint(for: range.lowerBound)
        var end = start
        while end < storage.count, storage[end].tag <= range.upperBound { end += 1 }
        return storage[start..<end]
    }

    /// The Specific Character Set in effect for this data set: its own (0008,0005), else the inherited one,
    /// else the default repertoire.
    public var characterSet: SpecificCharacterSet {
        if let element = self[StructuralTag.specificCharacterSet], let bytes = element.bytes {
            return SpecificCharacterSet(encodedValue: bytes)
        }
        return inheritedCharacterSet ?? .defaultRepertoire
    }

    @inlinable
    internal func index(of tag: Tag) -> Int? {
        let position = insertionPoint(for: tag)
        return position < storage.count && storage[position].tag == tag ? position : nil
    }

    @inlinable
    internal func insertionPoint(for tag: Tag) -> Int {
        var low = 0
        var high = storage.count
        while low < high {
            let middle = (low + high) / 2
            if storage[middle].tag < tag { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Equality compares the elements only, not how items were delimited or what character set was inherited.
    public static func == (lhs: DataSet, rhs: DataSet) -> Bool { lhs.storage == rhs.storage }

    public func hash(into hasher: inout Hasher) { hasher.combine(storage) }
}

extension DataSet: RandomAccessCollection {
    public typealias Index = Int

    @inlinable
    public var startIndex: Int { storage.startIndex }

    @inlinable
    public var endIndex: Int { storage.endIndex }

    @inlinable
    public subscript(position: Int) -> DataElement { storage[position] }
}

extension DataSet {
    /// The private creator element's value that reserves `tag`'s block, e.g. "SIEMENS CSA HEADER", or nil when the
    /// tag is not a private data element or its block has no creator (PS3.5 §7.8.1).
    public func privateCreator(of tag: Tag) -> String? {
        guard let creatorTag = tag.privateCreatorTag, let bytes = self[creatorTag]?.bytes else { return nil }
        return ValueText.trimmed(String(decoding: bytes.readableBytesView, as: UTF8.self), vr: .LO)
    }

    /// The tag of private element `element` (the low byte, 0x00–0xFF) of `creator`'s block in `group`, or nil when
    /// no block in that group is reserved by that creator.
    public func privateTag(creator: String, group: UInt16, element: UInt8) -> Tag? {
        for block in UInt16(0x10)...UInt16(0xFF) {
            let creatorTag = Tag(group: group, element: block)
            guard let bytes = self[creatorTag]?.bytes else { continue }
            let value = ValueText.trimmed(String(decoding: bytes.readableBytesView, as: UTF8.self), vr: .LO)
            if value == creator { return Tag(group: group, element: block << 8 | UInt16(element)) }
        }
        return nil
    }
}
