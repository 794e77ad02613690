/// The 34 value representations of PS3.5 §6.2, named by their two-letter codes.
public enum VR: String, CaseIterable, Hashable, Sendable {
    case AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM
    case UC, UI, UL, UN, UR, US, UT, UV

    /// Reads a VR from the two bytes of an explicit VR header; nil when they name no VR.
    @inlinable
    public init?(firstByte: UInt8, secondByte: UInt8) {
        switch (firstByte, secondByte) {
        case (0x41, 0x45): self = .AE
        case (0x41, 0x53): self = .AS
        case (0x41, 0x54): self = .AT
        case (0x43, 0x53): self = .CS
        case (0x44, 0x41): self = .DA
        case (0x44, 0x53): self = .DS
        case (0x44, 0x54): self = .DT
        case (0x46, 0x44): self = .FD
        case (0x46, 0x4C): self = .FL
        case (0x49, 0x53): self = .IS
        case (0x4C, 0x4F): self = .LO
        case (0x4C, 0x54): self = .LT
        case (0x4F, 0x42): self = .OB
        case (0x4F, 0x44): self = .OD
        case (0x4F, 0x46): self = .OF
        case (0x4F, 0x4C): self = .OL
        case (0x4F, 0x56): self = .OV
        case (0x4F, 0x57): self = .OW
        case (0x50, 0x4E): self = .PN
        case (0x53, 0x48): self = .SH
        case (0x53, 0x4C): self = .SL
        case (0x53, 0x51): self = .SQ
        case (0x53, 0x53): self = .SS
        case (0x53, 0x54): self = .ST
        case (0x53, 0x56): self = .SV
        case (0x54, 0x4D): self = .TM
        case (0x55, 0x43): self = .UC
        case (0x55, 0x49): self = .UI
        case (0x55, 0x4C): self = .UL
        case (0x55, 0x4E): self = .UN
        case (0x55, 0x52): self = .UR
        case (0x55, 0x53): self = .US
        case (0x55, 0x54): self = .UT
        case (0x55, 0x56): self = .UV
        default: return nil
        }
    }

    /// The two ASCII bytes written in an explicit VR header.
    @inlinable
    public var bytes: (UInt8, UInt8) {
        let utf8 = rawValue.utf8
        return (utf8[utf8.startIndex], utf8[utf8.index(after: utf8.startIndex)])
    }

    /// Whether an explicit VR header for this VR has two reserved bytes and a 32-bit length (PS3.5 §7.1.2).
    @inlinable
    public var hasLongExplicitLength: Bool {
        switch self {
        case .OB, .OD, .OF, .OL, .OV, .OW, .SQ, .SV, .UC, .UN, .UR, .UT, .UV: true
        case .AE, .AS, .AT, .CS, .DA, .DS, .DT, .FD, .FL, .IS, .LO, .LT, .PN, .SH, .SL, .SS, .ST, .TM, .UI, .UL,
            .US:
            false
        }
    }

    /// The size of the unit whose bytes reverse between little and big endian; 1 when nothing is swapped.
    @inlinable
    public var byteSwapUnit: Int {
        switch self {
        case .AT, .OW, .SS, .US: 2
        case .FL, .OF, .OL, .SL, .UL: 4
        case .FD, .OD, .OV, .SV, .UV: 8
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .OB, .PN, .SH, .SQ, .ST, .TM, .UC, .UI, .UN, .UR, .UT:
            1
        }
    }

    /// The byte that pads a value to even length: NUL for UI and OB, a space for text.
    @inlinable
    public var paddingByte: UInt8 {
        switch self {
        case .UI, .OB, .UN: 0x00
        default: isText ? 0x20 : 0x00
        }
    }

    /// VRs whose value is character data.
    @inlinable
    public var isText: Bool {
        switch self {
        case .AE, .AS, .CS, .DA, .DS, .DT, .IS, .LO, .LT, .PN, .SH, .ST, .TM, .UC, .UI, .UR, .UT: true
        case .AT, .FD, .FL, .OB, .OD, .OF, .OL, .OV, .OW, .SL, .SQ, .SS, .SV, .UL, .UN, .US, .UV: false
        }
    }

    /// Text VRs whose value is affected by Specific Character Set (0008,0005) (PS3.5 §6.1.2.3).
    @inlinable
    public var usesSpecificCharacterSet: Bool {
        switch self {
        case .LO, .LT, .PN, .SH, .ST, .UC, .UT: true
        default: false
        }
    }

    /// Text VRs that hold one value whatever backslashes they contain (PS3.5 §6.4).
    @inlinable
    public var isSingleValuedText: Bool {
        switch self {
        case .LT, .ST, .UT, .UR: true
        default: false
        }
    }

    /// The size of one binary value, or nil for text, sequences and byte streams.
    @inlinable
    public var fixedValueSize: Int? {
        switch self {
        case .AT, .SL, .UL, .FL: 4
        case .SS, .US: 2
        case .FD, .SV, .UV: 8
        default: nil
        }
    }
}
