import DICOMCore
import NIOCore

/// The rules that the DICOM JSON Model (PS3.18 Annex F) and the Native DICOM Model (PS3.19 Annex A) share: which
/// elements are written, under which VR, and how each VR's value is represented.
enum AttributeRules {
    /// How a VR's value is represented (PS3.18 Table F.2.3-1).
    enum ValueKind {
        /// Strings: AE, AS, CS, DA, DT, LO, LT, SH, ST, TM, UC, UI, UR, UT.
        case text
        /// Person names, split into component groups: PN.
        case personName
        /// Decimal strings, written as numbers where they are valid: DS.
        case decimalString
        /// Integer strings, written as numbers where they are valid: IS.
        case integerString
        /// Tags as `GGGGEEEE`: AT.
        case attributeTag
        /// Binary numbers: US, SS, UL, SL, SV, UV, FL, FD.
        case binaryNumber
        /// Byte streams, written in base64: OB, OD, OF, OL, OV, OW, UN.
        case inlineBinary
        /// Items: SQ.
        case sequence
    }

    static func kind(of vr: VR) -> ValueKind {
        switch vr {
        case .AE, .AS, .CS, .DA, .DT, .LO, .LT, .SH, .ST, .TM, .UC, .UI, .UR, .UT: .text
        case .PN: .personName
        case .DS: .decimalString
        case .IS: .integerString
        case .AT: .attributeTag
        case .US, .SS, .UL, .SL, .SV, .UV, .FL, .FD: .binaryNumber
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN: .inlineBinary
        case .SQ: .sequence
        }
    }

    /// Whether an element is written at all.
    ///
    /// Group Length (gggg,0000) attributes shall not be included (PS3.18 §F.2.2, PS3.19 §A.1.1). The file meta
    /// information group (0002,xxxx) is not part of the data set (PS3.10 §7.1) and is left out too, as WADO-RS
    /// metadata describes the data set; item and delimiter tags (FFFE,xxxx) are never attributes.
    @inline(__always)
    static func isIncluded(_ tag: Tag) -> Bool {
        !tag.isGroupLength && !tag.isFileMetaInformation && !tag.isDelimiter
    }

    /// The VR written for an element: SQ for any element holding items (a UN value read as an implicit VR
    /// sequence, PS3.5 §6.2.2, is such an element), LO for a private creator read as UN from implicit VR data
    /// (PS3.5 §7.8.1), else the element's own.
    @inline(__always)
    static func vr(of element: DataElement) -> VR {
        if case .sequence = element.value { return .SQ }
        if element.vr == .UN, element.tag.isPrivateCreator { return .LO }
        return element.vr
    }

    /// The VRs whose value may be replaced by a BulkDataURI (PS3.18 §F.2.2, 2025a).
    static func allowsBulkData(_ vr: VR) -> Bool {
        switch vr {
        case .DS, .FL, .FD, .IS, .LT, .OB, .OD, .OF, .OL, .OV, .OW, .SL, .SS, .ST, .SV, .UC, .UL, .UN, .US, .UT, .UV:
            true
        case .AE, .AS, .AT, .CS, .DA, .DT, .LO, .PN, .SH, .SQ, .TM, .UI, .UR:
            false
        }
    }

    /// The deepest sequence nesting the encoders follow; data sets from `DICOMFile` are far shallower (64 by
    /// default), so this only stops a data set built in code from exhausting the stack.
    static let maximumEncodingDepth = 256
}

/// Decides, for one element, between its value, a BulkDataURI and an inline encoding of encapsulated pixel data.
///
/// PS3.18 §F.2.6 and §F.2.7. Shared by the JSON and XML encoders, which take the same two settings.
struct BulkDataPolicy: Sendable {
    var threshold: Int?
    var uri: (@Sendable (_ path: AttributePath, _ element: DataElement) -> String?)?

    enum Representation {
        /// Write the value itself (bytes or items).
        case value
        /// Write a BulkDataURI.
        case bulkDataURI(String)
        /// Write the encapsulated Value Field (items and delimiter, PS3.5 §A.4) as InlineBinary.
        case encapsulated(ByteBuffer)
    }

    /// How to write `element`, whose tag ends `path`.
    ///
    /// A `.bulkData(.uri)` value keeps its URI. A `.bulkData(.file)` value needs a URI from the closure: the
    /// encoders never read files, so without one this throws `invalidValue`. Encapsulated pixel data is offered to
    /// the closure whatever its size (PS3.18 §10.4.1.2 sends it as bulk data); when the closure has no URI it is
    /// written inline as its PS3.5 Value Field (the items, as pydicom writes it), which `DICOMJSONDecoder` turns back
    /// into fragments. Other values
    /// are offered to the closure when they are longer than `threshold` bytes and their VR allows a BulkDataURI;
    /// nil from the closure keeps them inline.
    func representation(
        of element: DataElement, vr: VR, path: AttributePath
    ) throws(DICOMParseError) -> Representation {
        switch element.value {
        case .sequence:
            return .value
        case .bulkData(let reference):
            switch reference.location {
            case .uri(let location):
                return .bulkDataURI(location)
            case .file:
                guard let location = uri?(path, element) else {
                    throw DICOMParseError(
                        .invalidValue, "bulk data kept in a file needs a BulkDataURI (no URI was given for it)",
                        tagPath: path.tags)
                }
                return .bulkDataURI(location)
            }
        case .fragments(let fragments):
            if let location = uri?(path, element) { return .bulkDataURI(location) }
            return .encapsulated(Self.encapsulatedValueField(fragments))
        case .bytes(let bytes):
            if let threshold, bytes.readableBytes > threshold, AttributeRules.allowsBulkData(vr),
                let location = uri?(path, element)
            {
                return .bulkDataURI(location)
            }
            return .value
        }
    }

    /// The Value Field of encapsulated pixel data: an item per fragment, the Basic Offset Table first, all
    /// little-endian (PS3.5 §A.4). The Sequence Delimitation Item that ends the undefined length is not part of
    /// the value, as pydicom holds it, so that a reader that writes the value back adds its own.
    static func encapsulatedValueField(_ fragments: PixelFragments) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(
            fragments.fragments.reduce(8 + fragments.offsetTable.readableBytes) { $0 + 8 + $1.readableBytes })
        for fragment in CollectionOfOne(fragments.offsetTable) + fragments.fragments {
            buffer.writeInteger(StructuralTag.item.group, endianness: .little)
            buffer.writeInteger(StructuralTag.item.element, endianness: .little)
            buffer.writeInteger(UInt32(truncatingIfNeeded: fragment.readableBytes), endianness: .little)
            buffer.writeImmutableBuffer(fragment)
        }
        return buffer
    }

    /// The fragments of an encapsulated Value Field, or nil when the bytes are not exactly a run of at least two
    /// items with defined lengths (the Basic Offset Table and a fragment), optionally closed by a Sequence
    /// Delimitation Item (PS3.5 §A.4). Native pixel data practically never has that shape.
    static func fragments(fromEncapsulated bytes: ByteBuffer) -> PixelFragments? {
        var reader = bytes
        var items: [ByteBuffer] = []
        while reader.readableBytes > 0 {
            guard let group = reader.readInteger(endianness: .little, as: UInt16.self),
                let element = reader.readInteger(endianness: .little, as: UInt16.self),
                let length = reader.readInteger(endianness: .little, as: UInt32.self)
            else { return nil }
            let tag = Tag(group: group, element: element)
            if tag == StructuralTag.sequenceDelimitation {
                guard length == 0, reader.readableBytes == 0 else { return nil }
                break
            }
            guard tag == StructuralTag.item, length != ElementHeader.undefinedLength,
                let item = reader.readSlice(length: Int(length))
            else { return nil }
            items.append(item)
        }
        guard items.count >= 2, let offsetTable = items.first else { return nil }
        return PixelFragments(offsetTable: offsetTable, fragments: Array(items.dropFirst()))
    }
}
