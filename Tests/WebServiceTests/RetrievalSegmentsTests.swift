import Testing

import WebService

@Suite("Retrieval segments")
struct RetrievalSegmentsTests {
    @Test("batches close at the byte limit, at the count limit and around instances read otherwise")
    func batchesCloseAtEveryLimit() {
        // 0-1 pass the 25 bytes; 2 is cut short by the streamed 3; 4-6 reach the count of 3; 7 and 8 are streamed
        // (no empty batch between them); 9 is alone at the end.
        let segments = RetrievalSegments(
            sizes: [20, 10, 1, nil, 1, 1, 1, nil, nil, 1], batchBytes: 25, batchCount: 3)
        #expect(segments.batches == [0..<2, 2..<3, 4..<7, 9..<10])
        #expect(
            segments.segments == [
                .batch(0), .batch(1), .single(3), .batch(2), .single(7), .single(8), .batch(3),
            ])
    }

    @Test("a retrieval of instances read whole only is one run of batches; of none, only single instances")
    func uniformRetrievals() {
        let whole = RetrievalSegments(sizes: Array(repeating: 100, count: 5), batchBytes: 250, batchCount: 64)
        #expect(whole.batches == [0..<3, 3..<5])
        #expect(whole.segments == [.batch(0), .batch(1)])
        let streamed = RetrievalSegments(sizes: [nil, nil], batchBytes: 250, batchCount: 64)
        #expect(streamed.batches.isEmpty)
        #expect(streamed.segments == [.single(0), .single(1)])
        #expect(RetrievalSegments(sizes: [], batchBytes: 250, batchCount: 64).segments.isEmpty)
    }
}
