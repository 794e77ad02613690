import Archive
import DICOM
import DICOMCore
import DICOMImaging
import NIOCore

/// How the instances of a retrieve reach a peer: which presentation contexts to propose, and which syntax to send
/// an instance in when the peer did not accept the stored one.
enum RetrievePlan {
    struct Proposal: Hashable {
        var sopClassUID: UID
        var transferSyntaxes: [UID]
    }

    /// One context per SOP class and stored syntax (so each instance can go as stored), and one per SOP class with
    /// the uncompressed syntaxes every peer has, for conversion. At most 128 contexts (PS3.8 §9.3.2.2: odd ids
    /// 1–255); classes beyond are not proposed and their instances fail.
    static func proposals(for instances: [StoredInstance]) -> [Proposal] {
        let fallback = [TransferSyntax.explicitVRLittleEndian.uid, TransferSyntax.implicitVRLittleEndian.uid]
        var proposals: [Proposal] = []
        var seen: Set<Proposal> = []
        for instance in instances {
            let sopClass = UID(instance.sopClassUID)
            let stored = UID(instance.object.transferSyntaxUID)
            for proposal in [
                Proposal(sopClassUID: sopClass, transferSyntaxes: [stored]),
                Proposal(sopClassUID: sopClass, transferSyntaxes: fallback),
            ] {
                if seen.insert(proposal).inserted { proposals.append(proposal) }
            }
        }
        return Array(proposals.prefix(128))
    }

    /// The accepted syntax to convert a stored object into, or nil when none can be reached from `stored`: the
    /// pixel codecs re-encode frames (`Transcoder`), never into a lossy syntax; the peer's own order decides among
    /// the reachable ones.
    static func conversionTarget(from stored: UID, accepted: [UID]) -> TransferSyntax? {
        guard let source = TransferSyntax(uid: stored) else { return nil }
        return accepted.lazy.compactMap { TransferSyntax(uid: $0) }.first { target in
            !Transcoder.isLossy(target) && Transcoder.canTranscode(from: source, to: target)
        }
    }

    /// The bare data set of a stored Part 10 object in `target`.
    static func convert(_ object: ByteBuffer, to target: TransferSyntax) throws -> ByteBuffer {
        let file = try DICOMFile(bytes: object)
        return try Transcoder.transcode(file, to: target).encodedDataSet()
    }
}
