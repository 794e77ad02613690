/// The header of an encoded data element: tag, VR and value length (PS3.5 §7.1).
public struct ElementHeader: Hashable, Sendable {
    public var tag: Tag
    public var vr: VR
    /// The value length in bytes; nil for an undefined length (FFFFFFFFH).
    public var length: UInt32?

    public init(tag: Tag, vr: VR, length: UInt32?) {
        self.tag = tag
        self.vr = vr
        self.length = length
    }

    /// The encoded value of an undefined length.
    public static let undefinedLength: UInt32 = 0xFFFF_FFFF
}
