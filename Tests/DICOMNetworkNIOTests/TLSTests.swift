import DICOMCore
import DICOMNetwork
import DICOMNetworkNIO
import Foundation
import NuageTestSupport
import NIOSSL
import Testing

/// A throw-away certificate authority with a server and a client certificate, made by openssl (test data only).
struct TestCertificates {
    let directory: String
    var ca: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    static func make() async throws -> TestCertificates {
        let directory = try makeTemporaryDirectory("tls")
        let openssl = "/usr/bin/openssl"
        try await check(runProgram(openssl, [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Nuage Test CA", "-keyout", directory + "/ca.key", "-out", directory + "/ca.pem",
        ]))
        for name in ["server", "client"] {
            try await check(runProgram(openssl, [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=\(name)",
                "-keyout", "\(directory)/\(name).key", "-out", "\(directory)/\(name).csr",
            ]))
            try await check(runProgram(openssl, [
                "x509", "-req", "-in", "\(directory)/\(name).csr", "-CA", directory + "/ca.pem", "-CAkey", directory + "/ca.key",
                "-CAcreateserial", "-days", "2", "-out", "\(directory)/\(name).pem",
            ]))
        }
        return TestCertificates(directory: directory)
    }

    private static func check(_ result: (status: Int32, output: String)) throws {
        guard result.status == 0 else { throw DIMSEClientError.aborted("openssl failed: \(result.output)") }
    }

    /// A server that requires a client certificate signed by the test CA.
    func serverConfiguration() throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(serverCertificate).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: serverKey, format: .pem)))
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        configuration.certificateVerification = .noHostnameVerification
        return configuration
    }

    /// A client that trusts the test CA, with the client certificate or without one.
    func clientConfiguration(withCertificate: Bool) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
        configuration.certificateVerification = .noHostnameVerification
        if withCertificate {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(clientCertificate).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: clientKey, format: .pem))
        }
        return configuration
    }
}

@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "openssl is missing"))
struct TLSTests {
    @Test func clientCertificatesAreRequiredAndDCMTKConnects() async throws {
        let certificates = try await TestCertificates.make()
        let provider = RecordingProvider(directory: certificates.directory)
        let serverTLS = try certificates.serverConfiguration()
        let withCertificate = try certificates.clientConfiguration(withCertificate: true)
        let withoutCertificate = try certificates.clientConfiguration(withCertificate: false)
        try await withServer(provider, configure: { $0.tls = serverTLS }) { port in
            var parameters = AssociationParameters(callingAETitle: "TLSSCU", calledAETitle: "NUAGE", tls: withCertificate)
            parameters.propose([verificationSOPClassUID], transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])
            let client = DIMSEClient(logger: testLogger)
            let status = try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { try await $0.echo() }
            #expect(status == .success)

            parameters.tls = withoutCertificate
            await #expect(throws: (any Error).self) {
                try await client.withAssociation(host: "127.0.0.1", port: port, parameters: parameters) { try await $0.echo() }
            }

            let dcmtk = try await runProgram("/usr/bin/echoscu", [
                "+tls", certificates.clientKey, certificates.clientCertificate, "+cf", certificates.ca, "-aec", "NUAGE",
                "127.0.0.1", "\(port)",
            ])
            #expect(dcmtk.status == 0, "\(dcmtk.output)")
            let plain = try await runProgram("/usr/bin/echoscu", ["-aec", "NUAGE", "127.0.0.1", "\(port)"])
            #expect(plain.status != 0)
        }
    }
}
