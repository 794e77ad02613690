import Archive
import ArchiveCompression
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import NuageTestSupport
import Testing
import WebService

/// Rendered studies and series, and instances compressed at rest served in the syntax the client asks for.
struct PixelResourcesTests {
    static let study = "\(Synthetic.root).1"
    static let series = "\(Synthetic.root).1.1"

    /// A frame of a multi-frame instance is rendered from the header and that frame's bytes (ranges of the
    /// object): the image equals that of a single-frame instance holding the same pixels, and differs from the
    /// first frame's.
    @Test func aFrameIsRenderedAsASingleFrameInstanceOfItsPixels() async throws {
        let multiFrame = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "\(Self.series).1", frames: 3)
        var single = try DICOMFile(bytes: multiFrame).dataSet
        let pixels = try #require(SyntheticInstance.nativePixels(single))
        single.insert(DataElement(tag: .pixelData, vr: .OW, bytes: try #require(pixels.getSlice(at: pixels.readerIndex + 64, length: 32))))
        try single.setStrings(["1"], for: .numberOfFrames, vr: .IS)
        try single.setStrings(["\(Self.series).2"], for: .sopInstanceUID, vr: .UI)
        let singleFrame = try DICOMFile(dataSet: single, transferSyntax: .explicitVRLittleEndian).encoded()
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, [multiFrame, singleFrame]) == .ok)
            func png(_ path: String) async throws -> ByteBuffer {
                let response = try await client.execute(
                    uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/\(path)", method: .get,
                    headers: fixture.headers(nil, [.accept: "image/png"]))
                #expect(response.status == .ok, "\(path)")
                return response.body
            }
            // A fixed window: with each frame's own range, frames of the same pattern would look alike.
            let third = try await png("\(Self.series).1/frames/3/rendered?window=100,400")
            #expect(third == (try await png("\(Self.series).2/rendered?window=100,400")))
            #expect(third != (try await png("\(Self.series).1/frames/1/rendered?window=100,400")))
            let missing = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/\(Self.series).1/frames/4/rendered",
                method: .get, headers: fixture.headers())
            #expect(missing.status.code / 100 == 4)
        }
    }

    @Test func renderedStudyAndSeriesAreMultipartImages() async throws {
        try await WebFixture.withApp { client, fixture in
            let images = try (1...3).map { try Synthetic.ctImageFile(sop: "2.25.90.\($0)", seed: UInt64($0)) }
            let report = try Synthetic.file(Synthetic.dataSet(sop: "2.25.90.25", pixelLength: 0))
            #expect(try await fixture.stow(client, images + [report]) == .ok)

            let study = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/rendered", method: .get, headers: fixture.headers())
            #expect(study.status == .ok)
            #expect(study.headers[.contentType]?.hasPrefix("multipart/related; type=\"image/jpeg\"") == true)
            let jpegs = try DICOMWebTests.parts(study)
            #expect(jpegs.count == 3)  // the instance without pixel data is left out
            #expect(jpegs.allSatisfy { $0.getBytes(at: $0.readerIndex, length: 2) == [0xFF, 0xD8] })

            let series = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/rendered?viewport=16,16&window=1024,1200",
                method: .get, headers: fixture.headers(nil, [.accept: "multipart/related; type=\"image/png\""]))
            #expect(series.status == .ok)
            let pngs = try DICOMWebTests.parts(series)
            #expect(pngs.count == 3)
            #expect(pngs.allSatisfy { $0.getBytes(at: $0.readerIndex + 1, length: 3) == Array("PNG".utf8) })

            // The middle instance (by index order) is the report: the thumbnail passes over it to an image.
            let thumbnail = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/thumbnail", method: .get, headers: fixture.headers())
            #expect(thumbnail.status == .ok)
            #expect(thumbnail.body.getBytes(at: thumbnail.body.readerIndex, length: 2) == [0xFF, 0xD8])

            let gif = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/rendered", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"image/gif\""]))
            #expect(gif.status == .notAcceptable)
            let single = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/rendered", method: .get,
                headers: fixture.headers(nil, [.accept: "image/jpeg"]))
            #expect(single.status == .notAcceptable)
            let unknown = try await client.execute(
                uri: "/dicomweb/studies/2.25.404/rendered", method: .get, headers: fixture.headers())
            #expect(unknown.status == .notFound)
            let badQuality = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/rendered?quality=0", method: .get, headers: fixture.headers())
            #expect(badQuality.status == .badRequest)
            // Another establishment sees nothing.
            let foreign = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/rendered", method: .get, headers: fixture.headers(fixture.otherKey))
            #expect(foreign.status == .notFound)
        }
    }

    @Test func compressedAtRestIsServedAsStoredOrAsAsked() async throws {
        try await WebFixture.withApp { client, fixture in
            let original = try Synthetic.ctImageFile(sop: "2.25.91.1", seed: 7)
            #expect(try await fixture.stow(client, [original]) == .ok)
            try await fixture.directory.setCompression(.jpegLS, of: .defaultTenant)
            let outcomes = try await CompressionPass(archive: fixture.archive, directory: fixture.directory).run()
            #expect(outcomes.map(\.report.compressed) == [1])
            let instance = "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.91.1"

            let stored = try await client.execute(
                uri: instance, method: .get,
                headers: fixture.headers(
                    nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*"]))
            #expect(stored.status == .ok)
            let storedPart = try #require(try DICOMWebTests.parts(stored).first)
            #expect(try DICOMFile(bytes: storedPart).transferSyntax.uid.rawValue == "1.2.840.10008.1.2.4.80")

            let uncompressed = try await client.execute(
                uri: instance, method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\""]))
            #expect(uncompressed.status == .ok)
            let part = try #require(try DICOMWebTests.parts(uncompressed).first)
            let file = try DICOMFile(bytes: part)
            #expect(file.transferSyntax.uid.rawValue == "1.2.840.10008.1.2.1")
            #expect(file.dataSet.string(.sopInstanceUID) == "2.25.91.1")
            #expect(try Self.samples(part) == Self.samples(original))
            #expect(try Self.samples(storedPart) == Self.samples(original))

            let statistics = try await client.execute(
                uri: "/admin/statistics", method: .get,
                headers: [.authorization: AdminAPITests.adminBasic])
            let rows = try JSONSerialization.jsonObject(with: Data(statistics.body.readableBytesView)) as? [[String: Any]]
            let compression = rows?.first { $0["tenant"] as? String == "default" }?["compression"] as? [String: Any]
            #expect(compression?["instances"] as? Int == 1)
            #expect((compression?["ratio"] as? Double ?? 0) > 1)
        }
    }

    static func samples(_ object: ByteBuffer) throws -> [UInt8] {
        let file = try DICOMFile(bytes: object)
        return try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax).frame(at: 0).bytes
    }
}
