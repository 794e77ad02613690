import Archive
import DICOMCore
import DICOMDictionary
import DICOM
import DICOMJSON
import HTTPTypes
import Hummingbird
import NIOCore

extension DICOMWebService {
    /// QIDO-RS (PS3.18 §10.6): the matches of a level as a DICOM JSON array, with a RetrieveURL each, and a Warning
    /// header (299) when the page was cut by limit or offset or when keys were returned without being matched.
    func search(_ level: QueryLevel, _ request: Request, _ context: WebContext) async throws -> Response {
        let access = try context.requireAccess()
        try Self.requireJSON(request)
        let path = try PathUIDs(context)
        var pathKeys: [(Tag, String)] = []
        if let study = path.study { pathKeys.append((.studyInstanceUID, study)) }
        if let series = path.series { pathKeys.append((.seriesInstanceUID, series)) }
        let parameters = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        let search = try SearchRequest(
            level: level, parameters: parameters, pathKeys: pathKeys,
            maximumResults: configuration.maximumSearchResults)
        let result = try await archive.find(search.query, context: access)

        let service = serviceURL(request)
        var matches = result.matches
        for index in matches.indices {
            let dataSet = matches[index]
            guard let study = dataSet.string(.studyInstanceUID) else { continue }
            let url = Self.url(
                service: service, study: study,
                series: level.depth >= QueryLevel.series.depth ? dataSet.string(.seriesInstanceUID) : nil,
                instance: level == .instance ? dataSet.string(.sopInstanceUID) : nil)
            matches[index].insert(DataElement(tag: .retrieveURL, vr: .UR, asciiStrings: [url]))
        }
        var headers: HTTPFields = [.contentType: "application/dicom+json"]
        var warnings: [String] = []
        if let total = result.totalCount, total > search.query.offset + matches.count || search.limitWasCut {
            warnings.append("There are additional results that can be requested (\(total) in all)")
        }
        if !result.unmatchedKeys.isEmpty {
            let keys = result.unmatchedKeys.map(\.hexString).joined(separator: ",")
            warnings.append("The following attributes were returned but not matched: \(keys)")
        }
        if let warningField = HTTPField.Name("Warning") {
            for warning in warnings {
                headers.append(HTTPField(name: warningField, value: "299 nuage: \"\(warning)\""))
            }
        }
        let body = try DICOMJSONEncoder().encode(matches)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    /// 406 unless the Accept header admits DICOM JSON (or any type).
    static func requireJSON(_ request: Request) throws {
        let accepted = MediaType.acceptList(request.headers[.accept])
        guard accepted.contains(where: { $0.admits("application", "dicom+json") || $0.admits("application", "json") })
        else { throw Problem.notAcceptable("this resource is served as application/dicom+json") }
    }
}
