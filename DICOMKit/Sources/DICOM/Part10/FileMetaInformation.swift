public import DICOMCore
import DICOMDictionary
import NIOCore

/// Nuage's identity in the file meta information it writes (PS3.7 §D.3.3.2).
public enum Implementation {
    /// A UUID-derived UID (PS3.5 §B.2) that names this implementation.
    public static let classUID: UID = "2.25.255013541958326226651325853232098612581"
    /// At most 16 characters.
    public static let versionName = "NUAGE_0_1"
}

/// Reading and building the file meta information group (PS3.10 §7.1).
public enum FileMetaInformation {
    static let magic: [UInt8] = Array("DICM".utf8)

    /// A meta group for a data set: version 00 01, the data set's SOP Class and Instance UIDs, the transfer syntax,
    /// this implementation's class UID and version name, and the group length computed.
    public static func make(
        for dataSet: DataSet, transferSyntax: TransferSyntax, sourceApplicationEntityTitle: String? = nil
    ) -> DataSet {
        var meta = DataSet()
        var version = ByteBuffer()
        version.writeBytes([0x00, 0x01])
        meta.insert(DataElement(tag: .fileMetaInformationVersion, vr: .OB, bytes: version))
        let sopClass = dataSet[.sopClassUID].flatMap { try? $0.asciiStrings().first } ?? ""
        let sopInstance = dataSet[.sopInstanceUID].flatMap { try? $0.asciiStrings().first } ?? ""
        meta.insert(uid(.mediaStorageSOPClassUID, sopClass))
        meta.insert(uid(.mediaStorageSOPInstanceUID, sopInstance))
        meta.insert(uid(.transferSyntaxUID, transferSyntax.uid.rawValue))
        meta.insert(uid(.implementationClassUID, Implementation.classUID.rawValue))
        meta.insert(DataElement(tag: .implementationVersionName, vr: .SH, asciiStrings: [Implementation.versionName]))
        if let sourceApplicationEntityTitle {
            meta.insert(DataElement(tag: .sourceApplicationEntityTitle, vr: .AE, asciiStrings: [sourceApplicationEntityTitle]))
        }
        return withGroupLength(meta)
    }

    /// The meta group as it is written: naming `transferSyntax` in (0002,0010) (PS3.10 §7.1) and with its group
    /// length computed. Other elements are kept as they are.
    public static func normalized(_ meta: DataSet, transferSyntax: TransferSyntax) -> DataSet {
        var meta = meta
        if (try? meta[.transferSyntaxUID]?.asciiStrings().first) != transferSyntax.uid.rawValue {
            meta.insert(DataElement(tag: .transferSyntaxUID, vr: .UI, asciiStrings: [transferSyntax.uid.rawValue]))
        }
        return withGroupLength(meta)
    }

    /// The meta group with (0002,0000) set to the length of the elements after it.
    public static func withGroupLength(_ meta: DataSet) -> DataSet {
        var meta = meta
        meta.remove(.fileMetaInformationGroupLength)
        var length = 0
        for element in meta.elements {
            let valueLength = element.bytes?.readableBytes ?? 0
            length += (element.vr.hasLongExplicitLength ? 12 : 8) + valueLength
        }
        meta.insert(DataElement(tag: .fileMetaInformationGroupLength, vr: .UL, integers: [UInt32(length)]))
        return meta
    }

    private static func uid(_ tag: Tag, _ value: String) -> DataElement {
        DataElement(tag: tag, vr: .UI, asciiStrings: [value])
    }
}
