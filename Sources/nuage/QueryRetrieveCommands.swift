import ArgumentParser
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Glibc
import NIOCore

/// `nuage find HOST PORT -k …`: C-FIND (PS3.4 C.4.1); prints each match.
struct FindCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "find", abstract: "Query a DICOM peer with C-FIND and print the matches.")

    @OptionGroup var peer: DIMSEPeerOptions
    @OptionGroup var query: QueryOptions

    @Option(help: "Stop after this many matches (sends C-CANCEL).")
    var limit: Int?

    func run() async throws {
        let (sopClass, parameters, identifier) = try query.request(for: "find", peer: peer)
        let limit = self.limit
        let (status, count) = try await peer.makeClient().withAssociation(host: peer.host, port: peer.port, parameters: parameters) {
            association in
            var count = 0
            let status = try await association.find(identifier, sopClassUID: sopClass) { match in
                count += 1
                writeLine("match \(count)\n\(describe(match))\n", to: STDOUT_FILENO)
                return limit.map { count < $0 } ?? true
            }
            return (status, count)
        }
        printError("nuage find: \(count) matches, final status \(status)")
        if !(status.isSuccessOrWarning || status.kind == .cancel) { throw ExitCode(1) }
    }
}

/// `nuage move HOST PORT --destination AE -k …`: C-MOVE (PS3.4 C.4.2).
struct MoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move", abstract: "Ask a DICOM peer to send matching instances to a destination AE with C-MOVE.")

    @OptionGroup var peer: DIMSEPeerOptions
    @OptionGroup var query: QueryOptions

    @Option(help: "The AE title the peer sends to (it must know its address).")
    var destination: String

    func run() async throws {
        let (sopClass, parameters, identifier) = try query.request(for: "move", peer: peer)
        let final = try await peer.makeClient().withAssociation(host: peer.host, port: peer.port, parameters: parameters) {
            association in
            try await association.move(identifier, sopClassUID: sopClass, destination: destination) { counts in
                printError("nuage move: \(counts.completed) completed, \(counts.failed) failed, \(counts.remaining.map(String.init) ?? "?") remaining")
            }
        }
        let counts = final.subOperations
        printError("nuage move: final status \(final.status): \(counts.completed) completed, \(counts.failed) failed, \(counts.warning) warnings")
        if !final.status.isSuccess { throw ExitCode(1) }
    }
}

/// `nuage get HOST PORT --output DIR -k …`: C-GET (PS3.4 C.4.3); writes each instance as a Part 10 file.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Retrieve matching instances from a DICOM peer with C-GET, into a folder.")

    @OptionGroup var peer: DIMSEPeerOptions
    @OptionGroup var query: QueryOptions

    @Option(help: "The folder that receives the files (named by SOP Instance UID).")
    var output = "."

    @Option(help: "Storage SOP classes to accept (UIDs), each in explicit and implicit VR little endian; default: CT, MR, CR, DX, US, SC, RT, PET, XA, MG.")
    var sopClass: [String] = []

    static let commonStorageClasses = [
        "1.2.840.10008.5.1.4.1.1.2", "1.2.840.10008.5.1.4.1.1.4", "1.2.840.10008.5.1.4.1.1.1", "1.2.840.10008.5.1.4.1.1.1.1",
        "1.2.840.10008.5.1.4.1.1.6.1", "1.2.840.10008.5.1.4.1.1.7", "1.2.840.10008.5.1.4.1.1.481.1", "1.2.840.10008.5.1.4.1.1.128",
        "1.2.840.10008.5.1.4.1.1.12.1", "1.2.840.10008.5.1.4.1.1.1.2", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.4.1",
    ]

    func run() async throws {
        let storageClasses = (self.sopClass.isEmpty ? Self.commonStorageClasses : self.sopClass).map { UID($0) }
        var (sopClass, parameters, identifier) = try query.request(for: "get", peer: peer)
        parameters.propose(storageClasses, transferSyntaxes: QueryOptions.uncompressed)
        parameters.scpRoleSOPClasses = storageClasses
        let output = self.output
        let final = try await peer.makeClient().withAssociation(host: peer.host, port: peer.port, parameters: parameters) {
            association in
            try await association.get(identifier, sopClassUID: sopClass) { request, dataSet in
                try await writePart10(request: request, dataSet: dataSet, to: output + "/" + request.sopInstanceUID.rawValue + ".dcm")
                return .success
            }
        }
        let counts = final.subOperations
        printError("nuage get: final status \(final.status): \(counts.completed) completed, \(counts.failed) failed, \(counts.warning) warnings")
        if !final.status.isSuccess { throw ExitCode(1) }
    }
}

/// Writes a received data set as a Part 10 file: preamble, "DICM", a meta group for it, then its bytes as they
/// arrive (PS3.10 §7.1).
private func writePart10(request: StoreRequest, dataSet: DataSetStream, to path: String) async throws {
    guard let syntax = TransferSyntax(uid: request.transferSyntax) else {
        throw DIMSEStatusError(.cannotUnderstand, comment: "unknown transfer syntax")
    }
    let identity = DataSet([
        DataElement(tag: .sopClassUID, vr: .UI, asciiStrings: [request.sopClassUID.rawValue]),
        DataElement(tag: .sopInstanceUID, vr: .UI, asciiStrings: [request.sopInstanceUID.rawValue]),
    ])
    var header = ByteBuffer(repeating: 0, count: 128)
    header.writeString("DICM")
    try DataSetWriter(transferSyntax: .explicitVRLittleEndian).write(
        FileMetaInformation.make(for: identity, transferSyntax: syntax), into: &header)
    let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw DIMSEStatusError(.outOfResources, comment: "cannot create \(path)") }
    defer { close(descriptor) }
    func write(_ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var written = 0
            while written < bytes.count {
                let result = Glibc.write(descriptor, bytes.baseAddress.map { $0 + written }, bytes.count - written)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw DIMSEStatusError(.outOfResources, comment: "cannot write \(path)") }
                written += result
            }
        }
    }
    try write(header)
    for try await chunk in dataSet { try write(chunk) }
}
