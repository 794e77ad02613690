import DICOM
import DICOMCore
import DICOMDictionary
import DICOMJSON
import NIOCore

/// Renders a DICOM file as text, one element per line in the manner of DCMTK's dcmdump: tag, VR, value, then
/// length, value multiplicity and keyword after a `#`. Items and their elements are indented by nesting level.
enum DumpFormatter {
    /// Binary values longer than this are summarised by their first bytes.
    static let maximumShownValues = 16
    /// Text values are cut to this many characters.
    static let maximumTextLength = 64

    static func text(of file: DICOMFile) -> String {
        var output = "# Dicom-File-Format\n\n# Dicom-Meta-Information-Header\n"
        output += "# Used TransferSyntax: \(syntaxName(.explicitVRLittleEndian))\n"
        append(file.fileMetaInformation, depth: 0, inherited: .defaultRepertoire, to: &output)
        output += "\n# Dicom-Data-Set\n# Used TransferSyntax: \(syntaxName(file.transferSyntax))\n"
        append(file.dataSet, depth: 0, inherited: .defaultRepertoire, to: &output)
        if file.stoppedBeforePixelData { output += "# (stopped before Pixel Data)\n" }
        return output
    }

    static func json(of file: DICOMFile) throws -> String {
        try DICOMJSONEncoder(bulkDataThreshold: 1024).encodeString(file.dataSet)
    }

    private static func append(
        _ dataSet: DataSet, depth: Int, inherited: SpecificCharacterSet, to output: inout String
    ) {
        let characterSet = dataSet.contains(StructuralTag.specificCharacterSet) ? dataSet.characterSet : inherited
        for element in dataSet.elements {
            append(element, depth: depth, characterSet: characterSet, to: &output)
        }
    }

    private static func append(
        _ element: DataElement, depth: Int, characterSet: SpecificCharacterSet, to output: inout String
    ) {
        let indent = String(repeating: "  ", count: depth)
        switch element.value {
        case .bytes(let bytes):
            let (text, multiplicity) = describe(bytes, vr: element.vr, characterSet: characterSet)
            line(indent, element.tag, element.vr.rawValue, text, bytes.readableBytes, multiplicity, to: &output)
        case .sequence(let items):
            let kind = element.hasUndefinedLength ? "undefined" : "explicit"
            line(indent, element.tag, element.vr.rawValue, "(Sequence with \(kind) length #=\(items.count))", nil, 1,
                to: &output)
            for item in items {
                let itemKind = item.hasUndefinedItemLength ? "undefined" : "explicit"
                line(indent + "  ", StructuralTag.item, "na", "(Item with \(itemKind) length #=\(item.count))", nil, 1,
                    to: &output)
                append(item, depth: depth + 2, inherited: characterSet, to: &output)
                if item.hasUndefinedItemLength {
                    line(indent + "  ", StructuralTag.itemDelimitation, "na", "(ItemDelimitationItem)", 0, 0, to: &output)
                }
            }
            if element.hasUndefinedLength {
                line(indent, StructuralTag.sequenceDelimitation, "na", "(SequenceDelimitationItem)", 0, 0, to: &output)
            }
        case .fragments(let pixel):
            line(indent, element.tag, element.vr.rawValue, "(PixelSequence #=\(pixel.fragments.count + 1))", nil, 1,
                to: &output)
            for fragment in CollectionOfOne(pixel.offsetTable) + pixel.fragments {
                let (text, _) = describe(fragment, vr: .OB, characterSet: characterSet)
                line(indent + "  ", StructuralTag.item, "pi", text, fragment.readableBytes, 1, to: &output)
            }
            line(indent, StructuralTag.sequenceDelimitation, "na", "(SequenceDelimitationItem)", 0, 0, to: &output)
        case .bulkData(let reference):
            let text: String
            switch reference.location {
            case .uri(let uri): text = "(BulkDataURI \(uri))"
            case .file(_, let offset, let length): text = "(not loaded: \(length) bytes at offset \(offset))"
            }
            line(indent, element.tag, element.vr.rawValue, text, nil, 1, to: &output)
        }
    }

    private static func line(
        _ indent: String, _ tag: Tag, _ vr: String, _ value: String, _ length: Int?, _ multiplicity: Int,
        to output: inout String
    ) {
        var text = indent + tag.description + " " + vr + " " + value
        let column = 56
        if text.count < column { text += String(repeating: " ", count: column - text.count) }
        let lengthText = length.map { String($0) } ?? "u/l"
        let keyword = keyword(for: tag)
        output += text + " # " + String(repeating: " ", count: max(0, 4 - lengthText.count)) + lengthText + ", "
            + String(multiplicity) + " " + keyword + "\n"
    }

    private static func keyword(for tag: Tag) -> String {
        switch tag {
        case StructuralTag.item: return "Item"
        case StructuralTag.itemDelimitation: return "ItemDelimitationItem"
        case StructuralTag.sequenceDelimitation: return "SequenceDelimitationItem"
        default: break
        }
        if let entry = DataDictionary.entry(for: tag) { return entry.keyword }
        return tag.isPrivate ? "PrivateTag" : "Unknown Tag & Data"
    }

    /// The printed value and its multiplicity.
    private static func describe(_ bytes: ByteBuffer, vr: VR, characterSet: SpecificCharacterSet) -> (String, Int) {
        if bytes.readableBytes == 0 { return ("(no value available)", 0) }
        if vr.isText {
            let text = vr.usesSpecificCharacterSet ? characterSet.decode(bytes, vr: vr) : ascii(bytes)
            let values = ValueText.split(text, vr: vr)
            var shown = values.joined(separator: "\\")
            if vr == .UI, values.count == 1, let entry = UIDRegistry.entry(for: UID(values[0])) {
                return ("=" + entry.keyword, 1)
            }
            if shown.count > maximumTextLength { shown = String(shown.prefix(maximumTextLength)) + "..." }
            return ("[" + shown + "]", values.count)
        }
        let element = DataElement(tag: Tag(0), vr: vr, bytes: bytes)
        let numbers: [String]
        switch vr {
        case .US: numbers = ((try? element.integers(as: UInt16.self)) ?? []).map { String($0) }
        case .SS: numbers = ((try? element.integers(as: Int16.self)) ?? []).map { String($0) }
        case .UL: numbers = ((try? element.integers(as: UInt32.self)) ?? []).map { String($0) }
        case .SL: numbers = ((try? element.integers(as: Int32.self)) ?? []).map { String($0) }
        case .UV: numbers = ((try? element.integers(as: UInt64.self)) ?? []).map { String($0) }
        case .SV: numbers = ((try? element.integers(as: Int64.self)) ?? []).map { String($0) }
        case .FL: numbers = ((try? element.float32s()) ?? []).map { String($0) }
        case .FD: numbers = ((try? element.float64s()) ?? []).map { String($0) }
        case .AT: numbers = ((try? element.tags()) ?? []).map(\.description)
        default:
            let shown = bytes.readableBytesView.prefix(maximumShownValues).map { hex($0) }
            let more = bytes.readableBytes > maximumShownValues ? "\\..." : ""
            return (shown.joined(separator: "\\") + more, 1)
        }
        let more = numbers.count > maximumShownValues ? "\\..." : ""
        return (numbers.prefix(maximumShownValues).joined(separator: "\\") + more, numbers.count)
    }

    private static func ascii(_ bytes: ByteBuffer) -> String {
        String(decoding: bytes.readableBytesView, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return byte < 0x10 ? "0" + digits : digits
    }

    private static func syntaxName(_ syntax: TransferSyntax) -> String {
        UIDRegistry.entry(for: syntax.uid)?.name ?? syntax.uid.rawValue
    }
}
