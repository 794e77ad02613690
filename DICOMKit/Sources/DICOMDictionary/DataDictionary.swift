public import DICOMCore

/// The PS3.6 registry of data elements: tags, keywords, VRs and multiplicities of the standard attributes.
///
/// Generated from pydicom's copy of PS3.6 by `scripts/generate-dictionary.py`. Lookups go through
/// `switch` statements over the 32-bit tag, so they build no tables and allocate nothing except the entry
/// returned; keywords are indexed in a hash map built once, on first use.
public enum DataDictionary {
    /// The dictionary entry for `tag`, or nil when neither PS3.6 nor the generic rules below know it.
    ///
    /// PS3.6 §6 and PS3.5 §7. Tried in order: the exact tags; the repeating groups (50xx curves, 60xx
    /// overlays, 7Fxx variable pixel data, (0020,31xx), (0028,04x0)…, never in an odd group); a group
    /// length (gggg,0000), reported as `GroupLength`, UL, retired (PS3.5 §7.2); a private creator
    /// (gggg,0010–00FF) in a private group, reported as `PrivateCreator`, LO (PS3.5 §7.8.1). Other
    /// private tags, and unknown standard ones, give nil.
    public static func entry(for tag: Tag) -> DictionaryEntry? {
        let rawValue = tag.rawValue
        if let entry = exactEntry(rawValue) { return entry }
        if let entry = repeatingGroupEntry(rawValue) { return entry }
        if tag.isGroupLength {
            return DictionaryEntry(
                tag: tag, keyword: "GroupLength", name: "Group Length", vr: .UL, vm: "1", isRetired: true
            )
        }
        if tag.isPrivateCreator {
            return DictionaryEntry(
                tag: tag, keyword: "PrivateCreator", name: "Private Creator", vr: .LO, vm: "1",
                isRetired: false
            )
        }
        return nil
    }

    /// The tag of a PS3.6 keyword (`"PatientName"` gives (0010,0010)), or nil for an unknown keyword.
    ///
    /// A repeating-group keyword gives the tag with the x digits as 0 (`"OverlayData"` gives (6000,3000)).
    /// Case-sensitive, as PS3.6 keywords are; `GroupLength` and `PrivateCreator` are not keywords.
    public static func tag(forKeyword keyword: String) -> Tag? {
        keywordIndex[keyword]
    }

    /// The VR to assume for `tag` in implicit VR data: the entry's first VR, or UN when it is unknown.
    ///
    /// PS3.5 §7.1.3 and Annex A.1. Allocates nothing. Tags the dictionary does not know, private ones
    /// included, are UN, except group lengths (UL) and private creators (LO). For the ambiguous
    /// attributes (`OB or OW`, `US or SS`) this is the first VR PS3.6 lists; resolving them from Bits
    /// Allocated or Pixel Representation is the decoder's work.
    public static func vr(for tag: Tag) -> VR {
        let rawValue = tag.rawValue
        if let vr = exactVR(rawValue) { return vr }
        if let vr = repeatingGroupVR(rawValue) { return vr }
        if tag.isGroupLength { return .UL }
        if tag.isPrivateCreator { return .LO }
        return .UN
    }

    /// Keyword to tag, for every exact and repeating-group entry with a keyword.
    static let keywordIndex: [String: Tag] = {
        var index: [String: Tag] = [:]
        index.reserveCapacity(exactTags.count + repeatingGroupBaseTags.count)
        for rawValue in exactTags {
            if let entry = exactEntry(rawValue), !entry.keyword.isEmpty {
                index[entry.keyword] = entry.tag
            }
        }
        // Through the repeating-group lookup alone: the base tags of (0028,04x0)–(0028,04x3) are also
        // exact tags with other keywords.
        for rawValue in repeatingGroupBaseTags {
            if let entry = repeatingGroupEntry(rawValue), !entry.keyword.isEmpty {
                index[entry.keyword] = entry.tag
            }
        }
        return index
    }()
}
