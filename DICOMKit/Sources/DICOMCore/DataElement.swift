public import NIOCore

/// One attribute of a data set: its tag, its VR and its value.
///
/// PS3.5 §7.1. Values keep the bytes as they were encoded, in little-endian order whatever the transfer syntax,
/// padding included, so that reading then writing gives the same bytes. Typed views decode them on demand.
public struct DataElement: Hashable, Sendable {
    public var tag: Tag
    public var vr: VR
    /// Whether the element was, or is to be, encoded with an undefined length and a delimiter. Only sequences,
    /// encapsulated pixel data and UN values holding an implicit VR sequence have one.
    public var hasUndefinedLength: Bool
    @usableFromInline
    internal var content: Content

    /// The value as held: decoded, or a sequence whose items are still encoded.
    @usableFromInline
    internal enum Content: Sendable {
        case value(Value)
        case deferredSequence(DeferredSequence)
    }

    /// The value. For a sequence read with `DICOMReadOptions.defersSequences`, reading builds its items the first
    /// time (see `DeferredSequence`); should its bytes be malformed, which the reader's checks rule out for
    /// anything it read, the value reads as those bytes (`.bytes`, so nothing is lost and writing gives them back)
    /// and `decodedValue()` says why. Setting a value replaces a deferred sequence.
    public var value: Value {
        get {
            switch content {
            case .value(let value): value
            case .deferredSequence(let sequence):
                (try? sequence.items()).map(Value.sequence) ?? .bytes(sequence.encodedValue)
            }
        }
        set { content = .value(newValue) }
    }

    /// The sequence kept encoded by a reader that defers sequences, until something reads or replaces the value.
    public var deferredSequence: DeferredSequence? {
        if case .deferredSequence(let sequence) = content { return sequence }
        return nil
    }

    /// The value; for a deferred sequence, its items, or the parse error that its bytes give.
    public func decodedValue() throws(DICOMParseError) -> Value {
        switch content {
        case .value(let value): value
        case .deferredSequence(let sequence): .sequence(try sequence.items())
        }
    }

    public init(tag: Tag, vr: VR, value: Value, hasUndefinedLength: Bool? = nil) {
        self.tag = tag
        self.vr = vr
        self.content = .value(value)
        switch value {
        case .bytes, .bulkData: self.hasUndefinedLength = false
        case .fragments: self.hasUndefinedLength = true
        case .sequence: self.hasUndefinedLength = hasUndefinedLength ?? true
        }
    }

    /// A sequence element (VR SQ, or UN holding an implicit VR sequence) whose items stay encoded until read.
    package init(tag: Tag, vr: VR, deferredSequence: DeferredSequence, hasUndefinedLength: Bool) {
        self.tag = tag
        self.vr = vr
        self.content = .deferredSequence(deferredSequence)
        self.hasUndefinedLength = hasUndefinedLength
    }

    /// Equality compares decoded values: a deferred sequence equals the same items read eagerly.
    public static func == (lhs: DataElement, rhs: DataElement) -> Bool {
        lhs.tag == rhs.tag && lhs.vr == rhs.vr && lhs.hasUndefinedLength == rhs.hasUndefinedLength
            && lhs.value == rhs.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(tag)
        hasher.combine(vr)
        hasher.combine(hasUndefinedLength)
        hasher.combine(value)
    }

    /// A primitive element whose value is the given bytes (little-endian for binary VRs, padding included).
    public init(tag: Tag, vr: VR, bytes: ByteBuffer) {
        self.init(tag: tag, vr: vr, value: .bytes(bytes))
    }

    /// A sequence element (VR SQ).
    public init(tag: Tag, items: [DataSet], hasUndefinedLength: Bool = true) {
        self.init(tag: tag, vr: .SQ, value: .sequence(items), hasUndefinedLength: hasUndefinedLength)
    }

    /// The bytes of a primitive value, nil for sequences, fragments and bulk data references.
    @inlinable
    public var bytes: ByteBuffer? {
        if case .bytes(let buffer) = value { return buffer }
        return nil
    }

    /// The items of a sequence, nil for any other value.
    @inlinable
    public var items: [DataSet]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    /// The fragments of encapsulated pixel data, nil for any other value.
    @inlinable
    public var fragments: PixelFragments? {
        if case .fragments(let fragments) = value { return fragments }
        return nil
    }
}

/// The value of a data element. One enum, so that no element is both a sequence and bytes.
public enum Value: Hashable, Sendable {
    /// A primitive value: its encoded bytes, in little-endian byte order, padding included.
    case bytes(ByteBuffer)
    /// The items of a sequence, in order.
    case sequence([DataSet])
    /// Encapsulated pixel data: the Basic Offset Table item and the fragments (PS3.5 §A.4).
    case fragments(PixelFragments)
    /// A value kept elsewhere: a range of the source file, or a URI (PS3.18 BulkDataURI).
    case bulkData(BulkDataReference)
}

/// Encapsulated pixel data: the first item (the Basic Offset Table, often empty) and the fragments that follow.
///
/// PS3.5 §A.4. Fragments are kept as encoded; frames are located from the offset tables or by scanning.
public struct PixelFragments: Hashable, Sendable {
    /// The value of the first item: a Basic Offset Table of 32-bit offsets, or empty.
    public var offsetTable: ByteBuffer
    /// The fragments after the offset table, in order.
    public var fragments: [ByteBuffer]

    public init(offsetTable: ByteBuffer = ByteBuffer(), fragments: [ByteBuffer]) {
        self.offsetTable = offsetTable
        self.fragments = fragments
    }

    /// The Basic Offset Table's offsets; empty when the table is empty or its length is not a multiple of 4.
    public var basicOffsets: [UInt32] {
        guard offsetTable.readableBytes % 4 == 0 else { return [] }
        var table = offsetTable
        var offsets: [UInt32] = []
        offsets.reserveCapacity(table.readableBytes / 4)
        while let offset = table.readInteger(endianness: .little, as: UInt32.self) {
            offsets.append(offset)
        }
        return offsets
    }
}

/// A value that is not held in memory.
public struct BulkDataReference: Hashable, Sendable {
    /// Where the value is: a URI of the DICOM JSON model, or a byte range of a file.
    public enum Location: Hashable, Sendable {
        case uri(String)
        case file(path: String, offset: UInt64, length: UInt64)
    }

    public var location: Location
    /// For values read from a big-endian data set: the bytes at the location are big-endian and must be swapped
    /// by the VR's unit when read. False for URIs and little-endian files.
    public var isBigEndian: Bool

    public init(_ location: Location, isBigEndian: Bool = false) {
        self.location = location
        self.isBigEndian = isBigEndian
    }
}
