import DICOMCore
@testable import DICOMDictionary
import Testing

/// Swift Testing also declares a `Tag` (for tagging tests); in this module `Tag` is the DICOM one.
typealias Tag = DICOMCore.Tag

/// An expected dictionary entry, written out from PS3.6.
struct ExpectedEntry: Sendable, CustomTestStringConvertible {
    let rawValue: UInt32
    let keyword: String
    let name: String
    let vrs: [VR]
    let vm: String
    let isRetired: Bool

    var testDescription: String { keyword }
}

@Suite("PS3.6 data dictionary")
struct DataDictionaryTests {
    @Test(
        "Exact tags",
        arguments: [
            ExpectedEntry(
                rawValue: 0x0010_0010, keyword: "PatientName", name: "Patient's Name", vrs: [.PN], vm: "1",
                isRetired: false),
            ExpectedEntry(
                rawValue: 0x7FE0_0010, keyword: "PixelData", name: "Pixel Data", vrs: [.OB, .OW], vm: "1",
                isRetired: false),
            ExpectedEntry(
                rawValue: 0x0028_0106, keyword: "SmallestImagePixelValue", name: "Smallest Image Pixel Value",
                vrs: [.US, .SS], vm: "1", isRetired: false),
            ExpectedEntry(
                rawValue: 0x0028_3006, keyword: "LUTData", name: "LUT Data", vrs: [.US, .OW], vm: "1-n",
                isRetired: false),
            ExpectedEntry(
                rawValue: 0x0008_0018, keyword: "SOPInstanceUID", name: "SOP Instance UID", vrs: [.UI], vm: "1",
                isRetired: false),
            ExpectedEntry(
                rawValue: 0x0000_0001, keyword: "CommandLengthToEnd", name: "Command Length to End", vrs: [.UL],
                vm: "1", isRetired: true),
            ExpectedEntry(
                rawValue: 0x0002_0000, keyword: "FileMetaInformationGroupLength",
                name: "File Meta Information Group Length", vrs: [.UL], vm: "1", isRetired: false),
            ExpectedEntry(
                rawValue: 0x0072_006D, keyword: "SelectorUNValue", name: "Selector UN Value", vrs: [.UN], vm: "1",
                isRetired: false),
            // PS3.6 gives Item no VR: reported as UN.
            ExpectedEntry(rawValue: 0xFFFE_E000, keyword: "Item", name: "Item", vrs: [.UN], vm: "1", isRetired: false),
            // (0028,0400) is exact even though it also matches the retired (0028,04x0) pattern.
            ExpectedEntry(
                rawValue: 0x0028_0400, keyword: "TransformLabel", name: "Transform Label", vrs: [.LO], vm: "1",
                isRetired: true),
        ]
    )
    func exactTag(_ expected: ExpectedEntry) throws {
        let tag = Tag(rawValue: expected.rawValue)
        let entry = try #require(DataDictionary.entry(for: tag))
        #expect(entry.tag == tag)
        #expect(entry.keyword == expected.keyword)
        #expect(entry.name == expected.name)
        #expect(entry.vrs == expected.vrs)
        #expect(entry.vr == expected.vrs.first)
        #expect(entry.vm == expected.vm)
        #expect(entry.isRetired == expected.isRetired)
        #expect(DataDictionary.vr(for: tag) == expected.vrs.first)
        #expect(DataDictionary.tag(forKeyword: expected.keyword) == tag)
    }

    @Test(
        "Repeating groups answer with the base tag's entry",
        arguments: [
            (0x6000_3000, ExpectedEntry(
                rawValue: 0x6000_3000, keyword: "OverlayData", name: "Overlay Data", vrs: [.OB, .OW], vm: "1",
                isRetired: false)),
            (0x6002_0010, ExpectedEntry(
                rawValue: 0x6000_0010, keyword: "OverlayRows", name: "Overlay Rows", vrs: [.US], vm: "1",
                isRetired: false)),
            (0x601E_0050, ExpectedEntry(
                rawValue: 0x6000_0050, keyword: "OverlayOrigin", name: "Overlay Origin", vrs: [.SS], vm: "2",
                isRetired: false)),
            (0x6004_0012, ExpectedEntry(
                rawValue: 0x6000_0012, keyword: "OverlayPlanes", name: "Overlay Planes", vrs: [.US], vm: "1",
                isRetired: true)),
            (0x5000_3000, ExpectedEntry(
                rawValue: 0x5000_3000, keyword: "CurveData", name: "Curve Data", vrs: [.OB, .OW], vm: "1",
                isRetired: true)),
            (0x5010_0005, ExpectedEntry(
                rawValue: 0x5000_0005, keyword: "CurveDimensions", name: "Curve Dimensions", vrs: [.US], vm: "1",
                isRetired: true)),
            (0x7F00_0010, ExpectedEntry(
                rawValue: 0x7F00_0010, keyword: "VariablePixelData", name: "Variable Pixel Data", vrs: [.OB, .OW],
                vm: "1", isRetired: true)),
            (0x7F10_0011, ExpectedEntry(
                rawValue: 0x7F00_0011, keyword: "VariableNextDataGroup", name: "Variable Next Data Group",
                vrs: [.US], vm: "1", isRetired: true)),
            (0x0020_3105, ExpectedEntry(
                rawValue: 0x0020_3100, keyword: "SourceImageIDs", name: "Source Image IDs", vrs: [.CS], vm: "1-n",
                isRetired: true)),
            (0x0028_0410, ExpectedEntry(
                rawValue: 0x0028_0400, keyword: "RowsForNthOrderCoefficients", name: "Rows For Nth Order Coefficients",
                vrs: [.US], vm: "1", isRetired: true)),
            (0x0028_0813, ExpectedEntry(
                rawValue: 0x0028_0803, keyword: "CodeTableLocation", name: "Code Table Location", vrs: [.AT],
                vm: "1-n", isRetired: true)),
            (0x1000_0015, ExpectedEntry(
                rawValue: 0x1000_0005, keyword: "ShiftTableTriplet", name: "Shift Table Triplet", vrs: [.US],
                vm: "3", isRetired: true)),
            (0x1010_1234, ExpectedEntry(
                rawValue: 0x1010_0000, keyword: "ZonalMap", name: "Zonal Map", vrs: [.US], vm: "1-n",
                isRetired: true)),
        ] as [(UInt32, ExpectedEntry)]
    )
    func repeatingGroup(_ rawValue: UInt32, _ expected: ExpectedEntry) throws {
        let tag = Tag(rawValue: rawValue)
        let entry = try #require(DataDictionary.entry(for: tag))
        #expect(entry.tag == Tag(rawValue: expected.rawValue))
        #expect(entry.keyword == expected.keyword)
        #expect(entry.name == expected.name)
        #expect(entry.vrs == expected.vrs)
        #expect(entry.vm == expected.vm)
        #expect(entry.isRetired == expected.isRetired)
        #expect(DataDictionary.vr(for: tag) == expected.vrs.first)
        #expect(DataDictionary.tag(forKeyword: expected.keyword) == Tag(rawValue: expected.rawValue))
    }

    @Test("An exact tag wins over a repeating-group pattern it matches")
    func exactBeforeRepeating() {
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x7FE0_0010))?.keyword == "PixelData")
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x7FE0_0020))?.keyword == "CoefficientsSDVN")
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x0028_0401))?.keyword == "TransformVersionNumber")
    }

    @Test("Repeating-group patterns never match an odd (private) group", arguments: [
        0x6001_3000, 0x6003_0010, 0x5001_3000, 0x7F01_0010,
    ] as [UInt32])
    func oddGroupIsNotRepeating(_ rawValue: UInt32) {
        let tag = Tag(rawValue: rawValue)
        let entry = DataDictionary.entry(for: tag)
        if tag.isPrivateCreator {
            #expect(entry?.keyword == "PrivateCreator")
        } else {
            #expect(entry == nil)
            #expect(DataDictionary.vr(for: tag) == .UN)
        }
    }

    @Test("Group length elements outside the dictionary are UL", arguments: [
        0x0008_0000, 0x0010_0000, 0x0009_0000, 0x7FE0_0000, 0x6000_0000,
    ] as [UInt32])
    func groupLength(_ rawValue: UInt32) throws {
        let tag = Tag(rawValue: rawValue)
        let entry = try #require(DataDictionary.entry(for: tag))
        #expect(entry.tag == tag)
        #expect(entry.keyword == "GroupLength")
        #expect(entry.vrs == [.UL])
        #expect(entry.vm == "1")
        #expect(entry.isRetired)
        #expect(DataDictionary.vr(for: tag) == .UL)
    }

    @Test("Command and file meta group lengths keep their own entries")
    func namedGroupLengths() {
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x0000_0000))?.keyword == "CommandGroupLength")
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x0002_0000))?.keyword == "FileMetaInformationGroupLength")
        #expect(DataDictionary.entry(for: Tag(rawValue: 0x0002_0000))?.isRetired == false)
    }

    @Test("Private creators are LO", arguments: [0x0009_0010, 0x0029_0011, 0x7FE1_00FF, 0x6001_0010] as [UInt32])
    func privateCreator(_ rawValue: UInt32) throws {
        let tag = Tag(rawValue: rawValue)
        let entry = try #require(DataDictionary.entry(for: tag))
        #expect(entry.tag == tag)
        #expect(entry.keyword == "PrivateCreator")
        #expect(entry.vrs == [.LO])
        #expect(!entry.isRetired)
        #expect(DataDictionary.vr(for: tag) == .LO)
    }

    @Test(
        "Unknown tags have no entry and decode as UN",
        arguments: [
            0x0009_1010,  // private data element
            0x0029_0100,  // private group, above the creator range
            0x0029_0005,  // private group, below the creator range
            0x0003_0010,  // odd group that PS3.5 does not allow as private
            0x0010_9999,  // unassigned standard element
            0xFFFF_FFFF,
        ] as [UInt32]
    )
    func unknownTag(_ rawValue: UInt32) {
        let tag = Tag(rawValue: rawValue)
        #expect(DataDictionary.entry(for: tag) == nil)
        #expect(DataDictionary.vr(for: tag) == .UN)
    }

    @Test("Unknown keywords give nil", arguments: ["", "patientName", "PatientsName", "GroupLength", "PrivateCreator"])
    func unknownKeyword(_ keyword: String) {
        #expect(DataDictionary.tag(forKeyword: keyword) == nil)
    }

    @Test("Every exact entry: lookup by tag, keyword round trip, default VR")
    func everyExactEntry() throws {
        for rawValue in DataDictionary.exactTags {
            let tag = Tag(rawValue: rawValue)
            let entry = try #require(DataDictionary.entry(for: tag))
            #expect(entry.tag == tag)
            #expect(!entry.vrs.isEmpty)
            #expect(!entry.vm.isEmpty)
            #expect(DataDictionary.vr(for: tag) == entry.vr)
            if entry.keyword.isEmpty {
                #expect(entry.isRetired, "\(tag) has no keyword and is not retired")
            } else {
                #expect(DataDictionary.tag(forKeyword: entry.keyword) == tag, "\(entry.keyword)")
            }
        }
    }

    @Test("Every repeating-group entry: keyword round trip to its base tag")
    func everyRepeatingGroupEntry() throws {
        for rawValue in DataDictionary.repeatingGroupBaseTags {
            let entry = try #require(DataDictionary.repeatingGroupEntry(rawValue))
            #expect(entry.tag.rawValue == rawValue)
            #expect(DataDictionary.repeatingGroupVR(rawValue) == entry.vr)
            #expect(DataDictionary.tag(forKeyword: entry.keyword) == entry.tag, "\(entry.keyword)")
            // In another group of the same pattern (xx = 0x1E), the same entry answers.
            if rawValue >> 24 == 0x50 || rawValue >> 24 == 0x60 {
                let other = Tag(rawValue: rawValue | 0x001E_0000)
                #expect(DataDictionary.entry(for: other) == entry)
                #expect(DataDictionary.vr(for: other) == entry.vr)
            }
        }
    }

    @Test("Sizes match pydicom 3.0.2's dictionary")
    func sizes() {
        #expect(DataDictionary.exactEntryCount == DataDictionary.exactTags.count)
        #expect(DataDictionary.exactTags.count == 5091)
        #expect(DataDictionary.repeatingGroupBaseTags.count == 88)
        // Six retired exact entries have no keyword.
        #expect(DataDictionary.keywordIndex.count == 5091 - 6 + 88)
        #expect(zip(DataDictionary.exactTags, DataDictionary.exactTags.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test(
        "Tag constants are the keywords in lowerCamel case",
        arguments: [
            (Tag.patientName, 0x0010_0010),
            (Tag.patientID, 0x0010_0020),
            (Tag.sopInstanceUID, 0x0008_0018),
            (Tag.sopClassUID, 0x0008_0016),
            (Tag.studyInstanceUID, 0x0020_000D),
            (Tag.rtPlanLabel, 0x300A_0002),
            (Tag.iccProfile, 0x0028_2000),
            (Tag.xRayTubeCurrent, 0x0018_1151),
            (Tag.pixelData, 0x7FE0_0010),
            (Tag.transferSyntaxUID, 0x0002_0010),
            (Tag.commandGroupLength, 0x0000_0000),
            (Tag.item, 0xFFFE_E000),
            (Tag.sequenceDelimitationItem, 0xFFFE_E0DD),
            (Tag.lutData, 0x0028_3006),
            (Tag.commandLengthToEnd, 0x0000_0001),  // retired
        ] as [(Tag, UInt32)]
    )
    func tagConstant(_ tag: Tag, _ rawValue: UInt32) {
        #expect(tag.rawValue == rawValue)
    }
}
