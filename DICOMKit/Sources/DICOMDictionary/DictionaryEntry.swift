public import DICOMCore

/// One attribute of the PS3.6 data dictionary (PS3.6 §6, Registry of DICOM Data Elements).
///
/// Entries of repeating groups such as (60xx,3000) carry the tag with the x digits as 0, e.g. (6000,3000).
/// Item and the delimitation items, for which PS3.6 lists no VR, report UN.
public struct DictionaryEntry: Sendable, Hashable {
    /// The tag; for a repeating-group entry, the tag with the x digits as 0 (0x5000_0010 for (50xx,0010)).
    public let tag: Tag
    /// The PS3.6 keyword, such as `PatientName`; empty for the few retired entries PS3.6 leaves without one.
    public let keyword: String
    /// The PS3.6 attribute name, such as `Patient's Name`.
    public let name: String
    /// The allowed VRs, never empty: one for most attributes, several for `US or SS`, `OB or OW`…;
    /// the first is the default.
    public let vrs: [VR]
    /// The value multiplicity as PS3.6 writes it: `1`, `1-n`, `2-2n`…
    public let vm: String
    /// Whether PS3.6 lists the attribute as retired.
    public let isRetired: Bool

    /// The default VR: the first of `vrs`, which is what implicit VR decoding assumes.
    public var vr: VR { vrs.first ?? .UN }

    /// An entry with several VRs, the default first.
    ///
    /// Never inlined, like the one below: each of the five thousand generated cases stays one call with
    /// constant arguments instead of an inlined array construction, which keeps the optimizer's work (and
    /// the release build) smaller.
    @inline(never)
    init(tag: Tag, keyword: String, name: String, vrs: [VR], vm: String, isRetired: Bool) {
        self.tag = tag
        self.keyword = keyword
        self.name = name
        self.vrs = vrs.isEmpty ? [.UN] : vrs
        self.vm = vm
        self.isRetired = isRetired
    }

    /// An entry with a single VR.
    @inline(never)
    init(tag: Tag, keyword: String, name: String, vr: VR, vm: String, isRetired: Bool) {
        self.tag = tag
        self.keyword = keyword
        self.name = name
        self.vrs = [vr]
        self.vm = vm
        self.isRetired = isRetired
    }
}
