import NIOCore

extension DataElement {
    /// The values of a binary VR (US, SS, UL, SL, UV, SV, OW, OL, OV…) as integers of type `T`.
    ///
    /// Values are little-endian in memory. Throws `invalidValue` when the element holds no bytes or its length is
    /// not a multiple of `T`'s size.
    public func integers<T: FixedWidthInteger>(as type: T.Type = T.self) throws(DICOMParseError) -> [T] {
        let buffer = try primitiveBytes()
        let size = MemoryLayout<T>.size
        guard buffer.readableBytes % size == 0 else {
            throw DICOMParseError(
                .invalidValue, "length \(buffer.readableBytes) is not a multiple of \(size)", tagPath: [tag])
        }
        var values: [T] = []
        values.reserveCapacity(buffer.readableBytes / size)
        var reader = buffer
        while let value = reader.readInteger(endianness: .little, as: T.self) { values.append(value) }
        return values
    }

    /// The values of FL or OF.
    public func float32s() throws(DICOMParseError) -> [Float] {
        try integers(as: UInt32.self).map(Float.init(bitPattern:))
    }

    /// The values of FD or OD.
    public func float64s() throws(DICOMParseError) -> [Double] {
        try integers(as: UInt64.self).map(Double.init(bitPattern:))
    }

    /// The tags of an AT value: pairs of 16-bit group and element numbers (PS3.5 §6.2).
    public func tags() throws(DICOMParseError) -> [Tag] {
        let halves = try integers(as: UInt16.self)
        guard halves.count % 2 == 0 else {
            throw DICOMParseError(.invalidValue, "AT value has an odd number of 16-bit words", tagPath: [tag])
        }
        return stride(from: 0, to: halves.count, by: 2).map { Tag(group: halves[$0], element: halves[$0 + 1]) }
    }

    /// The text of a value in the default repertoire, split and trimmed by the VR's rules: right for AE, AS, CS,
    /// DA, DS, DT, IS, TM, UI and UR, which may only hold ASCII. Text VRs affected by Specific Character Set must be
    /// decoded with it (the `DICOM` target's `DataSet.strings(_:)`).
    public func asciiStrings() throws(DICOMParseError) -> [String] {
        let buffer = try primitiveBytes()
        if buffer.readableBytes == 0 { return [] }
        return ValueText.split(String(decoding: buffer.readableBytesView, as: UTF8.self), vr: vr)
    }

    private func primitiveBytes() throws(DICOMParseError) -> ByteBuffer {
        guard case .bytes(let buffer) = value else {
            throw DICOMParseError(.invalidValue, "\(vr) element does not hold a primitive value", tagPath: [tag])
        }
        return buffer
    }
}

extension DataElement {
    /// An element of a binary VR holding the integers, little-endian.
    public init<T: FixedWidthInteger>(tag: Tag, vr: VR, integers: [T]) {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(integers.count * MemoryLayout<T>.size)
        for value in integers { buffer.writeInteger(value, endianness: .little) }
        self.init(tag: tag, vr: vr, bytes: buffer)
    }

    /// An element of a default-repertoire text VR (AE, CS, DA, DS, IS, TM, UI…): values joined with backslashes
    /// and padded to even length with the VR's padding byte.
    public init(tag: Tag, vr: VR, asciiStrings: [String]) {
        var buffer = ByteBuffer()
        buffer.writeString(asciiStrings.joined(separator: "\\"))
        if buffer.readableBytes % 2 == 1 { buffer.writeInteger(vr.paddingByte) }
        self.init(tag: tag, vr: vr, bytes: buffer)
    }
}
