public import DICOMCore
public import NIOCore

/// One step of a data set's encoding, as the tokenizer reads it (after dicom-rs's token stream).
///
/// Primitive values arrive whole in `.element` unless they are at least as long as the tokenizer's streaming
/// threshold (or are Pixel Data while pixel data streaming is on): then `.elementHeader` comes first and
/// `.valueChunk`s follow, the last marked, so that a 2 GB value never has to be held. Fragments of encapsulated
/// pixel data follow the same rule with `.fragment` and `.fragmentHeader`.
public enum DataSetToken: Hashable, Sendable {
    /// A primitive element with its whole value (little-endian, padding included).
    case element(ElementHeader, ByteBuffer)
    /// A primitive element whose value follows as `.valueChunk`s, or is skipped (`skipValue()`).
    case elementHeader(ElementHeader)
    /// The start of a sequence: VR SQ, or UN/unknown with an undefined length read as an implicit VR sequence.
    case sequenceStart(ElementHeader)
    /// The start of an item of the current sequence; nil length when undefined.
    case itemStart(length: UInt32?)
    /// The end of the current item, by its length or by an Item Delimitation Item.
    case itemEnd
    /// The end of the current sequence, by its length or by a Sequence Delimitation Item.
    case sequenceEnd
    /// The start of encapsulated Pixel Data: a sequence of items holding fragments (PS3.5 §A.4).
    case encapsulatedPixelDataStart(ElementHeader)
    /// One whole item of encapsulated pixel data; the first is the Basic Offset Table.
    case fragment(ByteBuffer)
    /// An item of encapsulated pixel data whose bytes follow as `.valueChunk`s, or are skipped.
    case fragmentHeader(length: UInt32)
    /// The end of encapsulated pixel data (its Sequence Delimitation Item).
    case encapsulatedPixelDataEnd
    /// Part of a streamed value or fragment; `isLast` on the final part (an empty value has one empty last part).
    case valueChunk(ByteBuffer, isLast: Bool)
}
