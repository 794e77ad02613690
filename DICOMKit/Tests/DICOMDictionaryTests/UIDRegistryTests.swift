import DICOMCore
@testable import DICOMDictionary
import Testing

@Suite("PS3.6 UID registry")
struct UIDRegistryTests {
    @Test(
        "Transfer syntaxes",
        arguments: [
            ("1.2.840.10008.1.2", "ImplicitVRLittleEndian", "Implicit VR Little Endian", false),
            ("1.2.840.10008.1.2.1", "ExplicitVRLittleEndian", "Explicit VR Little Endian", false),
            ("1.2.840.10008.1.2.1.99", "DeflatedExplicitVRLittleEndian", "Deflated Explicit VR Little Endian", false),
            ("1.2.840.10008.1.2.2", "ExplicitVRBigEndian", "Explicit VR Big Endian", true),
            ("1.2.840.10008.1.2.4.50", "JPEGBaseline8Bit", "JPEG Baseline (Process 1)", false),
            ("1.2.840.10008.1.2.4.90", "JPEG2000Lossless", "JPEG 2000 Image Compression (Lossless Only)", false),
            ("1.2.840.10008.1.2.5", "RLELossless", "RLE Lossless", false),
        ]
    )
    func transferSyntax(_ uid: String, _ keyword: String, _ name: String, _ isRetired: Bool) throws {
        let entry = try #require(UIDRegistry.entry(for: UID(uid)))
        #expect(entry.uid == UID(uid))
        #expect(entry.keyword == keyword)
        #expect(entry.name == name)
        #expect(entry.kind == .transferSyntax)
        #expect(entry.isRetired == isRetired)
        #expect(UIDRegistry.uid(forKeyword: keyword) == UID(uid))
    }

    @Test(
        "Kinds",
        arguments: [
            ("1.2.840.10008.5.1.4.1.1.2", UIDEntry.Kind.sopClass, "CTImageStorage"),
            ("1.2.840.10008.1.1", .sopClass, "Verification"),
            ("1.2.840.10008.3.1.2.1.4", .metaSOPClass, "DetachedPatientManagementMeta"),
            ("1.2.840.10008.1.20.1.1", .wellKnownSOPInstance, "StorageCommitmentPushModelInstance"),
            ("1.2.840.10008.1.4.1.1", .wellKnownFrameOfReference, "TalairachBrainAtlas"),
            ("1.2.840.10008.2.16.4", .codingScheme, "DCM"),
            ("1.2.840.10008.3.1.1.1", .applicationContextName, "DICOMApplicationContext"),
            ("1.2.840.10008.15.0.3.1", .ldapOID, "dicomDeviceName"),
            ("1.2.840.10008.15.1.1", .synchronizationFrameOfReference, "UTC"),
            ("1.2.840.10008.4.2", .other("Service Class"), "Storage"),
        ] as [(String, UIDEntry.Kind, String)]
    )
    func kind(_ uid: String, _ kind: UIDEntry.Kind, _ keyword: String) throws {
        let entry = try #require(UIDRegistry.entry(for: UID(uid)))
        #expect(entry.kind == kind)
        #expect(entry.keyword == keyword)
        #expect(UIDRegistry.uid(forKeyword: keyword) == UID(uid))
    }

    @Test("CT Image Storage and Verification")
    func wellKnownSOPClasses() throws {
        let ct = try #require(UIDRegistry.entry(for: "1.2.840.10008.5.1.4.1.1.2"))
        #expect(ct.name == "CT Image Storage")
        #expect(!ct.isRetired)
        let verification = try #require(UIDRegistry.entry(for: "1.2.840.10008.1.1"))
        #expect(verification.name == "Verification SOP Class")
    }

    @Test(
        "UID constants",
        arguments: [
            (UID.ctImageStorage, "1.2.840.10008.5.1.4.1.1.2"),
            (UID.verification, "1.2.840.10008.1.1"),
            (UID.implicitVRLittleEndian, "1.2.840.10008.1.2"),
            (UID.explicitVRLittleEndian, "1.2.840.10008.1.2.1"),
            (UID.explicitVRBigEndian, "1.2.840.10008.1.2.2"),  // retired
            (UID.jpegBaseline8Bit, "1.2.840.10008.1.2.4.50"),
            (UID.jpeg2000Lossless, "1.2.840.10008.1.2.4.90"),
            (UID.htj2KLossless, "1.2.840.10008.1.2.4.201"),
            (UID.rleLossless, "1.2.840.10008.1.2.5"),
            (UID.studyRootQueryRetrieveInformationModelFind, "1.2.840.10008.5.1.4.1.2.2.1"),
            (UID.dicomApplicationContext, "1.2.840.10008.3.1.1.1"),
            (UID.dcm, "1.2.840.10008.2.16.4"),
            (UID.itisTSN, "1.2.840.10008.2.16.7"),
            (UID.utc, "1.2.840.10008.15.1.1"),
            (UID.dicomDeviceName, "1.2.840.10008.15.0.3.1"),
        ] as [(UID, String)]
    )
    func constant(_ uid: UID, _ expected: String) {
        #expect(uid.rawValue == expected)
        #expect(UIDRegistry.entry(for: uid) != nil)
    }

    @Test("Retired UIDs without a keyword keep their entry")
    func retiredWithoutKeyword() throws {
        let entry = try #require(UIDRegistry.entry(for: "1.2.840.10008.5.1.4.1.1.40"))
        #expect(entry.keyword.isEmpty)
        #expect(entry.isRetired)
        #expect(entry.kind == .sopClass)
    }

    @Test("Unknown UIDs and keywords give nil")
    func unknown() {
        #expect(UIDRegistry.entry(for: "1.2.3.4") == nil)
        #expect(UIDRegistry.entry(for: "1.2.840.10008.1.2.1\0") == nil)
        #expect(UIDRegistry.entry(for: "") == nil)
        #expect(UIDRegistry.uid(forKeyword: "") == nil)
        #expect(UIDRegistry.uid(forKeyword: "ctImageStorage") == nil)
    }

    @Test("Every registered UID: valid, lookup and keyword round trip")
    func everyEntry() throws {
        var keywordCount = 0
        for position in 0..<UIDRegistry.registeredCount {
            let entry = try #require(UIDRegistry.registeredEntry(at: position))
            #expect(entry.uid.isValid, "\(entry.uid)")
            #expect(UIDRegistry.entry(for: entry.uid) == entry)
            if entry.keyword.isEmpty {
                #expect(entry.isRetired)
            } else {
                keywordCount += 1
                #expect(UIDRegistry.uid(forKeyword: entry.keyword) == entry.uid, "\(entry.keyword)")
            }
        }
        #expect(UIDRegistry.registeredEntry(at: UIDRegistry.registeredCount) == nil)
        #expect(UIDRegistry.registeredCount == 482)
        #expect(UIDRegistry.entriesByUID.count == UIDRegistry.registeredCount)
        #expect(UIDRegistry.uidsByKeyword.count == keywordCount)
    }
}
