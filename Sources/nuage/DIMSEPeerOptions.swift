import ArgumentParser
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMNetwork
import DICOMNetworkNIO
import Logging

/// Options every DIMSE command (echo, send, find, move, get) takes: the peer, the AE titles, the user identity.
struct DIMSEPeerOptions: ParsableArguments {
    @Argument(help: "The peer's host name or address.")
    var host: String

    @Argument(help: "The peer's DICOM port.")
    var port: Int

    @Option(name: .customLong("aet"), help: "This side's AE title (calling).")
    var callingAETitle = "NUAGE"

    @Option(name: .customLong("aec"), help: "The peer's AE title (called).")
    var calledAETitle = "ANY-SCP"

    @Option(help: "User identity: a username (PS3.7 D.3.3.7), with --password for username and passcode.")
    var username: String?

    @Option(help: "The passcode sent with --username.")
    var password: String?

    @Option(help: "User identity: a JSON Web Token.")
    var jwt: String?

    @Option(help: "The largest PDU this side receives, in bytes.")
    var maxPDU: UInt32 = 256 * 1024

    @Flag(help: "Log the protocol exchange (to standard error).")
    var verbose = false

    func validate() throws {
        guard (1...65535).contains(port) else { throw ValidationError("the port is 1 to 65535") }
        guard (1...16).contains(callingAETitle.count), (1...16).contains(calledAETitle.count) else {
            throw ValidationError("AE titles are 1 to 16 characters")
        }
        if password != nil && username == nil { throw ValidationError("--password needs --username") }
        if jwt != nil && username != nil { throw ValidationError("--jwt and --username exclude each other") }
    }

    /// The association parameters, without presentation contexts.
    func parameters() -> AssociationParameters {
        var parameters = AssociationParameters(
            callingAETitle: callingAETitle, calledAETitle: calledAETitle, maximumPDULength: maxPDU)
        if let username {
            parameters.userIdentity = .username(username, passcode: password)
        } else if let jwt {
            parameters.userIdentity = .jwt(jwt)
        }
        return parameters
    }

    func makeClient() -> DIMSEClient {
        var logger = Logger(label: "nuage") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .error
        return DIMSEClient(logger: logger)
    }
}

/// Options of the query/retrieve commands (find, move, get): the information model, the level, the keys.
struct QueryOptions: ParsableArguments {
    enum Model: String, ExpressibleByArgument, CaseIterable {
        case study, patient
    }

    @Option(help: "The query/retrieve information model: study (Study Root) or patient (Patient Root).")
    var model: Model = .study

    @Option(help: "The query/retrieve level: PATIENT, STUDY, SERIES or IMAGE.")
    var level = "STUDY"

    @Option(name: .customShort("k"), help: "A key, KEYWORD=VALUE (a match key) or KEYWORD (a return key); repeatable.")
    var keys: [String] = []

    func validate() throws {
        guard ["PATIENT", "STUDY", "SERIES", "IMAGE"].contains(level) else {
            throw ValidationError("--level is PATIENT, STUDY, SERIES or IMAGE")
        }
        _ = try identifier()
    }

    /// The SOP class of the model for an operation: find, move or get (PS3.4 C.6.1, C.6.2).
    func sopClassUID(for operation: String) -> UID {
        let last = ["find": "1", "move": "2", "get": "3"][operation] ?? "1"
        return UID("1.2.840.10008.5.1.4.1.2.\(model == .patient ? 1 : 2).\(last)")
    }

    static let uncompressed = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]

    /// The model's SOP class for the operation, the association parameters proposing it, and the identifier.
    func request(for operation: String, peer: DIMSEPeerOptions) throws -> (UID, AssociationParameters, DataSet) {
        let sopClass = sopClassUID(for: operation)
        var parameters = peer.parameters()
        parameters.propose([sopClass], transferSyntaxes: Self.uncompressed)
        return (sopClass, parameters, try identifier())
    }

    /// The identifier: Query/Retrieve Level and the keys, each with its dictionary VR.
    func identifier() throws -> DataSet {
        var dataSet = DataSet()
        dataSet.insert(DataElement(tag: .queryRetrieveLevel, vr: .CS, asciiStrings: [level]))
        for key in keys {
            let parts = key.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let keyword = String(parts[0])
            guard let tag = DataDictionary.tag(forKeyword: keyword) else {
                throw ValidationError("-k \(key): \(keyword) is not a PS3.6 keyword")
            }
            let value = parts.count > 1 ? String(parts[1]) : ""
            dataSet.insert(
                DataElement(tag: tag, vr: DataDictionary.vr(for: tag), asciiStrings: value.isEmpty ? [] : [value]))
        }
        return dataSet
    }
}

/// One line per element of a match: keyword and value (`nuage find`).
func describe(_ dataSet: DataSet) -> String {
    dataSet.elements.map { element in
        let keyword = DataDictionary.entry(for: element.tag)?.keyword ?? "\(element.tag)"
        let value = dataSet.strings(element.tag)?.joined(separator: "\\") ?? ""
        return "  \(keyword)=\(value)"
    }.joined(separator: "\n")
}
