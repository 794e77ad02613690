// The libFuzzer entry point for the data set and Part 10 parsers (ParserFuzzHarness) or, with NUAGE_FUZZ_MODE=json
// in the environment, the DICOM JSON decoder and encoders (JSONFuzzHarness), or with NUAGE_FUZZ_MODE=codecs the pixel
// decoders (CodecFuzzHarness); in the first two modes, inputs that start with 0xD1 go to the Upper Layer PDU decoder
// and state machine (NetworkFuzzHarness).
//
// Built by `scripts/fuzz` with `-sanitize=fuzzer,address -DNUAGE_LIBFUZZER`: libFuzzer's driver then runs here, and
// a crash, trap, time-out or memory blow-up in `LLVMFuzzerTestOneInput` is a finding. SwiftPM links executables with
// `--defsym main=DICOMFuzzer_main`, so libFuzzer's own `main` is never linked and `-parse-as-library` cannot be used:
// this file's top-level code calls `LLVMFuzzerRunDriver` itself. A plain `swift build` leaves libFuzzer out and
// gives a replayer: `DICOMFuzzer FILE…` runs each file through the same checks, for a debugger.
import Glibc

/// What the fuzzer exercises, from NUAGE_FUZZ_MODE: `parser` (the default), `json` or `codecs`.
enum FuzzMode: String {
    case parser, json, codecs

    static let current: FuzzMode = {
        guard let value = getenv("NUAGE_FUZZ_MODE") else { return .parser }
        guard let mode = FuzzMode(rawValue: String(cString: value)) else {
            print("DICOMFuzzer: NUAGE_FUZZ_MODE is parser, json or codecs")
            exit(2)
        }
        return mode
    }()

    func run(_ input: UnsafeRawBufferPointer) {
        if self == .codecs {
            CodecFuzzHarness.run(input)
            return
        }
        if input.first == NetworkFuzzHarness.marker {
            NetworkFuzzHarness.run(input)
            return
        }
        switch self {
        case .parser: ParserFuzzHarness.run(input)
        case .json: JSONFuzzHarness.run(input)
        case .codecs: CodecFuzzHarness.run(input)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    FuzzMode.current.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : count))
    return 0
}

#if NUAGE_LIBFUZZER
/// libFuzzer's driver (compiler-rt `FuzzerDriver.cpp`), linked by `-sanitize=fuzzer`.
@_silgen_name("LLVMFuzzerRunDriver")
func runLibFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var argumentCount = CommandLine.argc
var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runLibFuzzerDriver(&argumentCount, &arguments, fuzzOneInput))
#else
let paths = CommandLine.arguments.dropFirst()
if paths.isEmpty {
    print("usage: [NUAGE_FUZZ_MODE=json|codecs] DICOMFuzzer FILE…  (replays inputs; build with scripts/fuzz for libFuzzer)")
    exit(2)
}
for path in paths {
    guard let bytes = readWholeFile(path) else {
        print("\(path): cannot read (errno \(errno))")
        exit(1)
    }
    bytes.withUnsafeBytes { FuzzMode.current.run($0) }
    print("\(path): \(bytes.count) bytes, no finding")
}

func readWholeFile(_ path: String) -> [UInt8]? {
    guard let stream = fopen(path, "rb") else { return nil }
    defer { fclose(stream) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, stream) }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return ferror(stream) == 0 ? bytes : nil
}
#endif
