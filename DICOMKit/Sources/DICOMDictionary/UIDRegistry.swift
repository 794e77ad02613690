public import DICOMCore

/// The PS3.6 registry of DICOM unique identifiers: transfer syntaxes, SOP classes, well-known instances,
/// coding schemes… (PS3.6 Annex A).
///
/// Generated from pydicom's copy of PS3.6 by `scripts/generate-dictionary.py`; the indexes are built once,
/// on first use.
public enum UIDRegistry {
    /// The registry entry of `uid`, or nil when it is not a registered DICOM UID (private and instance
    /// UIDs never are). The UID is compared as written, without trimming padding.
    public static func entry(for uid: UID) -> UIDEntry? {
        entriesByUID[uid]
    }

    /// The UID of a registry keyword (`"CTImageStorage"` gives 1.2.840.10008.5.1.4.1.1.2), or nil.
    ///
    /// Case-sensitive, as PS3.6 keywords are.
    public static func uid(forKeyword keyword: String) -> UID? {
        uidsByKeyword[keyword]
    }

    /// Every registered UID of a kind (every transfer syntax, every SOP class…), in registry order.
    public static func entries(of kind: UIDEntry.Kind) -> [UIDEntry] {
        (0..<registeredCount).compactMap { position in
            registeredEntry(at: position).flatMap { $0.kind == kind ? $0 : nil }
        }
    }

    static let entriesByUID: [UID: UIDEntry] = {
        var index: [UID: UIDEntry] = [:]
        index.reserveCapacity(registeredCount)
        for position in 0..<registeredCount {
            if let entry = registeredEntry(at: position) {
                index[entry.uid] = entry
            }
        }
        return index
    }()

    static let uidsByKeyword: [String: UID] = {
        var index: [String: UID] = [:]
        index.reserveCapacity(registeredCount)
        for position in 0..<registeredCount {
            if let entry = registeredEntry(at: position), !entry.keyword.isEmpty {
                index[entry.keyword] = entry.uid
            }
        }
        return index
    }()
}
