import ArgumentParser
import DICOMCore
import DICOMNetwork
import DICOMNetworkNIO

/// `nuage echo HOST PORT`: C-ECHO (verification, PS3.4 Annex A).
struct EchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "echo", abstract: "Check a DICOM peer with C-ECHO (exit status 0 on success).")

    @OptionGroup var peer: DIMSEPeerOptions

    @Option(name: .customLong("repeat"), help: "C-ECHOs to send on the association.")
    var count = 1

    func run() async throws {
        var parameters = peer.parameters()
        parameters.propose([verificationSOPClassUID], transferSyntaxes: [TransferSyntax.implicitVRLittleEndian.uid])
        let clock = ContinuousClock()
        let start = clock.now
        let status = try await peer.makeClient().withAssociation(host: peer.host, port: peer.port, parameters: parameters) {
            association in
            var status = DIMSEStatus.success
            for _ in 0..<max(1, count) where status.isSuccess { status = try await association.echo() }
            return status
        }
        printError("nuage echo: \(peer.calledAETitle)@\(peer.host):\(peer.port) answered \(status) in \(clock.now - start)")
        if !status.isSuccess { throw ExitCode(1) }
    }
}
