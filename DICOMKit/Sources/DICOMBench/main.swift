// Parse throughput of the Part 10 reader, for `make bench` (scripts/bench), which runs DCMTK and pydicom on the same
// files in the same run.
//
//   DICOMBench [--mode header|full|decode] [--source file|memory] [--eager-sequences] [--min-seconds S]
//              [--files-from LIST] FILE…
//   DICOMBench --profile-passes N …   exactly N passes after the warm-up, untimed: for valgrind --tool=callgrind
//   DICOMBench --check FILE…        prints "ok<TAB>path" or "fail<TAB>path<TAB>error" for each file
//
// Modes: `header` reads up to Pixel Data and stops (`stopsBeforePixelData`: a file read stops at its header);
// `full` reads the whole file into a `DataSet` (values stay as encoded bytes, as DCMTK and pydicom keep them until
// asked); `decode` is `full` then every value decoded once, as `pydicom … for e in ds.iterall(): e.value` does.
// In the header and full modes, top-level sequences are kept encoded and built when read
// (`DICOMReadOptions.defersSequences`), as pydicom leaves them until accessed; `--eager-sequences` builds every item.
// Sources: `file` reads each file from disk each time (page cache warm), as the peers do; `memory` parses bytes
// already in memory: the parser alone. One warm-up pass, then batches of passes over all files (see below); prints
// one line of key=value figures (MB = 10^6 bytes of file size, whatever the mode reads of it).
import DICOM
import DICOMCore
import Glibc
import NIOCore

enum Mode: String {
    case header, full, decode
}

enum Source: String {
    case file, memory
}

struct Arguments {
    var mode = Mode.full
    var source = Source.file
    var minimumSeconds = 3.0
    var check = false
    var eagerSequences = false
    var profilePasses: Int?
    var paths: [String] = []

    init(_ arguments: ArraySlice<String>) {
        var remaining = arguments
        while let argument = remaining.popFirst() {
            switch argument {
            case "--mode":
                guard let value = remaining.popFirst().flatMap(Mode.init(rawValue:)) else { Self.usage("bad --mode") }
                mode = value
            case "--source":
                guard let value = remaining.popFirst().flatMap(Source.init(rawValue:)) else {
                    Self.usage("bad --source")
                }
                source = value
            case "--min-seconds":
                guard let value = remaining.popFirst().flatMap(Double.init) else {
                    Self.usage("bad --min-seconds")
                }
                minimumSeconds = value
            case "--check": check = true
            case "--profile-passes":
                guard let value = remaining.popFirst().flatMap(Int.init), value > 0 else {
                    Self.usage("bad --profile-passes")
                }
                profilePasses = value
            case "--eager-sequences": eagerSequences = true
            case "--files-from":
                guard let list = remaining.popFirst(), let text = readWholeFile(list) else {
                    Self.usage("bad --files-from")
                }
                paths += String(decoding: text, as: UTF8.self).split(separator: "\n").map(String.init)
            case _ where argument.hasPrefix("--"): Self.usage("unknown option \(argument)")
            default: paths.append(argument)
            }
        }
        if paths.isEmpty { Self.usage("no files") }
    }

    static func usage(_ problem: String) -> Never {
        print("DICOMBench: \(problem)")
        print("usage: DICOMBench [--mode header|full|decode] [--source file|memory] [--eager-sequences] [--min-seconds S]")
        print("                  [--files-from LIST] FILE…")
        print("       DICOMBench --profile-passes N …")
        print("       DICOMBench --check FILE…")
        exit(2)
    }
}

let arguments = Arguments(CommandLine.arguments.dropFirst())
if arguments.check {
    for path in arguments.paths {
        do throws(DICOMFileError) {
            let file = try DICOMFile(contentsOf: path)
            var checksum = 0
            decodeAll(file.dataSet, checksum: &checksum)
            print("ok\t\(path)")
        } catch {
            print("fail\t\(path)\t\(error)")
        }
    }
    exit(0)
}

let options = DICOMReadOptions(
    stopsBeforePixelData: arguments.mode == .header,
    defersSequences: arguments.mode != .decode && !arguments.eagerSequences)
var totalBytes = 0
var inMemory: [ByteBuffer] = []
for path in arguments.paths {
    guard let bytes = readWholeFile(path) else {
        print("DICOMBench: cannot read \(path) (errno \(errno))")
        exit(1)
    }
    totalBytes += bytes.count
    if arguments.source == .memory { inMemory.append(ByteBuffer(bytes: bytes)) }
}

/// Reads every file once; returns a checksum so that the work cannot be optimised away.
func pass(_ arguments: Arguments, options: DICOMReadOptions, inMemory: [ByteBuffer]) -> Int {
    var checksum = 0
    for index in arguments.paths.indices {
        let file: DICOMFile
        do {
            switch arguments.source {
            case .file: file = try DICOMFile(contentsOf: arguments.paths[index], options: options)
            case .memory: file = try DICOMFile(bytes: inMemory[index], options: options)
            }
        } catch {
            print("DICOMBench: \(arguments.paths[index]): \(error)")
            exit(1)
        }
        checksum &+= file.dataSet.count
        if arguments.mode == .decode { decodeAll(file.dataSet, checksum: &checksum) }
    }
    return checksum
}

/// Decodes every value once, as pydicom's `DataElement.value` does: text through the character set (DS, IS and PN
/// into numbers and names), binary numbers into arrays, byte streams (OB, OW, OF, UN…) left as bytes, sequences
/// item by item.
func decodeAll(_ dataSet: DataSet, checksum: inout Int) {
    for element in dataSet.elements {
        if let items = element.items {
            for item in items { decodeAll(item, checksum: &checksum) }
            continue
        }
        switch element.vr {
        case .DS: checksum &+= (try? element.decimals().count) ?? 0
        case .IS: checksum &+= (try? element.integerStrings().count) ?? 0
        case .PN: checksum &+= dataSet.personNames(element.tag)?.count ?? 0
        case .AE, .AS, .CS, .DA, .DT, .LO, .LT, .SH, .ST, .TM, .UC, .UI, .UR, .UT:
            checksum &+= dataSet.strings(element.tag)?.count ?? 0
        case .US: checksum &+= (try? element.integers(as: UInt16.self).count) ?? 0
        case .SS: checksum &+= (try? element.integers(as: Int16.self).count) ?? 0
        case .UL: checksum &+= (try? element.integers(as: UInt32.self).count) ?? 0
        case .SL: checksum &+= (try? element.integers(as: Int32.self).count) ?? 0
        case .UV: checksum &+= (try? element.integers(as: UInt64.self).count) ?? 0
        case .SV: checksum &+= (try? element.integers(as: Int64.self).count) ?? 0
        case .FL: checksum &+= (try? element.float32s().count) ?? 0
        case .FD: checksum &+= (try? element.float64s().count) ?? 0
        case .AT: checksum &+= (try? element.tags().count) ?? 0
        case .OB, .OD, .OF, .OL, .OV, .OW, .UN, .SQ: checksum &+= element.bytes?.readableBytes ?? 0
        }
    }
}

// Batches of whole passes lasting at least 0.3 s each, until `--min-seconds` have passed; the best batch is reported
// (on a shared machine, other work only ever slows a batch down), with the mean over all batches.
let clock = ContinuousClock()
var checksum = pass(arguments, options: options, inMemory: inMemory)  // warm-up: page cache, allocator, dictionary
if let profilePasses = arguments.profilePasses {
    for _ in 0..<profilePasses { checksum &+= pass(arguments, options: options, inMemory: inMemory) }
    print("passes=\(profilePasses) checksum=\(checksum)")
    exit(0)
}
var best = Duration.zero
var bestPasses = 0
var passes = 0
var elapsed = Duration.zero
repeat {
    let batchStart = clock.now
    var batchPasses = 0
    var batch = Duration.zero
    repeat {
        checksum &+= pass(arguments, options: options, inMemory: inMemory)
        batchPasses += 1
        batch = batchStart.duration(to: clock.now)
    } while batch < .milliseconds(300)
    if bestPasses == 0 || batch / batchPasses < best / bestPasses {
        (best, bestPasses) = (batch, batchPasses)
    }
    passes += batchPasses
    elapsed += batch
} while elapsed < .milliseconds(Int64(arguments.minimumSeconds * 1000))

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
let bestFiles = Double(arguments.paths.count * bestPasses) / seconds(best)
let meanFiles = Double(arguments.paths.count * passes) / seconds(elapsed)
let megabytes = Double(totalBytes) / Double(arguments.paths.count) / 1e6
let figures = [
    "mode=\(arguments.mode.rawValue)", "source=\(arguments.source.rawValue)", "files=\(arguments.paths.count)",
    "bytes=\(totalBytes)", "passes=\(passes)", "seconds=\(rounded(seconds(elapsed), 3))",
    "files_per_second=\(rounded(bestFiles, 1))", "megabytes_per_second=\(rounded(bestFiles * megabytes, 1))",
    "mean_files_per_second=\(rounded(meanFiles, 1))", "checksum=\(checksum)",
]
print(figures.joined(separator: " "))

func rounded(_ value: Double, _ places: Int) -> String {
    let scale = (0..<places).reduce(1.0) { value, _ in value * 10 }
    let scaled = (value * scale).rounded()
    let whole = Int(scaled) / Int(scale)
    let fraction = String(Int(scaled) % Int(scale))
    return places == 0 ? "\(whole)" : "\(whole)." + String(repeating: "0", count: places - fraction.count) + fraction
}

func readWholeFile(_ path: String) -> [UInt8]? {
    guard let stream = fopen(path, "rb") else { return nil }
    defer { fclose(stream) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, stream) }
        if count == 0 { break }
        bytes.append(contentsOf: chunk[0..<count])
    }
    return ferror(stream) == 0 ? bytes : nil
}
