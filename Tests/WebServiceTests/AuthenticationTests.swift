import Archive
import Authentication
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import Synchronization
import Testing
import WebService

/// Credentials → AccessContext: API keys, Basic, bearer JWTs; 401 without; other tenants' data invisible.
struct AuthenticationTests {
    static let study = "2.25.300"

    @Test func noOrBadCredentialsAre401WithAChallenge() async throws {
        try await WebFixture.withApp { client, fixture in
            for headers: HTTPFields in [
                [:], [.authorization: "Bearer nuage_nosuch_secret"], [.authorization: "Basic !!!"],
                [.authorization: "Basic " + Data("alice:wrong".utf8).base64EncodedString()],
                [.authorization: "Digest x"], [.authorization: "Bearer not.a.jwt"],
                [.authorization: "Bearer " + fixture.defaultKey.dropLast() + "x"],
            ] {
                let response = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: headers)
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate]?.contains("Basic") == true)
                #expect(response.headers[.contentType] == "application/problem+json")
            }
            let health = try await client.execute(uri: "/health", method: .get)
            #expect(health.status == .ok)
        }
    }

    @Test func basicAndAPIKeyHeaderWork() async throws {
        try await WebFixture.withApp { client, fixture in
            let basic = "Basic " + Data("\(WebFixture.alice.0):\(WebFixture.alice.1)".utf8).base64EncodedString()
            for _ in 0..<2 {  // the second goes through the verified-credentials cache
                let response = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: [.authorization: basic])
                #expect(response.status == .ok)
            }
            let keyed = try await client.execute(
                uri: "/dicomweb/studies", method: .get, headers: [HTTPField.Name("X-API-Key")!: fixture.defaultKey])
            #expect(keyed.status == .ok)
        }
    }

    @Test func anotherTenantsDataIsInvisible() async throws {
        try await WebFixture.withApp { client, fixture in
            let instance = try SyntheticInstance.make(study: Self.study, series: "2.25.300.1", sop: "2.25.300.1.1")
            #expect(try await fixture.stow(client, [instance]) == .ok)
            let other = fixture.otherKey
            let search = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: fixture.headers(other))
            #expect(try jsonArray(search).isEmpty)
            for path in ["/dicomweb/studies/\(Self.study)", "/dicomweb/studies/\(Self.study)/metadata",
                         "/dicomweb/studies/\(Self.study)/series/2.25.300.1/instances/2.25.300.1.1/frames/1"] {
                let response = try await client.execute(uri: path, method: .get, headers: fixture.headers(other))
                #expect(response.status == .notFound)
            }
            // A radiologist of the other tenant may not delete (403 for their own data; none here: 403 first).
            let delete = try await client.execute(uri: "/dicomweb/studies/\(Self.study)", method: .delete, headers: fixture.headers(other))
            #expect(delete.status == .forbidden)
            let still = try await client.execute(uri: "/dicomweb/studies/\(Self.study)/series", method: .get, headers: fixture.headers())
            #expect(try jsonArray(still).count == 1)
        }
    }

    @Test func bearerJWTFromAJWKS() async throws {
        let privateKey = P256.Signing.PrivateKey()
        let raw = privateKey.publicKey.rawRepresentation
        let x = base64URL(raw.prefix(32))
        let y = base64URL(raw.suffix(32))
        let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"idp-1","alg":"ES256","use":"sig","x":"\#(x)","y":"\#(y)"}]}"#
        let verifying = JWTKeyCollection()
        try await verifying.add(jwksJSON: jwks)
        let signing = JWTKeyCollection()
        await signing.add(ecdsa: try ES256PrivateKey(pem: privateKey.pemRepresentation), kid: "idp-1")
        let valid = try await signing.sign(
            NuageClaims(sub: "dr.house", exp: Date().addingTimeInterval(300), tenant: "default", roles: ["radiologist"]), kid: "idp-1")
        let expired = try await signing.sign(
            NuageClaims(sub: "dr.house", exp: Date().addingTimeInterval(-300), tenant: "default"), kid: "idp-1")
        let foreign = JWTKeyCollection()
        await foreign.add(ecdsa: ES256PrivateKey(), kid: "idp-1")
        let forged = try await foreign.sign(
            NuageClaims(sub: "mallory", exp: Date().addingTimeInterval(300), tenant: "default"), kid: "idp-1")
        try await WebFixture.withApp(jwtKeys: verifying) { client, _ in
            let ok = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: [.authorization: "Bearer \(valid)"])
            #expect(ok.status == .ok)
            for token in [expired, forged] {
                let refused = try await client.execute(uri: "/dicomweb/studies", method: .get, headers: [.authorization: "Bearer \(token)"])
                #expect(refused.status == .unauthorized)
            }
        }
    }

    @Test func corsAllowsConfiguredOriginsOnly() async throws {
        try await WebFixture.withApp(corsOrigins: ["https://viewer.example"]) { client, fixture in
            let preflight = try await client.execute(
                uri: "/dicomweb/studies", method: .options,
                headers: [.origin: "https://viewer.example", .accessControlRequestMethod: "GET"])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == "https://viewer.example")
            let allowed = try await client.execute(
                uri: "/dicomweb/studies", method: .get, headers: fixture.headers(nil, [.origin: "https://viewer.example"]))
            #expect(allowed.headers[.accessControlAllowOrigin] == "https://viewer.example")
            let other = try await client.execute(
                uri: "/dicomweb/studies", method: .get, headers: fixture.headers(nil, [.origin: "https://evil.example"]))
            #expect(other.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func changesMadeThroughTheAdminAPIApplyToTheNextRequest() async throws {
        try await WebFixture.withApp { client, fixture in
            let created = try await client.execute(
                uri: "/admin/api-keys", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"roles":["radiologist"],"label":"viewer"}"#))
            #expect(created.status == .created)
            let body = try JSONDecoder().decode(KeyAnswer.self, from: Data(created.body.readableBytesView))
            let key = try #require(body.key)
            #expect(try await client.execute(uri: "/dicomweb/studies", method: .get, headers: fixture.headers(key)).status == .ok)
            let removed = try await client.execute(uri: "/admin/api-keys/\(body.id)", method: .delete, headers: fixture.headers())
            #expect(removed.status == .noContent)
            #expect(
                try await client.execute(uri: "/dicomweb/studies", method: .get, headers: fixture.headers(key)).status
                    == .unauthorized)

            // A new password replaces the old one at once, although the account was just read for a request.
            let (name, password) = WebFixture.alice
            func basic(_ password: String) -> HTTPFields {
                [.authorization: "Basic " + Data("\(name):\(password)".utf8).base64EncodedString()]
            }
            #expect(try await client.execute(uri: "/dicomweb/studies", method: .get, headers: basic(password)).status == .ok)
            let replaced = try await client.execute(
                uri: "/admin/users", method: .post, headers: fixture.headers(nil, [.contentType: "application/json"]),
                body: ByteBuffer(
                    string: #"{"username":"alice","roles":["radiologist"],"password":"another-long-password"}"#))
            #expect(replaced.status == .created)
            #expect(
                try await client.execute(uri: "/dicomweb/studies", method: .get, headers: basic(password)).status
                    == .unauthorized)
            #expect(
                try await client.execute(uri: "/dicomweb/studies", method: .get, headers: basic("another-long-password"))
                    .status == .ok)
        }
    }

    @Test func directoryRecordsAreKeptForTheirLifetimeOnly() async throws {
        try await WebFixture.withApp { _, fixture in
            let keeping = CredentialVerifier(directory: fixture.directory, recordLifetime: .seconds(600))
            let reading = CredentialVerifier(directory: fixture.directory, recordLifetime: .zero)
            let (key, record) = APIKeys.make(tenant: .defaultTenant, roles: [.radiologist], label: "lifetime")
            try await fixture.directory.saveAPIKey(record)
            #expect(try await keeping.apiKey(key).tenant == .defaultTenant)
            #expect(try await reading.apiKey(key).tenant == .defaultTenant)

            // Removed by another process (straight in the directory): kept until forgotten, or read again.
            #expect(try await fixture.directory.removeAPIKey(id: record.id))
            #expect(try await keeping.apiKey(key).tenant == .defaultTenant)
            await #expect(throws: AuthenticationFailure.self) { try await reading.apiKey(key) }
            keeping.forgetDirectoryRecords()
            await #expect(throws: AuthenticationFailure.self) { try await keeping.apiKey(key) }

            // An absent record is not kept: a key saved after a failed attempt works at once.
            try await fixture.directory.saveAPIKey(record)
            #expect(try await keeping.apiKey(key).tenant == .defaultTenant)
        }
    }

    @Test func apiKeyTextIsRandomLettersAndDigitsAndItsDigestIsSHA256Hex() {
        #expect(APIKeys.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let tokens = (0..<200).map { _ in APIKeys.randomToken(bytes: 24) }
        #expect(Set(tokens).count == tokens.count)
        #expect(tokens.allSatisfy { $0.utf8.count == 33 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } })
        // Every symbol of the alphabet turns up (6,600 draws of 62 symbols): no part of it is cut off.
        #expect(Set(tokens.joined()).count == 62)
    }

    /// Counts the verifications that really ran.
    final class Runs: Sendable {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }

        /// A verification answering `answer`, slow as scrypt is, so that concurrent callers overlap.
        func check(_ answer: Bool) -> Bool {
            count.withLock { $0 += 1 }
            usleep(50_000)
            return answer
        }
    }

    @Test func concurrentFirstRequestsShareOnePasswordVerification() async throws {
        let credentials = VerifiedCredentials()
        let runs = Runs()
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { await credentials.verify("good") { runs.check(true) } } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
        #expect(runs.value == 1)
        #expect(await credentials.verify("good") { runs.check(false) })
        #expect(runs.value == 1)
        // A failure is not remembered: each new attempt runs the check again.
        #expect(!(await credentials.verify("bad") { runs.check(false) }))
        #expect(!(await credentials.verify("bad") { runs.check(false) }))
        #expect(runs.value == 3)
    }

    @Test func passwordHashesArePHCStrings() throws {
        let cost = PasswordHasher.Cost(logRounds: 10)
        let hash = try PasswordHasher.hash("a long enough password", cost: cost)
        #expect(hash.hasPrefix("$scrypt$ln=10,r=8,p=1$"))
        #expect(PasswordHasher.verify("a long enough password", against: hash))
        #expect(!PasswordHasher.verify("a long enough passworD", against: hash))
        #expect(try hash != PasswordHasher.hash("a long enough password", cost: cost))  // salted
        for malformed in ["", "$scrypt$", "$scrypt$ln=99,r=8,p=1$AAAA$AAAA", "$argon2id$v=19$m=1,t=1,p=1$AA$AA", hash + "$"] {
            #expect(!PasswordHasher.verify("x", against: malformed))
        }
    }

    private func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// The fields of an API key answer that the tests read.
private struct KeyAnswer: Decodable {
    var id: String
    var key: String?
}
