import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import WebService

/// The admin API against its OpenAPI document (docs/openapi/admin.json): every documented operation is called
/// with its example, and its status and body must be ones the document declares.
struct AdminAPITests {
    static var document: [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/openapi/admin.json")
        let data = (try? Data(contentsOf: url)) ?? Data("{}".utf8)
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    static let adminBasic = "Basic " + Data("admin:admin-password-1".utf8).base64EncodedString()

    @Test func everyDocumentedOperationAnswersAsDocumented() async throws {
        let paths = try #require(Self.document["paths"] as? [String: [String: Any]])
        #expect(paths.count == 9)
        // Creations first, deletions last, so that each example finds what it names.
        let order = ["post": 0, "put": 1, "get": 2, "delete": 3]
        let operations = paths.flatMap { path, methods in methods.keys.map { (path, $0) } }
            .sorted { (order[$0.1] ?? 9, $0.0) < (order[$1.1] ?? 9, $1.0) }
        try await WebFixture.withApp { client, _ in
            for (path, method) in operations {
                let operation = (Self.document["paths"] as? [String: [String: Any]])?[path]?[method] as? [String: Any] ?? [:]
                var uri = path
                for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "path" {
                    uri = uri.replacingOccurrences(of: "{\(parameter["name"] as? String ?? "")}", with: "\(parameter["example"] ?? "")")
                }
                var headers: HTTPFields = [.authorization: Self.adminBasic]
                var body: ByteBuffer?
                if let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any],
                    let example = (content["application/json"] as? [String: Any])?["example"]
                {
                    body = ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: example))
                    headers[.contentType] = "application/json"
                }
                let response = try await client.execute(
                    uri: uri, method: HTTPRequest.Method(method.uppercased()) ?? .get, headers: headers, body: body)
                let responses = operation["responses"] as? [String: Any] ?? [:]
                let declared = try #require(responses[String(response.status.code)] as? [String: Any], "\(method) \(path): undocumented \(response.status.code)")
                let content = Self.resolve(declared)["content"] as? [String: Any]
                if let (mediaType, media) = content?.first, let schema = (media as? [String: Any])?["schema"] {
                    #expect(response.headers[.contentType] == mediaType, "\(method) \(path)")
                    let json = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView), options: [.fragmentsAllowed])
                    let problems = Self.validate(json, against: schema, at: "\(method) \(path)")
                    #expect(problems.isEmpty, "\(problems)")
                }
                // Every example succeeds but the removal of a key id that cannot be known in advance (404).
                let expectedFailure = method == "delete" && path.hasPrefix("/admin/api-keys")
                #expect(response.status.code / 100 == (expectedFailure ? 4 : 2), "\(method) \(path): \(response.status.code)")
            }
        }
    }

    @Test func administrationIsLimitedToOwnTenantAndRoles() async throws {
        try await WebFixture.withApp { client, fixture in
            // A radiologist administers nothing.
            let radiologist = try await client.execute(uri: "/admin/users", method: .get, headers: fixture.headers(fixture.otherKey))
            #expect(radiologist.status == .forbidden)
            // An establishment administrator sees their tenant only, and cannot create tenants.
            let own = try await client.execute(uri: "/admin/tenants", method: .get, headers: fixture.headers())
            let tenants = try JSONSerialization.jsonObject(with: Data(own.body.readableBytesView)) as? [[String: Any]]
            #expect(tenants?.compactMap { $0["id"] as? String } == ["default"])
            let foreign = try await client.execute(uri: "/admin/users?tenant=other-clinic", method: .get, headers: fixture.headers())
            #expect(foreign.status == .notFound)
            let create = try await client.execute(
                uri: "/admin/tenants", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"id":"x","name":"X"}"#))
            #expect(create.status == .forbidden)
            // A key made through the API authenticates.
            let made = try await client.execute(
                uri: "/admin/api-keys", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"roles":["modality"],"label":"scanner"}"#))
            let key = try #require((try JSONSerialization.jsonObject(with: Data(made.body.readableBytesView)) as? [String: Any])?["key"] as? String)
            let used = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: fixture.headers(key))
            #expect(used.status == .ok)
            let malformed = try await client.execute(
                uri: "/admin/users", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"username": 5}"#))
            #expect(malformed.status == .badRequest)
        }
    }

    /// Follows a `$ref` within the document.
    static func resolve(_ node: [String: Any]) -> [String: Any] {
        guard let reference = node["$ref"] as? String, reference.hasPrefix("#/") else { return node }
        var current: Any = document
        for key in reference.dropFirst(2).split(separator: "/") {
            current = (current as? [String: Any])?[String(key)] ?? [:]
        }
        return resolve(current as? [String: Any] ?? [:])
    }

    /// The places where `value` does not follow the JSON Schema subset the document uses (type, required,
    /// properties, items, enum).
    static func validate(_ value: Any, against schemaNode: Any, at path: String) -> [String] {
        let schema = resolve(schemaNode as? [String: Any] ?? [:])
        var problems: [String] = []
        switch schema["type"] as? String {
        case "object":
            guard let object = value as? [String: Any] else { return ["\(path): not an object"] }
            for key in schema["required"] as? [String] ?? [] where object[key] == nil { problems.append("\(path): no \(key)") }
            let properties = schema["properties"] as? [String: Any] ?? [:]
            for (key, item) in object {
                guard let property = properties[key] else {
                    problems.append("\(path): undocumented \(key)")
                    continue
                }
                problems += validate(item, against: property, at: "\(path).\(key)")
            }
        case "array":
            guard let array = value as? [Any] else { return ["\(path): not an array"] }
            for (index, item) in array.enumerated() { problems += validate(item, against: schema["items"] ?? [:], at: "\(path)[\(index)]") }
        case "string":
            guard let text = value as? String else { return ["\(path): not a string"] }
            if let allowed = schema["enum"] as? [String], !allowed.contains(text) { problems.append("\(path): \(text) not in enum") }
        case "integer":
            if !(value is Int) { problems.append("\(path): not an integer") }
        case "boolean":
            if !(value is Bool) { problems.append("\(path): not a boolean") }
        default:
            break
        }
        return problems
    }
}
