import DICOMCore

/// How text is decoded and encoded under a Specific Character Set: ISO 2022 (which also covers the single-byte
/// sets and the default repertoire, where no escape sequence is written) or one of the stand-alone multi-byte codes.
enum CharacterSetCodec: Sendable {
    case iso2022(ISO2022Codec)
    case utf8
    case gb18030
    case gbk

    /// Resolves the terms. A stand-alone code (ISO_IR 192, GB18030, GBK) listed anywhere wins, as the standard
    /// forbids combining it with others. Otherwise value 1 gives the initial G0 and G1 (PS3.5 §6.1.2.5.1): an empty
    /// or unknown value 1 means ISO-IR 6; a double-byte G0 set in value 1, which is not allowed, is reached only by
    /// its escape sequence. Unknown terms are ignored.
    init(_ characterSet: SpecificCharacterSet) {
        let terms = characterSet.terms.map { CharacterSetTerm($0) }
        for term in terms {
            switch term {
            case .utf8:
                self = .utf8
                return
            case .gb18030:
                self = .gb18030
                return
            case .gbk:
                self = .gbk
                return
            case .graphic, nil: continue
            }
        }
        var initialG0 = GraphicCharacterSet.ascii
        var initialG1: GraphicCharacterSet?
        if case .graphic(let g0, let g1)? = terms.first ?? nil {
            if let g0, g0.doubleByteTable == nil { initialG0 = g0 }
            initialG1 = g1
        }
        var sets: [GraphicCharacterSet] = [initialG0]
        if let initialG1 { sets.append(initialG1) }
        var doubleByteG1: GraphicCharacterSet?
        for case .graphic(let g0, let g1)? in terms {
            for set in [g0, g1].compactMap({ $0 }) where !sets.contains(set) {
                sets.append(set)
                if !set.isG0, set.doubleByteTable != nil, doubleByteG1 == nil { doubleByteG1 = set }
            }
        }
        self = .iso2022(
            ISO2022Codec(
                initialG0: initialG0, initialG1: initialG1, undesignatedG1: initialG1 ?? doubleByteG1 ?? .latin1,
                sets: sets, usesCodeExtensions: characterSet.usesCodeExtensions))
    }
}
