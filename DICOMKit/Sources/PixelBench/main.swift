// Pixel data benchmark for `make bench` (scripts/bench-pixel), which runs DCMTK, pydicom and Orthanc in the same run.
//
//   PixelBench decode [--min-seconds S] FILE…    decode every frame of the files (parsed once, in memory)
//   PixelBench thumbnail [--min-seconds S] FILE  file on disk → parse → decode → 128-pixel thumbnail → JPEG
//   PixelBench ratios FILE…                      lossless compression ratio of each file's pixels per encoder
//   PixelBench encode SYNTAX-UID INPUT OUTPUT    transcode a file (to make the corpus)
//
// Timing: one warm-up, then batches of at least 0.3 s for at least --min-seconds; the fastest batch is reported (other
// work on a shared machine only slows a batch down). Output: one line of key=value figures; MB = 10^6 bytes of
// decoded pixels.
import DICOM
import DICOMCore
import DICOMDictionary
import DICOMImaging
import Glibc
import NIOCore

func fail(_ message: String) -> Never {
    print("PixelBench: \(message)")
    exit(2)
}

func readFile(_ path: String) -> DICOMFile {
    do { return try DICOMFile(contentsOf: path) } catch { fail("\(path): \(error)") }
}

/// Runs `work` in batches; returns the seconds of one pass in the fastest batch.
func fastestPass(minimumSeconds: Double, _ work: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    try work()
    var best = Double.infinity
    var elapsed = 0.0
    while elapsed < minimumSeconds {
        let start = clock.now
        var passes = 0
        var batch = 0.0
        repeat {
            try work()
            passes += 1
            let duration = clock.now - start
            batch = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        } while batch < 0.3
        best = min(best, batch / Double(passes))
        elapsed += batch
    }
    return best
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard let mode = arguments.first else { fail("usage: PixelBench decode|thumbnail|ratios|encode …") }
arguments.removeFirst()
var minimumSeconds = 3.0
if let index = arguments.firstIndex(of: "--min-seconds"), index + 1 < arguments.count {
    minimumSeconds = Double(arguments[index + 1]) ?? 3
    arguments.removeSubrange(index...(index + 1))
}

switch mode {
case "decode":
    let sets = arguments.map { path -> PixelData in
        let file = readFile(path)
        do { return try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax) } catch {
            fail("\(path): \(error)")
        }
    }
    var bytes = 0
    var checksum = 0
    do {
        let seconds = try fastestPass(minimumSeconds: minimumSeconds) {
            bytes = 0
            for pixelData in sets {
                for index in 0..<pixelData.numberOfFrames {
                    let frame = try pixelData.frame(at: index)
                    bytes += frame.bytes.count
                    checksum &+= Int(frame.bytes[frame.bytes.count / 2])
                }
            }
        }
        print(
            "files=\(sets.count) output_bytes=\(bytes) seconds_per_pass=\(seconds) "
                + "megabytes_per_second=\(Double(bytes) / seconds / 1e6) checksum=\(checksum)")
    } catch { fail("\(error)") }

case "thumbnail":
    guard let path = arguments.first else { fail("thumbnail needs a file") }
    var size = 0
    do {
        let seconds = try fastestPass(minimumSeconds: minimumSeconds) {
            let file = readFile(path)
            let image = try ImageRenderer(dataSet: file.dataSet, transferSyntax: file.transferSyntax).thumbnail(size: 128)
            size = try image.jpegData(quality: 90).readableBytes
        }
        print("milliseconds=\(seconds * 1000) jpeg_bytes=\(size)")
    } catch { fail("\(error)") }

case "ratios":
    // Per encoder: native bytes of the files it accepts ÷ their encoded bytes (JPEG-LS refuses > 16 bits, JPEG 2000
    // > 24 bits: those files do not count for it).
    let targets: [(String, TransferSyntax)] = [
        ("rle", .rleLossless), ("jpegls", .jpegLSLossless), ("jpeg2000", .jpeg2000Lossless),
        ("deflate", .deflatedImageFrame),
    ]
    var native = [String: Int]()
    var encoded = [String: Int]()
    for path in arguments {
        let file = readFile(path)
        var frameBytes = 0
        do {
            let pixelData = try PixelData(dataSet: file.dataSet, transferSyntax: file.transferSyntax)
            for index in 0..<pixelData.numberOfFrames { frameBytes += try pixelData.frame(at: index).bytes.count }
        } catch { fail("\(path): \(error)") }
        for (name, syntax) in targets {
            guard let transcoded = try? Transcoder.transcode(file, to: syntax),
                let fragments = transcoded.dataSet[.pixelData]?.fragments
            else { continue }
            native[name, default: 0] += frameBytes
            encoded[name, default: 0] += fragments.fragments.reduce(0) { $0 + $1.readableBytes }
        }
    }
    let figures = targets.map { name, _ in
        let ratio = encoded[name].map { Double(native[name] ?? 0) / Double(max($0, 1)) }
        return "\(name)=\(ratio.map { String($0) } ?? "-")"
    }
    print("files=\(arguments.count) " + figures.joined(separator: " "))

case "encode":
    guard arguments.count == 3, let syntax = TransferSyntax(uid: UID(arguments[0])) else {
        fail("encode SYNTAX-UID INPUT OUTPUT")
    }
    let file = readFile(arguments[1])
    do { try Transcoder.transcode(file, to: syntax).write(to: arguments[2]) } catch { fail("\(error)") }

default:
    fail("unknown mode \(mode)")
}
