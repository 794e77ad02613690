import ArgumentParser
import DICOM
import DICOMCore
import DICOMJSON

/// `nuage dump`: prints DICOM files as dcmdump does, or as PS3.18 JSON.
struct DumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print the elements of DICOM files (tag, VR, length, value, keyword), or their DICOM JSON."
    )

    @Argument(help: "DICOM files (Part 10 or bare data sets).")
    var files: [String]

    @Flag(help: "Print the PS3.18 DICOM JSON model of each data set instead.")
    var json = false

    @Flag(help: "Stop before Pixel Data: the rest of each file is not read.")
    var headerOnly = false

    func run() throws {
        let options = DICOMReadOptions(stopsBeforePixelData: headerOnly)
        var failures = 0
        for path in files {
            do {
                let file = try DICOMFile(contentsOf: path, options: options)
                if json {
                    print(try DumpFormatter.json(of: file))
                } else {
                    if files.count > 1 { print("# File: \(path)") }
                    print(DumpFormatter.text(of: file), terminator: "")
                }
            } catch {
                failures += 1
                printError("nuage dump: \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}
