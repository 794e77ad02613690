import DICOMCore
import DICOMJSON
import NIOCore

/// Runs one input through the DICOM JSON decoder (PS3.18 Annex F) and the encoders, and traps when they disagree.
///
/// The input is read as one DICOM JSON object and as an array of them. A thrown `DICOMParseError` is an answer; a
/// trap is a finding, and so is JSON from `DICOMJSONEncoder` that `DICOMJSONDecoder` rejects for any reason but a
/// value (`invalidValue`): the encoder must write well-formed JSON with valid tags, VRs and nesting. Values need
/// not come back: text whose bytes are not valid in their character set (InlineBinary given for a PN, an unknown
/// Specific Character Set) is written as the characters it decodes to, which may not encode back.
/// `DICOMXMLEncoder` must not trap either (it may throw).
enum JSONFuzzHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = ByteBuffer(bytes: input)
        let decoder = DICOMJSONDecoder()
        if let dataSet = try? decoder.decode(bytes) {
            checkEncoders(dataSet)
        }
        if let dataSets = try? decoder.decodeArray(bytes) {
            dataSets.prefix(4).forEach(checkEncoders)
        }
    }

    private static func checkEncoders(_ dataSet: DataSet) {
        _ = try? DICOMXMLEncoder().encode(dataSet)
        guard let json = try? DICOMJSONEncoder().encode(dataSet) else { return }
        do throws(DICOMParseError) {
            _ = try DICOMJSONDecoder().decode(json)
        } catch where error.code != .invalidValue {
            fatalError("the decoder rejects the encoder's JSON: \(error)\n\(String(buffer: json))")
        } catch {
            return
        }
    }
}
