import DICOMCore
import DICOMJSON
import NIOCore

/// Runs one input through the DICOM JSON decoder (PS3.18 Annex F) and the encoders, and traps when they disagree.
///
/// The input is read as one DICOM JSON object and as an array of them. A thrown `DICOMParseError` is an answer; a
/// trap is a finding, and so is:
/// - a decoded data set that `DICOMJSONEncoder` cannot encode, or whose JSON `DICOMJSONDecoder` rejects;
/// - JSON that is not a fixed point after one round trip (encode, decode, encode again gives other text);
/// - `DICOMXMLEncoder` trapping on a decoded data set (it may throw).
enum JSONFuzzHarness {
    static func run(_ input: UnsafeRawBufferPointer) {
        let bytes = ByteBuffer(bytes: input)
        let decoder = DICOMJSONDecoder()
        if let dataSet = try? decoder.decode(bytes) {
            checkRoundTrip(dataSet)
        }
        if let dataSets = try? decoder.decodeArray(bytes) {
            dataSets.prefix(4).forEach(checkRoundTrip)
        }
    }

    private static func checkRoundTrip(_ dataSet: DataSet) {
        let encoder = DICOMJSONEncoder()
        let decoder = DICOMJSONDecoder()
        let first: ByteBuffer
        do throws(DICOMParseError) {
            first = try encoder.encode(dataSet)
        } catch {
            fatalError("a decoded data set cannot be encoded again: \(error)")
        }
        let again: DataSet
        do throws(DICOMParseError) {
            again = try decoder.decode(first)
        } catch {
            fatalError("the decoder rejects the encoder's JSON: \(error)\n\(String(buffer: first))")
        }
        guard let second = try? encoder.encode(again) else {
            fatalError("the data set read back from the encoder's JSON cannot be encoded")
        }
        if first != second {
            fatalError("JSON not a fixed point after a round trip:\n\(String(buffer: first))\n\(String(buffer: second))")
        }
        _ = try? DICOMXMLEncoder().encode(dataSet)
    }
}
