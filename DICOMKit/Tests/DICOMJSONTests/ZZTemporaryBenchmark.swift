import DICOM
import DICOMCore
import DICOMJSON
import Foundation
import NIOCore
import Testing

@Test func zzTemporaryBenchmark() throws {
    guard let path = Pydicom.testFile("CT_small.dcm") else { return }
    var dataSet = try DICOMFile(contentsOf: path).dataSet
    dataSet.remove(Tag(0x7FE0_0010))
    let encoder = DICOMJSONEncoder()
    let one = try encoder.encode(dataSet)
    let dataSets = [DataSet](repeating: dataSet, count: 1000)
    var start = Date()
    var total = 0
    for _ in 0..<10 { total += try encoder.encode(dataSets).readableBytes }
    var seconds = Date().timeIntervalSince(start)
    print("BENCH encode: \(10_000) data sets of \(dataSet.count) elements, \(one.readableBytes) bytes each: \(seconds)s, \(Double(total) / seconds / 1e6) MB/s, \(10_000 / seconds) data sets/s")
    let array = try encoder.encode(dataSets)
    start = Date()
    for _ in 0..<5 { _ = try DICOMJSONDecoder().decodeArray(array) }
    seconds = Date().timeIntervalSince(start)
    print("BENCH decode: 5000 data sets: \(seconds)s, \(Double(array.readableBytes * 5) / seconds / 1e6) MB/s")
    let xml = DICOMXMLEncoder()
    start = Date()
    for _ in 0..<2000 { _ = try xml.encode(dataSet) }
    seconds = Date().timeIntervalSince(start)
    print("BENCH xml: 2000 data sets: \(seconds)s")
}
