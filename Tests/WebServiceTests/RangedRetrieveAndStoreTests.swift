import DICOM
import DICOMCore
import DICOMDictionary
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WebService



/// Frames and bulk data read from byte ranges of the stored object, concurrent STOW-RS with the study check made
/// before storing, the STOW-RS body limit, and the capabilities description.
struct RangedRetrieveAndStoreTests {
    static let study = "2.25.300"
    static let series = "2.25.300.1"
    static let instancePath = "/dicomweb/studies/2.25.300/series/2.25.300.1/instances/2.25.300.1.1"
    /// A value long enough to be skipped, not read, by the header reader (it reads 16 KiB first).
    static let palette = ByteBuffer(bytes: (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })

    static func fragment(_ seed: UInt8, _ count: Int) -> ByteBuffer {
        ByteBuffer(bytes: [0xFF, 0xD8] + (0..<(count - 2)).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0) })
    }

    /// A three-frame JPEG-LS-labelled instance whose frames are `frames` (each a list of fragments), with a Basic
    /// Offset Table when `withOffsetTable`, and a 40 KB value before Pixel Data.
    static func encapsulated(_ frames: [[ByteBuffer]], withOffsetTable: Bool) throws -> ByteBuffer {
        let native = try SyntheticInstance.make(study: study, series: series, sop: "2.25.300.1.1", frames: frames.count)
        var dataSet = try DICOMFile(bytes: native).dataSet
        var table = ByteBuffer()
        var position: UInt32 = 0
        for frame in frames {
            table.writeInteger(position, endianness: .little)
            position += frame.reduce(0) { $0 + 8 + UInt32($1.readableBytes) }
        }
        dataSet.insert(
            DataElement(
                tag: .pixelData, vr: .OB,
                value: .fragments(PixelFragments(offsetTable: withOffsetTable ? table : ByteBuffer(), fragments: frames.flatMap { $0 }))))
        dataSet.insert(DataElement(tag: Tag(rawValue: 0x0028_1201), vr: .OW, bytes: palette))
        return try DICOMFile(dataSet: dataSet, transferSyntax: .jpegLSLossless).encoded()
    }

    static func joined(_ buffers: [ByteBuffer]) -> ByteBuffer {
        var output = ByteBuffer()
        for buffer in buffers { output.writeImmutableBuffer(buffer) }
        return output
    }

    static func failedItems(_ response: TestResponse) throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (object?["00081198"] as? [String: Any])?["Value"] as? [[String: Any]] ?? []
    }

    static func referencedUIDs(_ response: TestResponse) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        let items = (object?["00081199"] as? [String: Any])?["Value"] as? [[String: Any]] ?? []
        return items.compactMap { firstValue($0, "00081155") as? String }
    }

    /// Offsets in a deflated data set name bytes of the inflated stream: its frames are cut from the inflated object.
    @Test func framesOfADeflatedInstanceAreCutAfterInflating() async throws {
        let native = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.300.1.1", frames: 3)
        let dataSet = try DICOMFile(bytes: native).dataSet
        let pixels = try #require(SyntheticInstance.nativePixels(dataSet))
        let frameLength = pixels.readableBytes / 3
        let deflated = try DICOMFile(dataSet: dataSet, transferSyntax: .deflatedExplicitVRLittleEndian).encoded()
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, [deflated]) == .ok)
            let response = try await client.execute(
                uri: Self.instancePath + "/frames/3,1", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/octet-stream\""]))
            #expect(response.status == .ok)
            let parts = try DICOMWebTests.parts(response)
            #expect(parts == [
                pixels.getSlice(at: pixels.readerIndex + 2 * frameLength, length: frameLength),
                pixels.getSlice(at: pixels.readerIndex, length: frameLength),
            ])
        }
    }

    @Test(arguments: [true, false])
    func encapsulatedFramesAndBulkDataComeFromTheirRanges(withOffsetTable: Bool) async throws {
        // With a table, frame 2 spans two fragments; without, one fragment per frame is the only layout that works.
        let frames: [[ByteBuffer]] =
            withOffsetTable
            ? [[Self.fragment(1, 300)], [Self.fragment(2, 70_000), Self.fragment(3, 20)], [Self.fragment(4, 9)]]
            : [[Self.fragment(1, 300)], [Self.fragment(2, 70_000)], [Self.fragment(4, 9)]]
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, [try Self.encapsulated(frames, withOffsetTable: withOffsetTable)]) == .ok)
            let response = try await client.execute(
                uri: Self.instancePath + "/frames/2,3,1", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"image/jls\""]))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.contains("type=\"image/jls\"") == true)
            let parts = try DICOMWebTests.parts(response)
            #expect(parts == [Self.joined(frames[1]), Self.joined(frames[2]), Self.joined(frames[0])])

            let palette = try await client.execute(
                uri: Self.instancePath + "/bulkdata/00281201", method: .get, headers: fixture.headers())
            #expect(try DICOMWebTests.parts(palette) == [Self.palette])
            let pixels = try await client.execute(
                uri: Self.instancePath + "/bulkdata/7FE00010", method: .get, headers: fixture.headers())
            #expect(try DICOMWebTests.parts(pixels) == [Self.joined(frames.flatMap { $0 })])
            let octets = try await client.execute(
                uri: Self.instancePath + "/frames/1", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/octet-stream\""]))
            #expect(octets.status == .notAcceptable)
        }
    }

    /// No offset table and more fragments than frames: the fragments that start a codestream (a JPEG-LS SOI) start
    /// the frames. When those fragments are not exactly one per frame, the frames cannot be told apart: 406.
    @Test(arguments: [true, false])
    func framesSplitOverFragmentsAreFoundByTheirCodestreamStart(continuationsLookLikeFrames: Bool) async throws {
        func continuation(_ seed: UInt8, _ count: Int) -> ByteBuffer {
            continuationsLookLikeFrames
                ? Self.fragment(seed, count) : ByteBuffer(bytes: (0..<count).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0) })
        }
        let frames: [[ByteBuffer]] = [
            [Self.fragment(1, 300), continuation(5, 40)], [Self.fragment(2, 70_000)],
            [Self.fragment(4, 9), continuation(6, 100), continuation(7, 3)],
        ]
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, [try Self.encapsulated(frames, withOffsetTable: false)]) == .ok)
            let response = try await client.execute(
                uri: Self.instancePath + "/frames/3,1,2", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"image/jls\""]))
            if continuationsLookLikeFrames {
                #expect(response.status == .notAcceptable)
                return
            }
            #expect(response.status == .ok)
            #expect(try DICOMWebTests.parts(response) == [Self.joined(frames[2]), Self.joined(frames[0]), Self.joined(frames[1])])
        }
    }

    @Test func nativeFramesOfALargeInstanceStreamedInBySTOW() async throws {
        // 3,000 frames of 32 bytes: over the 64 KiB read whole, so the part streams into ingest after its header
        // was checked; frames come back from ranges of the blob.
        let configuration = DICOMWebConfiguration(storeConcurrency: 3, storeBufferedPartBytes: 64 << 10)
        try await WebFixture.withApp(dicomWeb: configuration) { client, fixture in
            var parts = try (2...7).map {
                try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.300.1.\($0)")
            }
            parts.insert(
                try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.300.1.1", frames: 3000),
                at: 3)
            let (body, contentType) = SyntheticInstance.stowBody(parts)
            let stored = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .post,
                headers: fixture.headers(nil, [.contentType: contentType]), body: body)
            #expect(stored.status == .ok)
            #expect(
                try Self.referencedUIDs(stored)
                    == ["2.25.300.1.2", "2.25.300.1.3", "2.25.300.1.4", "2.25.300.1.1", "2.25.300.1.5", "2.25.300.1.6",
                        "2.25.300.1.7"])
            let frames = try await client.execute(
                uri: Self.instancePath + "/frames/2999", method: .get, headers: fixture.headers())
            let frame = try #require(try DICOMWebTests.parts(frames).first)
            #expect(frame.readableBytes == 32)
            // Frame f holds f × 100 + index (16-bit, truncated): frame 2999 is number 2998 from zero.
            #expect(frame.getInteger(at: frame.readerIndex + 2, endianness: .little, as: UInt16.self) == UInt16(truncatingIfNeeded: 2998 * 100 + 1))
            let missing = try await client.execute(
                uri: Self.instancePath + "/frames/3001", method: .get, headers: fixture.headers())
            #expect(missing.status == .notFound)
        }
    }

    /// Whole parts wait for room in the request's byte budget as well as for a free slot: with a budget of a few
    /// parts, every part is still stored and answered in order.
    @Test func stowPartsWaitForTheirByteBudget() async throws {
        let configuration = DICOMWebConfiguration(
            storeConcurrency: 32, storeBufferedPartBytes: 64 << 10, storeBufferedBytes: 64 << 10)
        try await WebFixture.withApp(dicomWeb: configuration) { client, fixture in
            let parts = try (1...40).map {
                try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.301.1.\($0)", frames: 500)
            }
            #expect(parts.allSatisfy { $0.readableBytes > 16 << 10 })
            let (body, contentType) = SyntheticInstance.stowBody(parts)
            let stored = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .post,
                headers: fixture.headers(nil, [.contentType: contentType]), body: body)
            #expect(stored.status == .ok)
            #expect(try Self.referencedUIDs(stored) == (1...40).map { "2.25.301.1.\($0)" })
        }
    }

    @Test func stowToAStudyRefusesOtherStudiesBeforeStoringThem() async throws {
        try await WebFixture.withApp { client, fixture in
            let mine = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.300.1.1")
            let other = try SyntheticInstance.make(study: "2.25.7", series: "2.25.7.1", sop: "2.25.7.1.1")
            let (body, contentType) = SyntheticInstance.stowBody([other, mine])
            let response = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .post,
                headers: fixture.headers(nil, [.contentType: contentType]), body: body)
            #expect(response.status == .accepted)
            let failed = try Self.failedItems(response)
            #expect(failed.count == 1)
            #expect(failed.first.map { firstValue($0, "00081197") as? Int } == 0xA900)
            #expect(failed.first.map { firstValue($0, "00081155") as? String } == "2.25.7.1.1")
            #expect(try Self.referencedUIDs(response) == ["2.25.300.1.1"])
            let search = try await client.execute(
                uri: "/dicomweb/studies?StudyInstanceUID=2.25.7", method: .get, headers: fixture.headers())
            #expect(try jsonArray(search).isEmpty)
        }
    }

    @Test func stowBodyOverTheLimitIs413() async throws {
        try await WebFixture.withApp(dicomWeb: DICOMWebConfiguration(maximumStoreBodyBytes: 4096)) { client, fixture in
            let parts = try (1...10).map {
                try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.300.1.\($0)")
            }
            let (body, contentType) = SyntheticInstance.stowBody(parts)
            let response = try await client.execute(
                uri: "/dicomweb/studies", method: .post, headers: fixture.headers(nil, [.contentType: contentType]),
                body: body)
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.contentType] == "application/problem+json")
            #expect(try await fixture.stow(client, [parts[0]]) == .ok)
        }
    }

    @Test func capabilitiesDescriptionIsWADLAtTheRoot() async throws {
        try await WebFixture.withApp { client, fixture in
            let response = try await client.execute(uri: "/dicomweb", method: .options, headers: fixture.headers())
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/vnd.sun.wadl+xml")
            let text = String(buffer: response.body)
            #expect(text.contains("<application xmlns=\"http://wadl.dev.java.net/2009/02\">"))
            #expect(text.contains("/dicomweb/\">"))
            for id in ["SearchForStudies", "StoreStudyInstances", "RetrieveFrames", "RetrieveSeriesMetadata", "DeleteInstance"] {
                #expect(text.contains("id=\"\(id)\""))
            }
            let json = try await client.execute(
                uri: "/dicomweb", method: .options, headers: fixture.headers(nil, [.accept: "application/json"]))
            #expect(json.status == .notAcceptable)
            let anonymous = try await client.execute(uri: "/dicomweb", method: .options)
            #expect(anonymous.status == .unauthorized)
        }
    }
}
