import NIOCore

/// The Capabilities Description of the studies service (PS3.18 §8.9 Retrieve Capabilities, Annex H): a WADL
/// document (application/vnd.sun.wadl+xml) whose `resources` element has the service's base URL and whose resource
/// tree lists, for each resource this service answers, its methods, their query parameters and media types.
///
/// The tree is what `DICOMWebService.addRoutes` serves (Table H-1's Studies service, less the pixeldata resource,
/// which is not offered).
enum CapabilitiesDescription {
    static let mediaType = "application/vnd.sun.wadl+xml"

    private struct Method {
        let name: String
        let id: String
        var queryParameters: [String] = []
        var requestTypes: [String] = []
        var responseTypes: [String] = []
    }

    private struct Resource {
        let path: String
        var methods: [Method] = []
        var children: [Resource] = []
    }

    private static let dicomJSON = "application/dicom+json"
    private static let multipartDICOM = "multipart/related; type=\"application/dicom\""
    private static let searchParameters = ["includefield", "limit", "offset", "fuzzymatching"]
    private static let renderedParameters = ["window", "viewport", "quality"]
    private static let images = ["image/jpeg", "image/png"]

    private static func search(_ id: String) -> Method {
        Method(name: "GET", id: id, queryParameters: searchParameters, responseTypes: [dicomJSON])
    }

    private static func retrieve(_ id: String) -> Method {
        Method(name: "GET", id: id, responseTypes: [multipartDICOM])
    }

    private static func metadata(_ id: String) -> Resource {
        Resource(path: "metadata", methods: [Method(name: "GET", id: id, responseTypes: [dicomJSON])])
    }

    private static func thumbnail(_ id: String) -> Resource {
        Resource(
            path: "thumbnail",
            methods: [Method(name: "GET", id: id, queryParameters: ["viewport"], responseTypes: images)])
    }

    private static func rendered(_ id: String) -> Resource {
        Resource(
            path: "rendered",
            methods: [Method(name: "GET", id: id, queryParameters: renderedParameters, responseTypes: images)])
    }

    /// A study's or series' rendered resource: one rendered image per instance that has one, as multipart/related.
    private static func renderedInstances(_ id: String) -> Resource {
        Resource(
            path: "rendered",
            methods: [
                Method(
                    name: "GET", id: id, queryParameters: renderedParameters,
                    responseTypes: images.map { "multipart/related; type=\"\($0)\"" })
            ])
    }

    private static var tree: [Resource] {
        let frameTypes = [
            "multipart/related; type=\"application/octet-stream\"", "multipart/related; type=\"image/jpeg\"",
            "multipart/related; type=\"image/jls\"", "multipart/related; type=\"image/jp2\"",
            "multipart/related; type=\"image/dicom-rle\"",
        ]
        let instance = Resource(
            path: "{instance}",
            methods: [retrieve("RetrieveInstance"), Method(name: "DELETE", id: "DeleteInstance")],
            children: [
                metadata("RetrieveInstanceMetadata"), rendered("RetrieveRenderedInstance"),
                thumbnail("RetrieveInstanceThumbnail"),
                Resource(
                    path: "frames/{frames}",
                    methods: [Method(name: "GET", id: "RetrieveFrames", responseTypes: frameTypes)],
                    children: [rendered("RetrieveRenderedFrames"), thumbnail("RetrieveFramesThumbnail")]),
                Resource(
                    path: "bulkdata/{tag}",
                    methods: [
                        Method(
                            name: "GET", id: "RetrieveBulkdata",
                            responseTypes: ["multipart/related; type=\"application/octet-stream\""])
                    ]),
            ])
        let series = Resource(
            path: "{series}",
            methods: [retrieve("RetrieveSeries"), Method(name: "DELETE", id: "DeleteSeries")],
            children: [
                metadata("RetrieveSeriesMetadata"), renderedInstances("RetrieveRenderedSeries"),
                thumbnail("RetrieveSeriesThumbnail"),
                Resource(path: "instances", methods: [search("SearchForStudySeriesInstances")], children: [instance]),
            ])
        let study = Resource(
            path: "{study}",
            methods: [
                retrieve("RetrieveStudy"),
                Method(name: "POST", id: "StoreStudyInstances", requestTypes: [multipartDICOM], responseTypes: [dicomJSON]),
                Method(name: "DELETE", id: "DeleteStudy"),
            ],
            children: [
                metadata("RetrieveStudyMetadata"), renderedInstances("RetrieveRenderedStudy"),
                thumbnail("RetrieveStudyThumbnail"),
                Resource(path: "series", methods: [search("SearchForStudySeries")], children: [series]),
                Resource(path: "instances", methods: [search("SearchForStudyInstances")]),
            ])
        return [
            Resource(
                path: "studies",
                methods: [
                    search("SearchForStudies"),
                    Method(name: "POST", id: "StoreInstances", requestTypes: [multipartDICOM], responseTypes: [dicomJSON]),
                ],
                children: [study]),
            Resource(path: "series", methods: [search("SearchForSeries")]),
            Resource(path: "instances", methods: [search("SearchForInstances")]),
        ]
    }

    /// The WADL document for the service at `baseURL`.
    static func document(baseURL: String) -> ByteBuffer {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<application xmlns=\"http://wadl.dev.java.net/2009/02\">\n"
        xml += "  <resources base=\"\(escaped(baseURL))/\">\n"
        for resource in tree { write(resource, depth: 2, into: &xml) }
        xml += "  </resources>\n</application>\n"
        return ByteBuffer(string: xml)
    }

    private static func write(_ resource: Resource, depth: Int, into xml: inout String) {
        let indent = String(repeating: "  ", count: depth)
        xml += "\(indent)<resource path=\"\(escaped(resource.path))\">\n"
        for method in resource.methods {
            xml += "\(indent)  <method name=\"\(method.name)\" id=\"\(method.id)\">\n"
            if !method.queryParameters.isEmpty || !method.requestTypes.isEmpty {
                xml += "\(indent)    <request>\n"
                for parameter in method.queryParameters {
                    xml += "\(indent)      <param name=\"\(parameter)\" style=\"query\"/>\n"
                }
                for type in method.requestTypes {
                    xml += "\(indent)      <representation mediaType=\"\(escaped(type))\"/>\n"
                }
                xml += "\(indent)    </request>\n"
            }
            xml += "\(indent)    <response>\n"
            for type in method.responseTypes {
                xml += "\(indent)      <representation mediaType=\"\(escaped(type))\"/>\n"
            }
            xml += "\(indent)    </response>\n"
            xml += "\(indent)  </method>\n"
        }
        for child in resource.children { write(child, depth: depth + 1, into: &xml) }
        xml += "\(indent)</resource>\n"
    }

    /// Text for an XML attribute value (XML 1.0 §2.4, §3.1).
    private static func escaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}
