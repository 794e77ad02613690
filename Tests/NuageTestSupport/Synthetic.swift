// Synthetic DICOM objects and scratch folders for the app's tests. Only synthetic data: no real patient.
public import DICOMCore
import DICOM
import DICOMDictionary
import Foundation
public import NIOCore

/// Synthetic DICOM objects.
public enum Synthetic {
    public static let ctImageStorage = "1.2.840.10008.5.1.4.1.1.2"
    public static let root = "2.25.1234567"

    /// A small CT-like data set with the identifying attributes and 8×8 16-bit pixels.
    public static func dataSet(
        patientID: String? = "PAT-001", patientName: String = "Doe^Jane", study: String = "\(root).1",
        series: String = "\(root).1.1", sop: String = "\(root).1.1.1", sopClass: String? = ctImageStorage,
        instanceNumber: Int = 1, pixelValue: UInt8 = 0x11, pixelLength: Int = 128, characterSet: String? = nil
    ) throws -> DataSet {
        var dataSet = DataSet()
        if let characterSet { try dataSet.setStrings([characterSet], for: .specificCharacterSet, vr: .CS) }
        if let sopClass { try dataSet.setStrings([sopClass], for: .sopClassUID, vr: .UI) }
        if !sop.isEmpty { try dataSet.setStrings([sop], for: .sopInstanceUID, vr: .UI) }
        try dataSet.setStrings(["20240131"], for: .studyDate, vr: .DA)
        try dataSet.setStrings(["101500"], for: .studyTime, vr: .TM)
        try dataSet.setStrings(["ACC1"], for: .accessionNumber, vr: .SH)
        try dataSet.setStrings(["CT"], for: .modality, vr: .CS)
        try dataSet.setStrings(["Synthetic study"], for: .studyDescription, vr: .LO)
        try dataSet.setStrings([patientName], for: .patientName, vr: .PN)
        if let patientID { try dataSet.setStrings([patientID], for: .patientID, vr: .LO) }
        try dataSet.setStrings(["19700101"], for: .patientBirthDate, vr: .DA)
        try dataSet.setStrings(["F"], for: .patientSex, vr: .CS)
        try dataSet.setStrings([study], for: .studyInstanceUID, vr: .UI)
        try dataSet.setStrings([series], for: .seriesInstanceUID, vr: .UI)
        try dataSet.setStrings(["7"], for: .seriesNumber, vr: .IS)
        try dataSet.setStrings([String(instanceNumber)], for: .instanceNumber, vr: .IS)
        dataSet.insert(DataElement(tag: .rows, vr: .US, integers: [UInt16(8)]))
        dataSet.insert(DataElement(tag: .columns, vr: .US, integers: [UInt16(8)]))
        dataSet.insert(DataElement(tag: .bitsAllocated, vr: .US, integers: [UInt16(16)]))
        if pixelLength > 0 {
            dataSet.insert(
                DataElement(
                    tag: .pixelData, vr: .OW, bytes: ByteBuffer(repeating: pixelValue, count: pixelLength)))
        }
        return dataSet
    }

    /// The Part 10 encoding of a data set (Explicit VR Little Endian).
    public static func file(_ dataSet: DataSet) throws -> ByteBuffer {
        try DICOMFile(dataSet: dataSet, transferSyntax: .explicitVRLittleEndian).encoded()
    }

    /// A Part 10 file of a fresh small instance.
    public static func file(sop: String, pixelValue: UInt8 = 0x11, study: String = "\(root).1") throws -> ByteBuffer {
        try file(dataSet(study: study, sop: sop, pixelValue: pixelValue))
    }

    /// A Part 10 file (Explicit VR Little Endian) of a synthetic 64×64 CT-like image, 16 bits allocated, 12 stored:
    /// smooth rings plus noise from `seed` (compressible as real CT is). With `highBits`, values also use the 4 bits
    /// above Bits Stored.
    public static func ctImageFile(sop: String, seed: UInt64, highBits: Bool = false) throws -> ByteBuffer {
        var dataSet = try dataSet(sop: sop, pixelLength: 0)
        let size = 64
        for (tag, value) in [
            (Tag.rows, size), (.columns, size), (.samplesPerPixel, 1), (.bitsStored, 12), (.highBit, 11),
            (.pixelRepresentation, 0),
        ] {
            dataSet.insert(DataElement(tag: tag, vr: .US, integers: [UInt16(value)]))
        }
        try dataSet.setStrings(["MONOCHROME2"], for: .photometricInterpretation, vr: .CS)
        var random = SplitMix(seed: seed)
        var pixels = ByteBuffer()
        for row in 0..<size {
            for column in 0..<size {
                let radius = Double((row - 32) * (row - 32) + (column - 32) * (column - 32)).squareRoot()
                var value = UInt16(1024 + 600 * sin(radius / 4)) + UInt16(random.next() % 8)
                if highBits { value |= 0xF000 }
                pixels.writeInteger(value, endianness: .little)
            }
        }
        dataSet.insert(DataElement(tag: .pixelData, vr: .OW, bytes: pixels))
        return try file(dataSet)
    }

    /// Splits bytes into chunks of `size`.
    public static func chunks(_ bytes: ByteBuffer, size: Int) -> [ByteBuffer] {
        var rest = bytes
        var chunks: [ByteBuffer] = []
        while rest.readableBytes > 0, let chunk = rest.readSlice(length: min(size, rest.readableBytes)) {
            chunks.append(chunk)
        }
        return chunks
    }
}

/// A fresh empty folder under the system's temporary directory, removed after `body`.
public func withTemporaryFolder<Result>(_ body: (String) async throws -> Result) async throws -> Result {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("nuage-test-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

