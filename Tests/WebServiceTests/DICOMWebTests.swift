import DICOMCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WebService

/// The studies service in process: STOW-RS then QIDO-RS, WADO-RS, metadata, frames, WADO-URI and DELETE, over a
/// real SQLite index and file blob store.
struct DICOMWebTests {
    static let study = "2.25.100"
    static let series = "2.25.100.1"

    static func instances(count: Int, frames: Int = 1) throws -> [ByteBuffer] {
        try (1...count).map { try SyntheticInstance.make(study: study, series: series, sop: "2.25.100.1.\($0)", frames: frames) }
    }

    @Test func stowThenSearchRetrieveAndDelete() async throws {
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, try Self.instances(count: 3)) == .ok)

            let studies = try await client.execute(uri: "/dicomweb/studies?PatientID=P1&includefield=all", method: .get, headers: fixture.headers())
            #expect(studies.status == .ok)
            #expect(studies.headers[.contentType] == "application/dicom+json")
            let studyObjects = try jsonArray(studies)
            #expect(studyObjects.count == 1)
            #expect(firstValue(studyObjects[0], "0020000D") as? String == Self.study)
            #expect(firstValue(studyObjects[0], "00201208") as? Int == 3)
            #expect((firstValue(studyObjects[0], "00081190") as? String)?.hasSuffix("/dicomweb/studies/\(Self.study)") == true)

            let instances = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances?limit=2", method: .get, headers: fixture.headers())
            #expect(try jsonArray(instances).count == 2)
            #expect(instances.headers[HTTPField.Name("Warning")!]?.hasPrefix("299") == true)

            let retrieved = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*"]))
            #expect(retrieved.status == .ok)
            let parts = try Self.parts(retrieved)
            #expect(parts.count == 3)
            #expect(parts.allSatisfy { String(buffer: $0).contains("DICM") })

            let deleted = try await client.execute(uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.1.2", method: .delete, headers: fixture.headers())
            #expect(deleted.status == .noContent)
            let after = try await client.execute(uri: "/dicomweb/studies/\(Self.study)/instances", method: .get, headers: fixture.headers())
            #expect(try jsonArray(after).count == 2)
            let again = try await client.execute(uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.1.2", method: .delete, headers: fixture.headers())
            #expect(again.status == .notFound)
        }
    }

    /// More instances than one batch of whole reads holds, some converted on the way and one large enough to be
    /// streamed: every part comes back once, byte for byte.
    @Test func studyRetrievalReadsInBatches() async throws {
        try await WebFixture.withApp { client, fixture in
            let large = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.3.1", frames: 40_000)
            #expect(large.readableBytes > 1 << 20)
            let stored = try Self.instances(count: DICOMWebService.batchCount * 2 + 5) + [large]
            let implicit = try (1...3).map {
                try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.2.\($0)", syntax: .implicitVRLittleEndian)
            }
            #expect(try await fixture.stow(client, stored + implicit) == .ok)
            let asStored = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*"]))
            let parts = try Self.parts(asStored)
            #expect(parts.count == stored.count + implicit.count)
            #expect(Set(parts) == Set(stored + implicit))
            // Explicit VR Little Endian by default: the implicit ones are converted, the others read in batches.
            let converted = try Self.parts(
                try await client.execute(uri: "/dicomweb/studies/\(Self.study)", method: .get, headers: fixture.headers()))
            #expect(converted.count == stored.count + implicit.count)
            #expect(Set(converted).intersection(stored).count == stored.count)
            #expect(Set(converted).intersection(implicit).isEmpty)
        }
    }

    /// A data set stored without its preamble and "DICM" (as pydicom may send it) goes out as a PS3.10 file, in a
    /// batch with others, each part's Content-Length saying its length.
    @Test func retrievedPartsArePart10FilesWithTheirLengths() async throws {
        try await WebFixture.withApp { client, fixture in
            let whole = try Self.instances(count: 3)
            var bare = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.4.1")
            bare.moveReaderIndex(forwardBy: 132)
            #expect(try await fixture.stow(client, whole + [bare]) == .ok)
            let response = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)", method: .get,
                headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*"]))
            let type = MediaType(parsing: response.headers[.contentType] ?? "")
            var parser = try #require(type.parameters["boundary"].flatMap { MultipartParser(boundary: $0) })
            var body = response.body
            var parts: [(length: String?, bytes: ByteBuffer)] = []
            while let event = try parser.next(&body, isFinal: true) {
                switch event {
                case .partStart(let headers): parts.append((headers["content-length"], ByteBuffer()))
                case .bodyChunk(var chunk): parts[parts.count - 1].bytes.writeBuffer(&chunk)
                case .partEnd, .end: break
                }
            }
            #expect(parts.count == 4)
            #expect(parts.allSatisfy { $0.length == String($0.bytes.readableBytes) })
            var prefixed = ByteBuffer(repeating: 0, count: 128)
            prefixed.writeString("DICM")
            prefixed.writeImmutableBuffer(bare)
            #expect(Set(parts.map(\.bytes)) == Set(whole + [prefixed]))
            // WADO-URI streams the stored object, with the same prefix and a Content-Length that counts it.
            let single = try await client.execute(
                uri: "/wado?requestType=WADO&studyUID=\(Self.study)&seriesUID=\(Self.series)&objectUID=2.25.100.4.1"
                    + "&contentType=application/dicom",
                method: .get, headers: fixture.headers())
            #expect(single.status == .ok)
            #expect(single.body == prefixed)
            #expect(single.headers[.contentLength] == String(prefixed.readableBytes))
        }
    }

    @Test func transferSyntaxNegotiation() async throws {
        try await WebFixture.withApp { client, fixture in
            let implicit = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.1.9", syntax: .implicitVRLittleEndian)
            #expect(try await fixture.stow(client, [implicit]) == .ok)
            let path = "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.1.9"
            // Default: converted to Explicit VR Little Endian.
            let converted = try await client.execute(uri: path, method: .get, headers: fixture.headers())
            #expect(converted.status == .ok)
            #expect(String(buffer: converted.body).contains("transfer-syntax=1.2.840.10008.1.2.1\r\n"))
            // As stored: the very bytes sent.
            let stored = try await client.execute(
                uri: path, method: .get, headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=*"]))
            #expect(try Self.parts(stored) == [implicit])
            // A compressed syntax cannot be made from it yet.
            let jpeg = try await client.execute(
                uri: path, method: .get, headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.4.50"]))
            #expect(jpeg.status == .notAcceptable)
            #expect(jpeg.headers[.contentType] == "application/problem+json")
            // Compressed syntaxes that DICOMImaging encodes are made on demand (RLE Lossless here).
            let rle = try await client.execute(
                uri: path, method: .get, headers: fixture.headers(nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.5"]))
            #expect(rle.status == .ok)
            #expect(String(buffer: rle.body).contains("transfer-syntax=1.2.840.10008.1.2.5\r\n"))
            #expect(try Self.parts(rle).first.map { String(buffer: $0).contains("1.2.840.10008.1.2.5") } == true)
        }
    }

    /// A conversion holds the instance whole in memory: over the limit, an instance goes as stored when no syntax
    /// was named, and a named syntax is refused.
    @Test func instancesOverTheConversionLimitAreServedAsStored() async throws {
        let implicit = try SyntheticInstance.make(
            study: Self.study, series: Self.series, sop: "2.25.100.1.9", syntax: .implicitVRLittleEndian)
        let limit = Int64(implicit.readableBytes - 1)
        try await WebFixture.withApp(dicomWeb: DICOMWebConfiguration(maximumConversionBytes: limit)) { client, fixture in
            #expect(try await fixture.stow(client, [implicit]) == .ok)
            let path = "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.1.9"
            let preferred = try await client.execute(uri: path, method: .get, headers: fixture.headers())
            #expect(preferred.status == .ok)
            #expect(String(buffer: preferred.body).contains("transfer-syntax=1.2.840.10008.1.2\r\n"))
            #expect(try Self.parts(preferred) == [implicit])
            let named = try await client.execute(
                uri: path, method: .get,
                headers: fixture.headers(
                    nil, [.accept: "multipart/related; type=\"application/dicom\"; transfer-syntax=1.2.840.10008.1.2.1"]))
            #expect(named.status == .notAcceptable)
            #expect(String(buffer: named.body).contains("served as stored only"))
            let uri = try await client.execute(
                uri: "/wado?requestType=WADO&studyUID=\(Self.study)&seriesUID=\(Self.series)&objectUID=2.25.100.1.9"
                    + "&contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.1",
                method: .get, headers: fixture.headers())
            #expect(uri.status == .notAcceptable)
        }
    }

    /// Over 4 MiB an instance's metadata comes from its header, read in ranges: the same attributes, Pixel Data as a
    /// BulkDataURI.
    @Test func metadataOfALargeMultiFrameComesFromItsHeader() async throws {
        let large = try SyntheticInstance.make(
            study: Self.study, series: Self.series, sop: "2.25.100.7.1", frames: 140_000)
        #expect(Int64(large.readableBytes) > DICOMWebService.metadataWholeReadLimit)
        try await WebFixture.withApp { client, fixture in
            #expect(try await fixture.stow(client, [large]) == .ok)
            let response = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.7.1/metadata",
                method: .get, headers: fixture.headers())
            #expect(response.status == .ok)
            let object = try #require(try jsonArray(response).first)
            #expect((object["00100020"] as? [String: Any])?["Value"] as? [String] == ["P1"])
            #expect((object["00280008"] as? [String: Any])?["Value"] as? [Int] == [140_000])
            let pixel = object["7FE00010"] as? [String: Any]
            #expect((pixel?["BulkDataURI"] as? String)?.hasSuffix("/instances/2.25.100.7.1/frames/1") == true)
        }
    }

    @Test func metadataIsCachedAndFollowsChanges() async throws {
        try await WebFixture.withApp { client, fixture in
            try await fixture.stow(client, try Self.instances(count: 2))
            let path = "/dicomweb/studies/\(Self.study)/series/\(Self.series)/metadata"
            let first = try await client.execute(uri: path, method: .get, headers: fixture.headers())
            #expect(first.status == .ok)
            let objects = try jsonArray(first)
            #expect(objects.count == 2)
            let pixel = objects[0]["7FE00010"] as? [String: Any]
            #expect((pixel?["BulkDataURI"] as? String)?.contains("/frames/1") == true)
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.cacheFolder + "/default").count == 1)
            // A new instance changes the series' fingerprint: the cache cannot serve the old answer.
            try await fixture.stow(client, [try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.1.3")])
            let second = try await client.execute(uri: path, method: .get, headers: fixture.headers())
            #expect(try jsonArray(second).count == 3)
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.cacheFolder + "/default").count == 1)
            let study = try await client.execute(uri: "/dicomweb/studies/\(Self.study)/metadata", method: .get, headers: fixture.headers())
            #expect(try jsonArray(study).count == 3)
        }
    }

    @Test func framesBulkDataAndWADOURI() async throws {
        try await WebFixture.withApp { client, fixture in
            try await fixture.stow(client, try Self.instances(count: 1, frames: 3))
            let instance = "/dicomweb/studies/\(Self.study)/series/\(Self.series)/instances/2.25.100.1.1"
            let frames = try await client.execute(uri: instance + "/frames/3,1", method: .get, headers: fixture.headers())
            #expect(frames.status == .ok)
            let parts = try Self.parts(frames)
            #expect(parts.count == 2)
            #expect(parts[0].getInteger(at: parts[0].readerIndex, endianness: .little, as: UInt16.self) == 200)
            #expect(parts[1].getInteger(at: parts[1].readerIndex, endianness: .little, as: UInt16.self) == 0)
            #expect(parts.allSatisfy { $0.readableBytes == 32 })
            let missing = try await client.execute(uri: instance + "/frames/4", method: .get, headers: fixture.headers())
            #expect(missing.status == .notFound)
            let bad = try await client.execute(uri: instance + "/frames/0,x", method: .get, headers: fixture.headers())
            #expect(bad.status == .badRequest)
            let bulk = try await client.execute(uri: instance + "/bulkdata/7FE00010", method: .get, headers: fixture.headers())
            #expect(try Self.parts(bulk).first?.readableBytes == 96)

            let wado = try await client.execute(
                uri: "/wado?requestType=WADO&studyUID=\(Self.study)&seriesUID=\(Self.series)&objectUID=2.25.100.1.1&contentType=application/dicom",
                method: .get, headers: fixture.headers())
            #expect(wado.status == .ok)
            #expect(wado.headers[.contentType] == "application/dicom")
            let jpeg = try await client.execute(
                uri: "/wado?requestType=WADO&studyUID=\(Self.study)&seriesUID=\(Self.series)&objectUID=2.25.100.1.1&frameNumber=2",
                method: .get, headers: fixture.headers())
            #expect(jpeg.status == .ok)
            #expect(jpeg.headers[.contentType] == "image/jpeg")
            #expect(jpeg.body.getBytes(at: jpeg.body.readerIndex, length: 2) == [0xFF, 0xD8])

            let png = try await client.execute(
                uri: instance + "/frames/3/rendered?viewport=2,2&window=100,200", method: .get,
                headers: fixture.headers(nil, [.accept: "image/png"]))
            #expect(png.status == .ok)
            #expect(png.body.getBytes(at: png.body.readerIndex + 1, length: 3) == Array("PNG".utf8))
            let thumbnail = try await client.execute(
                uri: "/dicomweb/studies/\(Self.study)/series/\(Self.series)/thumbnail", method: .get, headers: fixture.headers())
            #expect(thumbnail.status == .ok)
            #expect(thumbnail.headers[.contentType] == "image/jpeg")
            for bad in ["/rendered?viewport=0,5", "/rendered?window=a,b", "/rendered?quality=500", "/frames/9/rendered"] {
                let refused = try await client.execute(uri: instance + bad, method: .get, headers: fixture.headers())
                #expect(refused.status.code / 100 == 4, "\(bad): \(refused.status)")
            }
            let gif = try await client.execute(uri: instance + "/rendered", method: .get, headers: fixture.headers(nil, [.accept: "image/gif"]))
            #expect(gif.status == .notAcceptable)
        }
    }

    @Test func stowStatusSemantics() async throws {
        try await WebFixture.withApp { client, fixture in
            let good = try SyntheticInstance.make(study: Self.study, series: Self.series, sop: "2.25.100.1.1")
            let (body, contentType) = SyntheticInstance.stowBody([good, ByteBuffer(string: "not DICOM at all, just text")])
            let partial = try await client.execute(
                uri: "/dicomweb/studies", method: .post, headers: fixture.headers(nil, [.contentType: contentType]), body: body)
            #expect(partial.status == .accepted)
            let response = try JSONSerialization.jsonObject(with: Data(partial.body.readableBytesView)) as? [String: Any]
            let failed = (response?["00081198"] as? [String: Any])?["Value"] as? [[String: Any]]
            #expect(failed.map { firstValue($0[0], "00081197") as? Int } == 0xC000)
            let referenced = (response?["00081199"] as? [String: Any])?["Value"] as? [[String: Any]]
            #expect(referenced?.count == 1)

            let (junk, junkType) = SyntheticInstance.stowBody([ByteBuffer(string: "garbage")])
            let conflict = try await client.execute(
                uri: "/dicomweb/studies", method: .post, headers: fixture.headers(nil, [.contentType: junkType]), body: junk)
            #expect(conflict.status == .conflict)

            let wrongType = try await client.execute(
                uri: "/dicomweb/studies", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]), body: ByteBuffer(string: "{}"))
            #expect(wrongType.status == .unsupportedMediaType)
            let truncated = try await client.execute(
                uri: "/dicomweb/studies", method: .post,
                headers: fixture.headers(nil, [.contentType: "multipart/related; type=\"application/dicom\"; boundary=b"]),
                body: ByteBuffer(string: "--b\r\nContent-Type: application/dicom\r\n\r\nDICM"))
            #expect(truncated.status.code / 100 == 4)
            let mismatch = try await fixture.stow(client, [try SyntheticInstance.make(study: "2.25.7", series: "2.25.7.1", sop: "2.25.7.1.1")], path: "/dicomweb/studies/\(Self.study)")
            #expect(mismatch == .conflict)
        }
    }

    @Test(arguments: [
        "/dicomweb/studies?StudyDate=2024-13-99", "/dicomweb/studies?NoSuchKeyword=1", "/dicomweb/studies?limit=-1",
        "/dicomweb/studies?StudyInstanceUID=1.2.abc", "/dicomweb/studies/not-a-uid/series", "/dicomweb/studies?fuzzymatching=maybe",
        "/dicomweb/studies?ReferencedStudySequence.StudyInstanceUID=1.2", "/dicomweb/studies/1.2.3/series/1.2.3.4/instances/1..2/frames/1",
    ])
    func hostileQueriesAreClientErrors(uri: String) async throws {
        try await WebFixture.withApp { client, fixture in
            let response = try await client.execute(uri: uri, method: .get, headers: fixture.headers())
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
        }
    }

    @Test func searchMatchingAndPaging() async throws {
        try await WebFixture.withApp { client, fixture in
            var parts: [ByteBuffer] = []
            for index in 1...5 {
                parts.append(try SyntheticInstance.make(
                    study: "2.25.200.\(index)", series: "2.25.200.\(index).1", sop: "2.25.200.\(index).1.1",
                    patientID: "P\(index)", patientName: index == 3 ? "Müller^Jürgen" : "Other^Name\(index)",
                    studyDate: "2024010\(index)", modality: index % 2 == 0 ? "MR" : "CT"))
            }
            #expect(try await fixture.stow(client, parts) == .ok)
            func count(_ query: String) async throws -> Int {
                try jsonArray(try await client.execute(uri: "/dicomweb/studies?\(query)", method: .get, headers: fixture.headers())).count
            }
            #expect(try await count("StudyDate=20240102-20240104") == 3)
            #expect(try await count("ModalitiesInStudy=MR") == 2)
            #expect(try await count("PatientName=muller&fuzzymatching=true") == 1)
            #expect(try await count("PatientName=Other*") == 4)
            #expect(try await count("StudyInstanceUID=2.25.200.1,2.25.200.5") == 2)
            #expect(try await count("limit=2&offset=4") == 1)
            let series = try await client.execute(uri: "/dicomweb/series?Modality=CT", method: .get, headers: fixture.headers())
            #expect(try jsonArray(series).count == 3)
            let xml = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: fixture.headers(nil, [.accept: "application/dicom+xml"]))
            #expect(xml.status == .notAcceptable)
        }
    }

    /// The parts of a multipart/related response, read with the service's own parser.
    static func parts(_ response: TestResponse) throws -> [ByteBuffer] {
        let type = MediaType(parsing: response.headers[.contentType] ?? "")
        guard let boundary = type.parameters["boundary"], var parser = MultipartParser(boundary: boundary) else { return [] }
        var body = response.body
        var parts: [ByteBuffer] = []
        var current = ByteBuffer()
        while let event = try parser.next(&body, isFinal: true) {
            switch event {
            case .partStart: current = ByteBuffer()
            case .bodyChunk(var chunk): current.writeBuffer(&chunk)
            case .partEnd: parts.append(current)
            case .end: return parts
            }
        }
        return parts
    }
}
