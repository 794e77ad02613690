import Archive
import DICOMCore
import DICOMDictionary

/// The SOP classes and transfer syntaxes the archive's SCP accepts (PS3.4 Annexes A, B and C).
enum ServiceClassSupport {
    static let verification: UID = "1.2.840.10008.1.1"

    /// The query/retrieve information models and what each does.
    enum InformationModel: Hashable, Sendable {
        case patientRoot, studyRoot

        /// The levels the model has, top down (PS3.4 §C.3.1 and §C.3.2: Study Root has no PATIENT level).
        var levels: [QueryLevel] {
            switch self {
            case .patientRoot: [.patient, .study, .series, .instance]
            case .studyRoot: [.study, .series, .instance]
            }
        }
    }

    static let findModels: [UID: InformationModel] = [
        "1.2.840.10008.5.1.4.1.2.1.1": .patientRoot, "1.2.840.10008.5.1.4.1.2.2.1": .studyRoot,
    ]
    static let moveModels: [UID: InformationModel] = [
        "1.2.840.10008.5.1.4.1.2.1.2": .patientRoot, "1.2.840.10008.5.1.4.1.2.2.2": .studyRoot,
    ]
    static let getModels: [UID: InformationModel] = [
        "1.2.840.10008.5.1.4.1.2.1.3": .patientRoot, "1.2.840.10008.5.1.4.1.2.2.3": .studyRoot,
    ]

    /// Syntaxes for commands and identifiers: the two every implementation has.
    static let uncompressedForMessages: Set<UID> = [
        TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid,
    ]

    /// Storage takes objects in whatever syntax the sender proposes first among those the toolkit reads: every
    /// native syntax and every registered encapsulated one (stored as received, decoded or not).
    static let storageTransferSyntaxes: Set<UID> = {
        var syntaxes = Set(TransferSyntax.uncompressed.map(\.uid))
        for uid in registeredTransferSyntaxes where TransferSyntax(uid: uid) != nil {
            syntaxes.insert(uid)
        }
        return syntaxes
    }()

    /// Whether the UID is a storage SOP class of the registry (PS3.4 Annex B), retired ones included: a modality
    /// from 2005 still sends them.
    static func isStorageSOPClass(_ uid: UID) -> Bool {
        guard let entry = UIDRegistry.entry(for: uid), entry.kind == .sopClass else { return false }
        return entry.keyword.hasSuffix("Storage") && !entry.keyword.contains("StorageCommitment")
    }

    /// The transfer syntaxes accepted for a proposed abstract syntax, or nil when the SCP does not serve it.
    static func transferSyntaxes(for abstractSyntax: UID) -> Set<UID>? {
        if abstractSyntax == verification || findModels[abstractSyntax] != nil
            || moveModels[abstractSyntax] != nil || getModels[abstractSyntax] != nil
        {
            return uncompressedForMessages
        }
        return isStorageSOPClass(abstractSyntax) ? storageTransferSyntaxes : nil
    }

    private static let registeredTransferSyntaxes: [UID] = UIDRegistry.entries(of: .transferSyntax).map(\.uid)
}
